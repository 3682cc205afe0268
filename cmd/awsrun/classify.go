package main

import (
	"errors"

	"github.com/awsrun/awsrun/child"
	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/internal/shellquote"
	"github.com/awsrun/awsrun/wrapper"
)

// reportBugHint is the try: line of an internal error (a recovered panic).
const reportBugHint = "this is a bug in awsrun; please report it with the log (awsrun --log-level debug --log-file awsrun.log ...) at https://github.com/awsrun/awsrun/issues"

// classify maps an awsrun failure to its documented exit code and the command that fixes it.
func classify(err error) (int, string) {
	var (
		start      *child.StartError
		coded      *codedError
		parse      *creds.ParseError
		unsafe     *creds.UnsafeValueError
		notFound   *creds.ProfileNotFoundError
		incomplete *creds.IncompleteProfileError
		login      *creds.LoginRequiredError
		mfa        *creds.MFARequiredError
		access     *creds.AccessError
		resolve    *creds.ResolveError
		unknown    *creds.UnknownProfilesError
		notAllowed *creds.ProfileNotAllowedError
		refused    *wrapper.ParentRefusedError
		nested     *wrapper.NestedError
		internal   *wrapper.InternalError
		setup      *wrapper.SetupError
	)
	// Only awsrun's own errors carry an exit code: a failing credential_process also has one
	// (its exit status), which must not become awsrun's.
	switch {
	case errors.As(err, &internal):
		// A recovered panic: the child was stopped and awsrun cleaned up; the stack is in the log.
		return exitSoftware, reportBugHint
	case errors.As(err, &setup):
		if setup.Dir != "" {
			dir := shellquote.Quote(setup.Dir)
			return exitSoftware, "check that " + dir + " is writable and has room: ls -ld " + dir + "; df -h " + dir + "   (or set TMPDIR to another directory)"
		}
		return exitSoftware, "check that the loopback interface is up: ip addr show lo   (awsrun listens on 127.0.0.1)"
	case errors.As(err, &start):
		// The child could not be started: 126 not executable, 127 not found.
		return start.ExitCode(), ""
	case errors.As(err, &coded):
		return coded.ExitCode(), coded.hint
	case errors.As(err, &parse):
		return exitDataErr, "fix " + parse.Path + " at line " + itoa(parse.Line)
	case errors.As(err, &unsafe):
		// The writer's last line of defence: the checks where values enter name the source.
		return exitDataErr, "check --region, AWS_REGION, AWS_DEFAULT_REGION and the profile's settings in the config file"
	case errors.As(err, &unknown):
		return exitConfig, "aws configure list-profiles   (then name only profiles it lists in --profiles or AWSRUN_PROFILES)"
	case errors.As(err, &notAllowed):
		return exitConfig, "run it from a shell outside awsrun, or start awsrun with the profile in --profiles"
	case errors.As(err, &notFound):
		if near := notFound.Nearest(); near != "" {
			return exitConfig, "awsrun --profile " + shellquote.Quote(near) + " ..."
		}
		return exitConfig, configureHint(notFound.Name)
	case errors.As(err, &incomplete) && len(incomplete.Missing) > 0:
		return exitConfig, shellquote.Join("aws", "configure", "sso", "--profile", incomplete.Profile)
	case errors.As(err, &incomplete):
		return exitConfig, configureHint(incomplete.Profile)
	case errors.As(err, &refused):
		return parentRefusal(refused)
	case errors.As(err, &nested):
		return exitConfig, "awsrun --profile " + shellquote.Quote(nested.Inner) + " ...   (from a shell outside the awsrun for profile " + shellquote.Quote(nested.Outer) + ")"
	case errors.As(err, &login):
		return exitNoPerm, login.Hint()
	case errors.As(err, &mfa):
		return exitNoPerm, mfa.Hint()
	case errors.As(err, &access):
		return exitNoPerm, shellquote.Join("awsrun", "doctor", "--profile", access.Profile)
	case errors.As(err, &resolve):
		return exitUnavailable, shellquote.Join("awsrun", "doctor", "--profile", resolve.Profile)
	}
	return exitUnavailable, ""
}

// configureHint is the command that sets a profile up, SSO first.
func configureHint(profile string) string {
	p := shellquote.Quote(profile)
	return "aws configure sso --profile " + p + "   (or, for access keys: aws configure --profile " + p + ")"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
