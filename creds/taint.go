package creds

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/smithy-go"
)

// Error text that can quote something from outside awsrun (a credential_process's output, an
// AWS error body, a file's contents) is tainted: the SDK puts a credential_process's whole output
// into its parse error, keys included. What leaves this package says what failed and where,
// built from the error's structure, never from the quoted bytes.

// processOutputPrefix and processOutputSep frame the output in the SDK's parse error:
// "parse failed of process output: <output>, error: <json error>".
const (
	processOutputPrefix = "parse failed of process output: "
	processOutputSep    = ", error: "
)

// describeProcess says how a credential_process failed without anything it printed. Messages
// it does not know are not shown at all: a new SDK wording must not reopen the leak.
func describeProcess(pe *processcreds.ProviderError) string {
	if pe.Err == nil {
		return "credential_process failed"
	}
	msg := pe.Err.Error()
	switch {
	case strings.HasPrefix(msg, processOutputPrefix):
		return describeProcessOutput(pe.Err, msg)
	case msg == "wrong version in process output (not 1)":
		return `credential_process printed credentials JSON without "Version": 1`
	case msg == "missing AccessKeyId in process output":
		return "credential_process printed credentials JSON without AccessKeyId"
	case msg == "missing SecretAccessKey in process output":
		return "credential_process printed credentials JSON without SecretAccessKey"
	case strings.Contains(msg, "command must not be empty"):
		return "credential_process is empty"
	}
	timedOut := strings.HasPrefix(msg, "credential process timed out")
	var exitErr *exec.ExitError
	var execErr *exec.Error
	var pathErr *fs.PathError
	switch {
	case timedOut:
		return "credential_process did not finish in time and was stopped"
	case errors.As(pe.Err, &exitErr):
		// "exit status 1", "signal: killed": the status only, never its captured output.
		return "credential_process failed: " + exitErr.ProcessState.String()
	case errors.As(pe.Err, &execErr):
		return "credential_process could not be started: " + execErr.Err.Error()
	case errors.As(pe.Err, &pathErr):
		return "credential_process could not be started: " + pathErr.Err.Error()
	}
	return "credential_process failed"
}

// describeProcessOutput is the parse failure: the size of the output and what is wrong with it,
// from the JSON error's kind, never its text (a type error names the value, a time error quotes it).
func describeProcessOutput(err error, msg string) string {
	jsonErr := errors.Unwrap(err)
	what := ""
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tp *time.ParseError
	switch {
	case jsonErr == nil:
	case errors.As(jsonErr, &syntax) && syntax.Error() == "unexpected end of JSON input":
		what = "cut off"
	case errors.As(jsonErr, &syntax):
		what = fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case errors.As(jsonErr, &typ) && processFields[typ.Field]:
		what = typ.Field + " has the wrong type"
	case errors.As(jsonErr, &typ):
		what = "a field has the wrong type"
	case errors.As(jsonErr, &tp) || strings.Contains(jsonErr.Error(), "Time.UnmarshalJSON"):
		what = "Expiration is not an RFC 3339 time"
	}
	size := ""
	if jsonErr != nil {
		if n := len(msg) - len(processOutputPrefix) - len(processOutputSep) - len(jsonErr.Error()); n >= 0 {
			size = fmt.Sprintf("%d bytes", n)
		}
	}
	detail := strings.Trim(size+", "+what, ", ")
	if detail != "" {
		detail += "; "
	}
	return "credential_process printed output that is not valid credentials JSON (" + detail + "run it yourself to see it)"
}

// processFields are the fields of credential_process JSON, the only field names shown.
var processFields = map[string]bool{
	"Version": true, "AccessKeyId": true, "SecretAccessKey": true, "SessionToken": true,
	"Expiration": true, "AccountId": true,
}

// describeAPI is an AWS error: its code, and its message when that reads as one. AWS's messages
// are short sentences; a proxy or a fake may answer anything, so the message loses control
// characters, anything that looks like key material, and its tail beyond maxAWSMessage.
func describeAPI(api smithy.APIError) string {
	code := api.ErrorCode()
	if !isErrorCode(code) {
		code = "an error whose code cannot be shown"
	}
	if m := awsText(api.ErrorMessage()); m != "" {
		return code + ": " + m
	}
	return code
}

// maxAWSMessage bounds what of an AWS error message is shown.
const maxAWSMessage = 300

// isErrorCode accepts what AWS error codes look like: "ExpiredToken",
// "InvalidIdentityToken.Expired", "com.amazon.coral.service#UnrecognizedClientException".
func isErrorCode(s string) bool {
	if s == "" || len(s) > 80 || credentialLike(s) {
		return false
	}
	for _, r := range s {
		if !isKeyChar(r) && !strings.ContainsRune("._:#-", r) {
			return false
		}
	}
	return true
}

// minCredentialRun is the shortest run of base64 characters taken for key material in AWS text:
// secret keys have 40, session and SSO tokens hundreds, and AWS's own words and ARN parts stay
// shorter (ARNs break at ':' and '-').
const minCredentialRun = 32

func isKeyChar(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
}

func isBase64Char(r rune) bool { return isKeyChar(r) || r == '+' || r == '/' || r == '=' }

func credentialLike(s string) bool {
	n := 0
	for _, r := range s {
		if isBase64Char(r) {
			if n++; n >= minCredentialRun {
				return true
			}
		} else {
			n = 0
		}
	}
	return false
}

// awsText makes text from an AWS answer fit to show: printable, one line, no run that could be
// key material ("[redacted]"), access key ids redacted, at most maxAWSMessage bytes.
func awsText(s string) string {
	var b strings.Builder
	run := func(r string) {
		switch {
		case len(r) >= minCredentialRun:
			b.WriteString("[redacted]")
		case len(r) >= 16 && (strings.HasPrefix(r, "AKIA") || strings.HasPrefix(r, "ASIA")):
			b.WriteString(Redact(r))
		default:
			b.WriteString(r)
		}
	}
	start := -1
	for i, r := range s {
		if isBase64Char(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			run(s[start:i])
			start = -1
		}
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			r = ' '
		}
		b.WriteRune(r)
	}
	if start >= 0 {
		run(s[start:])
	}
	return clip(strings.TrimSpace(b.String()), maxAWSMessage)
}

// maxFallback bounds the text of an error no rule above knows.
const maxFallback = 500

// tame is the last treatment of an error no rule knows (a file path, a setting the SDK
// rejects): one line, bounded, and no secret awsrun knows of.
func tame(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return ' '
		}
		return r
	}, s)
	return clip(s, maxFallback)
}

// clip cuts s to at most n bytes on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("...")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// described shows an SDK error as Describe does; errors.As still reaches what it wraps.
type described struct{ err error }

func (d described) Error() string { return Describe(d.err) }
func (d described) Unwrap() error { return d.err }
