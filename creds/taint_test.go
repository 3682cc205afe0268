package creds

import (
	"context"
	"crypto/sha512"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Keys that arrive from outside in the tests below and are never served, so only the sanitiser,
// not the scrubber of known secrets, can keep them out of messages.
const (
	outsideSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYOUTSIDE001"
	outsideToken  = "IQoJb3JpZ2luX2VjEPT//////////wEaCXVzLWVhc3QtMSJHMEUCIQOUTSIDETOKEN"
)

func assertNoOutsideKeys(t *testing.T, msg string) {
	t.Helper()
	for _, s := range []string{outsideSecret, outsideToken, "OUTSIDE"} {
		if strings.Contains(msg, s) {
			t.Errorf("message quotes %.10s... from outside: %s", s, msg)
		}
	}
}

// openProfile writes config as the only config file and opens profile p.
func openProfile(t *testing.T, config, p string) *Source {
	t.Helper()
	dir := t.TempDir()
	cp, kp := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	if err := os.WriteFile(cp, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kp, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	files, err := LoadFiles(cp, kp)
	if err != nil {
		t.Fatal(err)
	}
	src, err := Open(context.Background(), files, Options{Profile: p, ConfigFile: cp, CredentialsFile: kp})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// TestProcessOutputIsNeverQuoted: the SDK's error for credential_process output that does not
// parse carries the whole output; what Retrieve returns says what is wrong and how long the
// output was, and holds none of it.
func TestProcessOutputIsNeverQuoted(t *testing.T) {
	keys := fmt.Sprintf(`"AccessKeyId":"ASIAOUTSIDE000000001","SecretAccessKey":%q,"SessionToken":%q`, outsideSecret, outsideToken)
	cases := []struct{ name, output, want string }{
		{"cut-off", `{"Version":1,` + keys + `,"Expir`, "(%d bytes, cut off; run it yourself to see it)"},
		{"bad-expiration", `{"Version":1,` + keys + `,"Expiration":"2026-13-45T99:00:00Z"}`, "(%d bytes, Expiration is not an RFC 3339 time; run it yourself to see it)"},
		{"not-json", `Version=1 ` + keys, "(%d bytes, invalid JSON at byte 1; run it yourself to see it)"},
		{"wrong-type", `{"Version":"1",` + keys + `}`, "(%d bytes, Version has the wrong type; run it yourself to see it)"},
		{"unknown-field-type", `{"Version":1,` + keys + `,"AccountId":{"` + outsideSecret + `":1}}`, "(%d bytes, AccountId has the wrong type; run it yourself to see it)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out")
			if err := os.WriteFile(out, []byte(c.output), 0o600); err != nil {
				t.Fatal(err)
			}
			src := openProfile(t, "[profile p]\ncredential_process = cat "+out+"\n", "p")
			_, err := src.Retrieve(context.Background())
			var re *ResolveError
			if !errors.As(err, &re) {
				t.Fatalf("got %T %v, want a ResolveError", err, err)
			}
			msg := err.Error()
			assertNoOutsideKeys(t, msg)
			want := `resolve credentials for profile "p": credential_process printed output that is not valid credentials JSON ` + fmt.Sprintf(c.want, len(c.output))
			if msg != want {
				t.Errorf("message\n got %s\nwant %s", msg, want)
			}
		})
	}
	// The other failures the SDK words itself, and a failing process, say so without output.
	for _, c := range []struct{ name, process, want string }{
		{"exit", "echo " + outsideSecret + "; exit 3", "credential_process failed: exit status 3"},
		{"no-version", `printf '{"AccessKeyId":"A","SecretAccessKey":"` + outsideSecret + `"}'`, `credential_process printed credentials JSON without "Version": 1`},
		{"no-secret", `printf '{"Version":1,"AccessKeyId":"` + outsideSecret + `"}'`, "credential_process printed credentials JSON without SecretAccessKey"},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := openProfile(t, "[profile p]\ncredential_process = "+c.process+"\n", "p")
			_, err := src.Retrieve(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			assertNoOutsideKeys(t, err.Error())
			if want := `resolve credentials for profile "p": ` + c.want; err.Error() != want {
				t.Errorf("message\n got %s\nwant %s", err.Error(), want)
			}
		})
	}
}

