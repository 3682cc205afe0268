package creds

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/service/sso/types"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/awsrun/awsrun/internal/shellquote"
)

// LoginRequiredError means the SSO or `aws login` session behind the profile has ended (or its
// token cache is missing or unusable): only the user can fix it, by logging in again.
type LoginRequiredError struct {
	Profile string
	Err     error
	// Login marks an `aws login` (login_session) profile rather than SSO.
	Login bool
}

func (e *LoginRequiredError) Error() string {
	if e.Login {
		return loginRequiredMessage(e)
	}
	if errors.Is(e.Err, fs.ErrNotExist) {
		return fmt.Sprintf("not logged in to AWS SSO for profile %q (no cached SSO token)", e.Profile)
	}
	return fmt.Sprintf("the SSO session for profile %q has ended (its cached token expired and could not be refreshed)", e.Profile)
}

func (e *LoginRequiredError) Unwrap() error { return e.Err }

// Hint is the command that fixes it.
func (e *LoginRequiredError) Hint() string {
	if e.Login {
		return "aws login --profile " + shellquote.Quote(e.Profile)
	}
	if e.Profile == "" {
		return "aws sso login"
	}
	return "aws sso login --profile " + shellquote.Quote(e.Profile)
}

// MFARequiredError means the profile needs an MFA code and there is no terminal to ask on:
// none at all, or (Busy) the one the running command owns.
type MFARequiredError struct {
	Profile string
	Busy    bool
}

func (e *MFARequiredError) Error() string {
	if e.Busy {
		return fmt.Sprintf("profile %q needs a new MFA code to renew its role session, but the terminal belongs to the running command", e.Profile)
	}
	return fmt.Sprintf("profile %q needs an MFA code (mfa_serial) and there is no terminal to ask for it on", e.Profile)
}

// Hint is what fixes it: a terminal to type the code on, or a command that prints it.
func (e *MFARequiredError) Hint() string {
	return fmt.Sprintf("run awsrun from a terminal to type the code, or set mfa_process in [profile %s] to a command that prints it", e.Profile)
}

// IncompleteProfileError means the profile exists but says nothing about credentials, or is
// an SSO profile that lacks some of its settings (Missing).
type IncompleteProfileError struct {
	Profile string
	Missing []string
}

func (e *IncompleteProfileError) Error() string {
	if len(e.Missing) > 0 {
		return fmt.Sprintf("profile %q uses SSO but lacks %s", e.Profile, strings.Join(e.Missing, ", "))
	}
	return fmt.Sprintf("profile %q has no credential settings (sso_session, login_session, role_arn, credential_process or access keys)", e.Profile)
}

// Nearest is the existing profile a mistyped name most likely meant, "" when none is close:
// the same name in another case, or one at most two edits away.
func (e *ProfileNotFoundError) Nearest() string {
	best, bestDist := "", 3
	name := strings.ToLower(e.Name)
	for _, a := range e.Available {
		if strings.EqualFold(a, e.Name) {
			return a
		}
		if d := editDistance(strings.ToLower(a), name); d < bestDist && d < len(name) {
			best, bestDist = a, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, by bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// AccessError means AWS answered and refused: wrong keys, no permission, expired or revoked token.
type AccessError struct {
	Profile string
	Code    string
	Err     error
}

func (e *AccessError) Error() string {
	return fmt.Sprintf("AWS refused the credentials of profile %q: %s", e.Profile, Describe(e.Err))
}

func (e *AccessError) Unwrap() error { return e.Err }

// ResolveError is any other failure to get credentials: AWS unreachable, credential_process
// failing, a setting the SDK rejects.
type ResolveError struct {
	Profile string
	Err     error
}

func (e *ResolveError) Error() string {
	return fmt.Sprintf("resolve credentials for profile %q: %s", e.Profile, Describe(e.Err))
}

func (e *ResolveError) Unwrap() error { return e.Err }

// sdkNoise are the SDK's wrapping phrases that say nothing the user can act on.
var sdkNoise = []string{
	"failed to refresh cached credentials, ",
	"process provider error: ",
	"get identity: ",
	"get credentials: ",
	"failed to retrieve credentials, ",
}

// Describe shortens an SDK error to what a user acts on: the AWS error code and message with
// the service call that got it, or "cannot reach ..." for network failures, without request
// ids, status codes or the SDK's nested wrapping. It never quotes what a credential_process
// printed or an AWS answer that could not be read (taint.go), and no secret awsrun knows of
// (Scrub).
func Describe(err error) string {
	return Scrub(describe(err))
}

func describe(err error) string {
	var api smithy.APIError
	var op *smithy.OperationError
	call := ""
	if errors.As(err, &op) {
		call = op.Service() + " " + op.Operation() + ": "
	}
	var process *processcreds.ProviderError
	var dns *net.DNSError
	var netOp *net.OpError
	var deser *smithy.DeserializationError
	var resp *smithyhttp.ResponseError
	switch {
	case errors.As(err, &process):
		// Before the API error: a role's source credentials can come from a credential_process.
		return call + describeProcess(process)
	case errors.As(err, &api):
		return call + describeAPI(api)
	case errors.As(err, &dns):
		return fmt.Sprintf("%scannot reach AWS: %s: %s", call, dns.Name, dns.Err)
	case errors.As(err, &netOp):
		return fmt.Sprintf("%scannot reach AWS: %v", call, netOp)
	case errors.Is(err, context.DeadlineExceeded):
		return call + "AWS did not answer in time"
	case errors.As(err, &deser) || errors.As(err, &resp) && resp.HTTPStatusCode() > 0:
		// Their text quotes the parser's complaint about the body, which came from outside.
		// (Status 0 is a request that got no answer: the fallback below shows why.)
		status := ""
		if errors.As(err, &resp) && resp.HTTPStatusCode() > 0 {
			status = fmt.Sprintf(" (HTTP %d)", resp.HTTPStatusCode())
		}
		return call + "AWS's answer" + status + " could not be read"
	}
	msg := err.Error()
	for _, n := range sdkNoise {
		msg = strings.ReplaceAll(msg, n, "")
	}
	return tame(msg)
}

// classify turns SDK errors into the few kinds the user acts on differently.
func (s *Source) classify(err error) error {
	var invalid *ssocreds.InvalidTokenError
	var unauthorized *types.UnauthorizedException
	var grant *oidctypes.InvalidGrantException
	var client *oidctypes.InvalidClientException
	var expired *oidctypes.ExpiredTokenException
	var mfa *MFARequiredError
	if errors.As(err, &invalid) || errors.As(err, &unauthorized) || errors.As(err, &grant) ||
		errors.As(err, &client) || errors.As(err, &expired) ||
		strings.Contains(err.Error(), "cached SSO token is expired") ||
		strings.Contains(err.Error(), "failed to read cached SSO token file") {
		return &LoginRequiredError{Profile: s.opts.Profile, Err: err}
	}
	if errors.As(err, &mfa) {
		// The prompt does not know the profile; the SDK's wrapping around it says nothing more.
		return &MFARequiredError{Profile: s.opts.Profile, Busy: mfa.Busy}
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "AccessDenied", "AccessDeniedException", "InvalidClientTokenId", "ExpiredToken",
			"ExpiredTokenException", "SignatureDoesNotMatch", "UnrecognizedClientException", "ForbiddenException":
			return &AccessError{Profile: s.opts.Profile, Code: api.ErrorCode(), Err: err}
		}
	}
	return &ResolveError{Profile: s.opts.Profile, Err: err}
}
