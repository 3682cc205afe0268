package doctor

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awsrun/awsrun/creds"
)

// stsDate answers every request as STS would refuse an unsigned one, with Date set to the
// local clock plus skew: doctor never leaves the process in these tests.
type stsDate struct{ skew time.Duration }

func (s stsDate) RoundTrip(r *http.Request) (*http.Response, error) {
	body := `<ErrorResponse><Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code><Message>no</Message></Error></ErrorResponse>`
	h := http.Header{}
	h.Set("Date", time.Now().Add(s.skew).UTC().Format(http.TimeFormat))
	h.Set("Content-Type", "text/xml")
	return &http.Response{StatusCode: 403, Header: h, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

func writeHome(t *testing.T, files map[string]string) string {
	t.Helper()
	home := t.TempDir()
	for rel, data := range files {
		p := filepath.Join(home, rel)
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

func find(t *testing.T, r *Report, name string) Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %s", name)
	return Check{}
}

func TestHuman(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 45 * time.Second: "45s", 59*time.Minute + 59*time.Second: "1h", 90 * time.Minute: "1h30m",
		7*time.Hour + 12*time.Minute: "7h12m", 50 * time.Hour: "2d2h", 72 * time.Hour: "3d",
	} {
		if got := human(d); got != want {
			t.Errorf("human(%v) = %s, want %s", d, got, want)
		}
	}
}

func TestCacheExpiryFormats(t *testing.T) {
	want := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	for _, s := range []string{"2026-01-02T15:04:05UTC", "2026-01-02T15:04:05Z", "2026-01-02T15:04:05+00:00", "2026-01-02T16:04:05+01:00", "2026-01-02T15:04:05"} {
		got, ok := parseLooseTime(s)
		if !ok || !got.Equal(want) {
			t.Errorf("%s: %v %v", s, got, ok)
		}
	}
	if _, ok := parseLooseTime("yesterday"); ok {
		t.Error("accepted garbage")
	}
}

// TestClockFromDateHeader checks the skew thresholds against a Date header, with no
// credentials (the unsigned probe) and no network.
func TestClockFromDateHeader(t *testing.T) {
	for _, c := range []struct {
		skew time.Duration
		st   Status
	}{{0, OK}, {-40 * time.Second, OK}, {90 * time.Second, Warn}, {-4 * time.Minute, Warn}, {6 * time.Minute, Fail}, {-2 * time.Hour, Fail}} {
		home := writeHome(t, map[string]string{".aws/config": "[profile p]\nregion = eu-west-1\n"})
		rep := Run(context.Background(), Options{Env: []string{"HOME=" + home}, Profile: "p", Transport: stsDate{c.skew}})
		if got := find(t, rep, "clock"); got.Status != c.st {
			t.Errorf("skew %v: %s %s", c.skew, got.Status, got.Message)
		}
	}
}

func TestEnvCredentialChecks(t *testing.T) {
	past := time.Now().Add(-30 * time.Minute).UTC().Format(time.RFC3339)
	for _, c := range []struct {
		name string
		env  []string
		st   Status
		msg  string
	}{
		{"none", nil, OK, "no AWS keys"},
		{"expired", []string{"AWS_ACCESS_KEY_ID=ASIAAAAAAAAAAAAA1234", "AWS_CREDENTIAL_EXPIRATION=" + past}, Fail, "expired"},
		{"long-term", []string{"AWS_ACCESS_KEY_ID=AKIAAAAAAAAAAAAA1234", "AWS_SECRET_ACCESS_KEY=x"}, Warn, "long-term keys"},
		{"unreadable expiry", []string{"AWS_ACCESS_KEY_ID=ASIAAAAAAAAAAAAA1234", "AWS_CREDENTIAL_EXPIRATION=soon"}, Warn, "unreadable"},
		{"parent awsrun", []string{"AWSRUN=1", "AWSRUN_INJECT=env", "AWS_ACCESS_KEY_ID=ASIAAAAAAAAAAAAA1234"}, OK, "awsrun this runs under"},
	} {
		t.Run(c.name, func(t *testing.T) {
			home := writeHome(t, nil)
			rep := Run(context.Background(), Options{Env: append([]string{"HOME=" + home}, c.env...), Transport: stsDate{}})
			got := find(t, rep, "env-credentials")
			if got.Status != c.st || !strings.Contains(got.Message, c.msg) {
				t.Errorf("%s: %s", got.Status, got.Message)
			}
		})
	}
}

func TestProfileDescribesWhatWins(t *testing.T) {
	home := writeHome(t, map[string]string{
		".aws/config":      "[profile both]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\n[sso-session s]\nsso_start_url = https://x\nsso_region = us-east-1\n[profile proc]\ncredential_process = /opt/bin/get-creds --secret hunter2\n",
		".aws/credentials": "[both]\naws_access_key_id = AKIABOTHKEY000000001\naws_secret_access_key = s\n",
	})
	rep := Run(context.Background(), Options{Env: []string{"HOME=" + home}, Profile: "both", ProfileFrom: "--profile", Transport: stsDate{}})
	got := find(t, rep, "profile")
	if !strings.Contains(got.Message, "access key AKIA...0001") || !strings.Contains(got.Message, "SSO settings in the same profile are ignored: static comes first") ||
		!strings.Contains(got.Message, "~/.aws/config:1, ~/.aws/credentials:1") {
		t.Errorf("%s", got.Message)
	}
	if s := find(t, rep, "sso-token"); s.Status != Skip {
		t.Errorf("static profile got an SSO token check: %+v", s)
	}
	rep = Run(context.Background(), Options{Env: []string{"HOME=" + home}, Profile: "proc", Transport: stsDate{}})
	got = find(t, rep, "profile")
	if !strings.Contains(got.Message, "credential_process get-creds") || strings.Contains(got.Message, "hunter2") {
		t.Errorf("%s", got.Message)
	}
}

func TestResolverErrorsGetTheirFix(t *testing.T) {
	home := writeHome(t, map[string]string{".aws/config": "[profile p]\ncredential_process = x\nregion = eu-west-1\n"})
	for _, c := range []struct {
		err error
		fix string
	}{
		{&creds.LoginRequiredError{Profile: "p"}, "aws sso login --profile p"},
		{&creds.MFARequiredError{Profile: "p"}, "in a terminal"},
		{&creds.AccessError{Profile: "p", Code: "InvalidClientTokenId", Err: errors.New("bad")}, "aws configure --profile p"},
		{errors.New("operation error STS: AssumeRole, The requested DurationSeconds exceeds the 1 hour session limit"), "lower duration_seconds"},
		{context.DeadlineExceeded, "check network access"},
	} {
		rep := Run(context.Background(), Options{
			Env: []string{"HOME=" + home}, Profile: "p", Transport: stsDate{},
			Resolve: func(context.Context) (aws.Credentials, string, error) { return aws.Credentials{}, "", c.err },
		})
		got := find(t, rep, "credentials")
		if got.Status != Fail || !strings.Contains(got.Fix, c.fix) {
			t.Errorf("%v: %+v", c.err, got)
		}
		if !rep.Failed() {
			t.Error("report not failed")
		}
	}
}

func TestClaudeProjectSettingsOverrideUser(t *testing.T) {
	home := writeHome(t, map[string]string{
		".claude/settings.json":            `{"env": {"CLAUDE_CODE_USE_BEDROCK": "0"}}`,
		"proj/.claude/settings.local.json": `{"env": {"CLAUDE_CODE_USE_BEDROCK": "true", "AWS_SESSION_TOKEN": "x"}}`,
	})
	rep := Run(context.Background(), Options{Env: []string{"HOME=" + home}, Workdir: filepath.Join(home, "proj"), Transport: stsDate{}})
	if got := find(t, rep, "claude-bedrock"); !strings.Contains(got.Message, "=true (from ~/proj/.claude/settings.local.json)") {
		t.Errorf("%+v", got)
	}
	if got := find(t, rep, "claude-settings"); got.Status != Fail || !strings.Contains(got.Message, "settings.local.json sets AWS_SESSION_TOKEN") || strings.Contains(got.Message, `"x"`) {
		t.Errorf("%+v", got)
	}
	if got := find(t, rep, "region"); got.Status != Fail {
		t.Errorf("Bedrock without a region: %+v", got)
	}
}

func TestWriteText(t *testing.T) {
	r := &Report{Profile: "dev", ProfileFrom: "AWS_PROFILE"}
	r.add(Check{Name: "clock", Status: OK, Message: "fine"})
	r.add(Check{Name: "sso-token", Status: Fail, Message: "not logged in", Fix: "aws sso login --profile dev"})
	var b bytes.Buffer
	r.WriteText(&b)
	want := "awsrun doctor: profile \"dev\" (AWS_PROFILE)\nok    clock      fine\nfail  sso-token  not logged in; fix: aws sso login --profile dev\n1 ok, 0 warnings, 1 failed, 0 skipped\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
