package main

// awsrun's own exit codes. Anything else is the child's: its exit status unchanged, 128+N when a
// signal N killed it, 126 when it cannot be executed and 127 when it is not found. The values
// follow sysexits.h so scripts can tell awsrun's failures from common child codes.
const (
	exitUsage        = 2  // bad flags or no command (a bad region from a flag or variable too): usage is printed
	exitDataErr      = 65 // a config or credentials file is malformed, or holds a value the child's config cannot take (file:line in the message)
	exitUnavailable  = 69 // credentials could not be resolved (AWS unreachable, process failed)
	exitSoftware     = 70 // internal error: private dir or endpoint setup (wrapper.SetupError), a recovered panic (wrapper.InternalError)
	exitNoPerm       = 77 // AWS refused: SSO or aws login session ended (aws sso login, aws login), keys invalid, MFA needed
	exitConfig       = 78 // profile missing or incomplete, refused by --profiles, credential_process looping through awsrun
	exitNotExec      = 126
	exitNotFound     = 127
	exitSignalOffset = 128
	exitDoctorFailed = 1 // awsrun doctor: at least one check failed
)

// exitCodes says what every exit status means, in the order the man page's EXIT STATUS lists
// them (manpage.go renders it; keep it in step with the constants above and the README's table).
var exitCodes = []struct {
	code    int
	signal  bool // the status is code+N, N the number of the signal that killed COMMAND
	meaning string
}{
	{exitSignalOffset, true, "COMMAND was killed by signal N. For SIGHUP, SIGINT, SIGTERM, SIGKILL, SIGPIPE, SIGUSR1, SIGUSR2 and SIGALRM awsrun instead dies of the same signal, so a shell loop stops on ^C (unless it was started with that signal ignored, as under nohup)."},
	{exitNotExec, false, "COMMAND was found but cannot be executed."},
	{exitNotFound, false, "COMMAND was not found."},
	{exitDoctorFailed, false, "awsrun doctor: at least one check failed."},
	{exitUsage, false, "Usage error: unknown flag, bad flag value (a region in --region, AWSRUN_REGION, AWS_REGION or AWS_DEFAULT_REGION that is not a region name: the message names which), or no command; the usage is printed."},
	{exitDataErr, false, "A config or credentials file is malformed, or holds a setting the command's generated config would copy that cannot be written there (a region that is not a region name, a control character); the message names the file and line."},
	{exitUnavailable, false, "Credentials could not be resolved: AWS unreachable, credential_process failed."},
	{exitSoftware, false, "Internal error: awsrun could not set up its private directory or credential endpoint (the message says which), or a bug in awsrun (it stops the command and cleans up; the log has the details, please report it)."},
	{exitNoPerm, false, "AWS refused: the SSO session ended or never started (aws sso login --profile P), the aws login session ended or its token cache is missing or unusable (aws login --profile P), keys are invalid, or an MFA code is needed without a terminal (also for another profile served by the parent awsrun, which never prompts)."},
	{exitConfig, false, "The profile is missing (the message lists those that exist), has no credential settings or lacks some SSO settings (listed), or --profiles names a profile that does not exist, or the awsrun this runs under refuses the profile (--profiles; also a nested awsrun for another profile under an env-mode awsrun), or a credential_process runs awsrun for the same profile again or nests awsrun more than 8 deep (the message shows the chain)."},
}