// TestAWSAnswersAreNotEchoed: an STS (or a proxy in front of it) that echoes key material in an
// error message, or answers with a body that cannot be read, is reported by its code and what
// went wrong; the message loses key-like runs and control characters.
func TestAWSAnswersAreNotEchoed(t *testing.T) {
	cases := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"echoed-message", 403,
			`<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid: ` +
				outsideToken + " secret: " + outsideSecret + " key ASIAOUTSIDE000000001 \u202e\n</Message></Error><RequestId>r</RequestId></ErrorResponse>",
			`AWS refused the credentials of profile "static": STS GetSessionToken: InvalidClientTokenId: The security token included in the request is invalid: [redacted] secret: [redacted] key ASIA...0001`},
		{"key-as-code", 403,
			`<ErrorResponse><Error><Code>` + strings.ReplaceAll(outsideSecret, "/", "") + `</Code><Message>denied</Message></Error></ErrorResponse>`,
			`resolve credentials for profile "static": STS GetSessionToken: an error whose code cannot be shown: denied`},
		{"malformed-200", 200,
			`<GetSessionTokenResponse><GetSessionTokenResult><Credentials><SecretAccessKey>` + outsideSecret + `</Secret`,
			`resolve credentials for profile "static": STS GetSessionToken: AWS's answer (HTTP 200) could not be read`},
		{"not-xml-400", 400,
			`<<` + outsideSecret + ` ` + outsideToken,
			`resolve credentials for profile "static": STS GetSessionToken: AWS's answer (HTTP 400) could not be read`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/xml")
				w.WriteHeader(c.status)
				fmt.Fprint(w, c.body)
			}))
			t.Cleanup(srv.Close)
			t.Setenv("AWS_ENDPOINT_URL_STS", srv.URL)
			t.Setenv("AWS_MAX_ATTEMPTS", "1")
			src := openProfile(t, "[profile static]\naws_access_key_id = AKIASTATICTAINT00001\naws_secret_access_key = static-secret-taint-000000000000000000001\nregion = us-east-1\n", "static")
			_, err := src.Retrieve(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			assertNoOutsideKeys(t, err.Error())
			if strings.ContainsFunc(err.Error(), func(r rune) bool { return !unicode.IsPrint(r) }) {
				t.Errorf("unprintable character in %q", err.Error())
			}
			if err.Error() != c.want {
				t.Errorf("message\n got %s\nwant %s", err.Error(), c.want)
			}
		})
	}
}

