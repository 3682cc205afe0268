package creds

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/sso/types"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/smithy-go"
)

// LoginRequiredError means the SSO session behind the profile has ended: only the user can fix
// it, by logging in again.
type LoginRequiredError struct {
	Profile string
	Err     error
}

func (e *LoginRequiredError) Error() string {
	if errors.Is(e.Err, fs.ErrNotExist) {
		return fmt.Sprintf("not logged in to AWS SSO for profile %q (no cached SSO token)", e.Profile)
	}
	return fmt.Sprintf("the AWS SSO session for profile %q has ended (the cached token expired and could not be refreshed)", e.Profile)
}

func (e *LoginRequiredError) Unwrap() error { return e.Err }

// Hint is the command that fixes it.
func (e *LoginRequiredError) Hint() string {
	if e.Profile == "" {
		return "aws sso login"
	}
	return "aws sso login --profile " + e.Profile
}

// MFARequiredError means the profile needs an MFA code and there is no terminal to ask on.
type MFARequiredError struct{ Profile string }

func (e *MFARequiredError) Error() string {
	return fmt.Sprintf("profile %q needs an MFA code (mfa_serial) and no terminal is available to ask for it", e.Profile)
}

// IncompleteProfileError means the profile exists but says nothing about credentials.
type IncompleteProfileError struct{ Profile string }

func (e *IncompleteProfileError) Error() string {
	return fmt.Sprintf("profile %q has no credential settings (sso_session, role_arn, credential_process or access keys)", e.Profile)
}

// AccessError means AWS answered and refused: wrong keys, no permission, expired or revoked token.
type AccessError struct {
	Profile string
	Code    string
	Err     error
}

func (e *AccessError) Error() string {
	return fmt.Sprintf("resolve credentials for profile %q: %v", e.Profile, e.Err)
}

func (e *AccessError) Unwrap() error { return e.Err }

// classify turns SDK errors into the few kinds the user acts on differently.
func (s *Source) classify(err error) error {
	var invalid *ssocreds.InvalidTokenError
	var unauthorized *types.UnauthorizedException
	var grant *oidctypes.InvalidGrantException
	var client *oidctypes.InvalidClientException
	var expired *oidctypes.ExpiredTokenException
	if errors.As(err, &invalid) || errors.As(err, &unauthorized) || errors.As(err, &grant) ||
		errors.As(err, &client) || errors.As(err, &expired) ||
		strings.Contains(err.Error(), "cached SSO token is expired") ||
		strings.Contains(err.Error(), "failed to read cached SSO token file") {
		return &LoginRequiredError{Profile: s.opts.Profile, Err: err}
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "AccessDenied", "AccessDeniedException", "InvalidClientTokenId", "ExpiredToken",
			"ExpiredTokenException", "SignatureDoesNotMatch", "UnrecognizedClientException", "ForbiddenException":
			return &AccessError{Profile: s.opts.Profile, Code: api.ErrorCode(), Err: err}
		}
	}
	return fmt.Errorf("resolve credentials for profile %q: %w", s.opts.Profile, err)
}
