package main

// awsrun's own exit codes. Anything else is the child's: its exit status unchanged, 128+N when a
// signal N killed it, 126 when it cannot be executed and 127 when it is not found. The values
// follow sysexits.h so scripts can tell awsrun's failures from common child codes.
const (
	exitUsage        = 2  // bad flags or no command: usage is printed
	exitDataErr      = 65 // a config or credentials file is malformed (file:line in the message)
	exitUnavailable  = 69 // credentials could not be resolved (AWS unreachable, process failed)
	exitSoftware     = 70 // internal error: endpoint, temp files, signals
	exitNoPerm       = 77 // AWS refused: SSO session ended (aws sso login), keys invalid, MFA needed
	exitConfig       = 78 // profile missing or incomplete, nested awsrun for another profile
	exitNotExec      = 126
	exitNotFound     = 127
	exitSignalOffset = 128
)