// TestScrubReplacesWhatAwsrunKnows: every secret key, session token and SSO token awsrun has
// seen is replaced in any text Scrub is given, the access key id by its redacted form.
func TestScrubReplacesWhatAwsrunKnows(t *testing.T) {
	c := aws.Credentials{AccessKeyID: "ASIASCRUBTEST0000001", SecretAccessKey: "scrub/secret+key/000000000000000000000001", SessionToken: "scrub-session-token-0000000000000000000001"}
	Remember(c)
	rememberSecret("scrub-sso-access-token-00000000000001")
	in := fmt.Sprintf("a %s b %s c %s d scrub-sso-access-token-00000000000001 e short", c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
	want := "a ASIA...0001 b [secret] c [token] d [secret] e short"
	if got := Scrub(in); got != want {
		t.Errorf("Scrub\n got %s\nwant %s", got, want)
	}
	if got := string(ScrubBytes([]byte(in))); got != want {
		t.Errorf("ScrubBytes\n got %s\nwant %s", got, want)
	}
	// A secret that contains another is replaced whole.
	Remember(aws.Credentials{SessionToken: "outer-" + c.SecretAccessKey + "-token"})
	if got := Scrub("x outer-" + c.SecretAccessKey + "-token"); got != "x [token]" {
		t.Errorf("nested secret: %s", got)
	}
	// Short values are not secrets awsrun serves; they would garble ordinary words.
	Remember(aws.Credentials{SecretAccessKey: "error"})
	if got := Scrub("an error"); got != "an error" {
		t.Errorf("short value scrubbed: %s", got)
	}
	for i := range maxKnown + 10 {
		rememberSecret(fmt.Sprintf("bound-test-secret-%08d", i))
	}
	known.RLock()
	n, m := len(known.order), len(known.byLength)
	known.RUnlock()
	if n != maxKnown || m != maxKnown {
		t.Errorf("remembered %d/%d secrets, want at most %d", n, m, maxKnown)
	}
}

// secretFrom makes a 40-character secret key in the base64 alphabet from fuzz input.
func secretFrom(seed []byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	sum := sha512.Sum512(seed)
	b := make([]byte, 40)
	for i := range b {
		b[i] = alphabet[sum[i]%64]
	}
	return string(b)
}

// FuzzSanitizeError: whatever surrounds a secret in a credential_process's output, an AWS error
// code or message, an unreadable AWS answer, or (once awsrun knows the secret) any other error,
// the message awsrun makes of it does not contain the secret and is one printable line.
func FuzzSanitizeError(f *testing.F) {
	f.Add([]byte(`{"Version":1,"AccessKeyId":"ASIA","SecretAccessKey":"`), []byte("seed"), []byte(`","Sess`), uint8(0))
	f.Add([]byte(`{"Version":1,"Expiration":"`), []byte("x"), []byte(`"}`), uint8(0))
	f.Add([]byte("The security token "), []byte("y"), []byte(" is invalid\n\x00"), uint8(1))
	f.Add([]byte(""), []byte("z"), []byte(""), uint8(2))
	f.Add([]byte("<a><b>"), []byte("w"), []byte("</a>"), uint8(3))
	f.Add([]byte("open /tmp/"), []byte("v"), []byte(": no such file"), uint8(4))
	f.Add([]byte("\xff\xfe"), []byte("u"), []byte("\u202e"), uint8(5))
	f.Fuzz(func(t *testing.T, prefix, seed, suffix []byte, kind uint8) {
		secret := secretFrom(seed)
		input := string(prefix) + secret + string(suffix)
		var err error
		switch kind % 6 {
		case 0: // credential_process output, wrapped as the SDK wraps it
			jsonErr := json.Unmarshal([]byte(input), &processcreds.CredentialProcessResponse{})
			if jsonErr == nil {
				return
			}
			err = fmt.Errorf("failed to refresh cached credentials, %w", &processcreds.ProviderError{
				Err: fmt.Errorf("parse failed of process output: %s, error: %w", input, jsonErr)})
		case 1: // an AWS error whose message carries it
			err = &smithy.OperationError{ServiceID: "STS", OperationName: "AssumeRole",
				Err: &smithy.GenericAPIError{Code: string(prefix), Message: input}}
		case 2: // an AWS error whose code is it
			err = &smithy.OperationError{ServiceID: "SSO", OperationName: "GetRoleCredentials",
				Err: &smithy.GenericAPIError{Code: input, Message: string(suffix)}}
		case 3: // an answer that does not parse
			var v struct{}
			err = &smithy.OperationError{ServiceID: "STS", OperationName: "AssumeRole",
				Err: &smithy.DeserializationError{Err: fmt.Errorf("failed to decode response body, %w; %s", xml.Unmarshal([]byte(input), &v), input)}}
		case 4: // an error body behind an HTTP status
			err = &smithy.OperationError{ServiceID: "STS", OperationName: "AssumeRole",
				Err: &smithyhttp.ResponseError{Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 400}},
					Err: fmt.Errorf("error while deserializing xml error response: %s", input)}}
		case 5: // anything else, once the secret is one awsrun served
			rememberSecret(secret)
			err = fmt.Errorf("load something: %s", input)
		}
		msg := (&Source{opts: Options{Profile: "p"}}).classify(err).Error()
		if strings.Contains(msg, secret) {
			t.Fatalf("kind %d: message holds the secret %s: %q", kind%6, secret, msg)
		}
		if strings.ContainsFunc(msg, func(r rune) bool { return !unicode.IsPrint(r) }) {
			t.Fatalf("kind %d: message not one printable line: %q", kind%6, msg)
		}
	})
}

// TestAWSTextBounds: where an AWS message stops being shown as it came: a run of 32 base64
// characters is taken for key material (31 is not), an access key id is redacted, control and
// format characters become spaces, and the text ends at maxAWSMessage bytes.
func TestAWSTextBounds(t *testing.T) {
	r31, r32 := strings.Repeat("Ab1/", 8)[:31], strings.Repeat("Ab1/", 8)
	for _, c := range []struct{ in, want string }{
		{"role " + r31 + " denied", "role " + r31 + " denied"},
		{"role " + r32 + " denied", "role [redacted] denied"},
		{"user arn:aws:iam::123456789012:user/deploy-bot-with-a-long-name-000000001 denied", "user arn:aws:iam::123456789012:user/deploy-bot-with-a-long-name-000000001 denied"},
		{"key AKIAIOSFODNN7EXAMPLE is invalid", "key AKIA...MPLE is invalid"},
		{"line\none\ttwo\u202ethree\x00\xff", "line one two three"},
		{strings.Repeat("word ", 100), strings.Repeat("word ", 59) + "wo..."},
	} {
		if got := awsText(c.in); got != c.want {
			t.Errorf("awsText(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}
