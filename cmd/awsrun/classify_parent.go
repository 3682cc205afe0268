package main

import (
	"github.com/awsrun/awsrun/internal/shellquote"
	"github.com/awsrun/awsrun/state"
	"github.com/awsrun/awsrun/wrapper"
)

// parentRefusal maps the parent awsrun's coded refusal of a profile to the exit status the
// same failure has outside awsrun.
func parentRefusal(e *wrapper.ParentRefusedError) (int, string) {
	p := shellquote.Quote(e.Profile)
	switch e.Code {
	case state.CodeNotAllowed:
		return exitConfig, "start awsrun with the profile in --profiles (or AWSRUN_PROFILES), or run the command outside awsrun"
	case state.CodeNotFound:
		return exitConfig, "aws configure list-profiles   (outside awsrun: the profiles in your own config)"
	case state.CodeMFARequired:
		return exitNoPerm, "set mfa_process in [profile " + e.Profile + "] to a command that prints the code, or run awsrun --profile " + p + " from a terminal"
	case state.CodeLoginRequired:
		return exitNoPerm, shellquote.Join("aws", "sso", "login", "--profile", e.Profile)
	case state.CodeAccessDenied:
		return exitNoPerm, shellquote.Join("awsrun", "doctor", "--profile", e.Profile)
	}
	return exitUnavailable, ""
}
