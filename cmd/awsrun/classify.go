package main

import (
	"errors"

	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/wrapper"
)

// classify maps an awsrun failure to its documented exit code and the command that fixes it.
func classify(err error) (int, string) {
	var (
		parse      *creds.ParseError
		notFound   *creds.ProfileNotFoundError
		incomplete *creds.IncompleteProfileError
		login      *creds.LoginRequiredError
		mfa        *creds.MFARequiredError
		access     *creds.AccessError
		nested     *wrapper.NestedError
		exitCoder  interface{ ExitCode() int }
	)
	switch {
	case errors.As(err, &exitCoder):
		// The child could not be started: 126 not executable, 127 not found.
		return exitCoder.ExitCode(), ""
	case errors.As(err, &parse):
		return exitDataErr, "fix " + parse.Path + " at line " + itoa(parse.Line)
	case errors.As(err, &notFound):
		if len(notFound.Available) > 0 {
			return exitConfig, "awsrun --profile " + notFound.Available[0] + " -- ..."
		}
		return exitConfig, "aws configure sso --profile " + notFound.Name + "   (or, for access keys: aws configure --profile " + notFound.Name + ")"
	case errors.As(err, &incomplete):
		return exitConfig, "aws configure list --profile " + incomplete.Profile
	case errors.As(err, &nested):
		return exitConfig, "exit the outer awsrun first, or run the other profile from a new shell"
	case errors.As(err, &login):
		return exitNoPerm, login.Hint()
	case errors.As(err, &mfa):
		return exitNoPerm, "run awsrun from a terminal so it can ask for the MFA code"
	case errors.As(err, &access):
		return exitNoPerm, "check the profile's keys or role with: aws sts get-caller-identity --profile " + access.Profile
	}
	return exitUnavailable, ""
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
