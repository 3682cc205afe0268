//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awsrun/awsrun/internal/fakeaws"
	"github.com/awsrun/awsrun/internal/testutil"
	"github.com/awsrun/awsrun/wrapper"
)

// awsCLI runs the base image's AWS CLI v1 (a real client nobody here wrote) in the world.
func (w *fakeWorld) awsCLI(extraEnv []string, argv ...string) (string, string, error) {
	w.t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		w.t.Skip("the AWS CLI is not installed")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append([]string{
		"HOME=" + w.home, "TMPDIR=" + w.home, "PATH=" + os.Getenv("PATH"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
	}, w.env...)
	for _, k := range []string{"PYENV_ROOT", "PYENV_VERSION", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	cmd.Env = append(cmd.Env, extraEnv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// callerARN parses `aws sts get-caller-identity` output.
func callerARN(t *testing.T, out string) string {
	t.Helper()
	var id struct{ Arn, Account string }
	if err := json.Unmarshal([]byte(out), &id); err != nil {
		t.Fatalf("get-caller-identity output %q: %v", out, err)
	}
	return id.Arn
}

// TestExportFormatsReadBackByAWSCLI hands each export format to the AWS CLI v1: as a
// credential_process, through eval, and (json, claude) through a small parser into the
// environment; the CLI then signs get-caller-identity with what awsrun exported.
func TestExportFormatsReadBackByAWSCLI(t *testing.T) {
	const parse = `import json, shlex, sys
d = json.load(sys.stdin)
c = d.get("Credentials", d)
for k, v in (("AWS_ACCESS_KEY_ID", c["AccessKeyId"]), ("AWS_SECRET_ACCESS_KEY", c["SecretAccessKey"]), ("AWS_SESSION_TOKEN", c["SessionToken"])):
    print("export %s=%s" % (k, shlex.quote(v)))
`
	cases := map[string]func(w *fakeWorld) []string{
		formatProcess: func(w *fakeWorld) []string {
			script := w.awsrunScript("export-process", "export", "--profile", "sso", "--format", "credential-process")
			cfg, _ := os.ReadFile(filepath.Join(w.home, ".aws", "config"))
			w.writeFile(".aws/config", string(cfg)+"\n[profile viaawsrun]\ncredential_process = "+script+"\nregion = us-east-1\n")
			return []string{"aws", "sts", "get-caller-identity", "--profile", "viaawsrun", "--output", "json"}
		},
		formatEnv: func(w *fakeWorld) []string {
			script := w.awsrunScript("export-env", "export", "--profile", "sso", "--format", "env")
			return []string{"sh", "-c", `eval "$(` + script + `)" && aws sts get-caller-identity --output json`}
		},
		formatJSON: func(w *fakeWorld) []string {
			script := w.awsrunScript("export-json", "export", "--profile", "sso", "--format", "json")
			return []string{"sh", "-c", `eval "$(` + script + ` | python3 -c '` + parse + `')" && aws sts get-caller-identity --output json`}
		},
		formatClaude: func(w *fakeWorld) []string {
			script := w.awsrunScript("export-claude", "export", "--profile", "sso", "--format", "claude")
			return []string{"sh", "-c", `eval "$(` + script + ` | python3 -c '` + parse + `')" && aws sts get-caller-identity --output json`}
		},
	}
	for format, argv := range cases {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			w := newFakeWorld(t, fakeaws.Options{}, "")
			out, errOut, err := w.awsCLI(nil, argv(w)...)
			if err != nil {
				t.Fatalf("aws failed: %v\nstdout %s\nstderr %s", err, out, errOut)
			}
			if arn := callerARN(t, out); !strings.Contains(arn, ":assumed-role/AWSReservedSSO_Developer_") {
				t.Errorf("signed as %s, not the SSO role", arn)
			}
			issued := w.fake.Issued()
			keys := w.fake.CallerKeys()
			if len(issued) != 1 || len(keys) != 1 || keys[0] != issued[0].AccessKeyID {
				t.Errorf("the CLI did not sign with the exported key: issued %v, signed with %v", issued, keys)
			}
			w.assertNoSecrets("aws stderr", errOut)
		})
	}
}

func TestExportFromRunningSupervisorAndParent(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	sup := startSupervisor(t, w, "-p", "sso", "--", os.Args[0], "__child__", "trap")
	if n := w.fake.Calls("GetRoleCredentials"); n != 1 {
		t.Fatalf("supervisor made %d upstream calls", n)
	}
	served := w.fake.Issued()[0]

	// A second process asks the running supervisor instead of AWS.
	r := w.run(nil, "export", "-p", "sso", "--format", "json", "--log-level", "debug")
	var got struct{ AccessKeyId, SecretAccessKey, SessionToken, Expiration, Region, Profile string }
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || r.code != 0 {
		t.Fatalf("export: exit %d %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	if got.AccessKeyId != served.AccessKeyID || got.SecretAccessKey != served.SecretAccessKey || got.Region != "us-east-1" || got.Profile != "sso" {
		t.Errorf("export did not get the supervisor's credentials: %+v", got)
	}
	if exp, _ := time.Parse(time.RFC3339, got.Expiration); !exp.Equal(served.Expiration) {
		t.Errorf("expiration %s, want the true %s", got.Expiration, served.Expiration)
	}
	if n := w.fake.Calls("GetRoleCredentials"); n != 1 {
		t.Errorf("export called AWS although a supervisor runs: %d calls", n)
	}
	if !strings.Contains(r.stderr, "credentials from a running awsrun") || !strings.Contains(r.stderr, "pid="+itoa(sup.cmd.Process.Pid)) {
		t.Errorf("log does not say where the credentials came from: %s", r.stderr)
	}
	w.assertNoSecrets("export log", r.stderr)

	// A different profile is not borrowed: it resolves upstream.
	r = w.run(nil, "export", "-p", "role", "--format", "json")
	if r.code != 0 || w.fake.Calls("AssumeRole") != 1 {
		t.Errorf("other profile: exit %d, AssumeRole calls %d: %s", r.code, w.fake.Calls("AssumeRole"), r.stderr)
	}

	// Inside an awsrun command, export hands out the parent's credentials (Claude Code runs
	// awsCredentialExport as its own child, inside awsrun).
	script := w.awsrunScript("export-claude", "export", "--format", "claude")
	r = w.run(nil, "-p", "sso", "--", script)
	var claude struct{ Credentials map[string]string }
	if err := json.Unmarshal([]byte(r.stdout), &claude); err != nil || r.code != 0 {
		t.Fatalf("nested export: exit %d %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	if len(claude.Credentials) != 3 || claude.Credentials["AccessKeyId"] == "" || claude.Credentials["SessionToken"] == "" {
		t.Errorf("claude format: %v", claude.Credentials)
	}
	// Another profile comes from the parent too (issue 14): profiles_cli_test.go.
}

func TestExportErrorsAndNoPrompt(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	os.RemoveAll(filepath.Join(w.home, ".aws", "sso"))
	r := w.run(nil, "export", "-p", "sso", "--format", "credential-process")
	if r.code != exitNoPerm || r.stdout != "" ||
		r.stderr != "awsrun: error: not logged in to AWS SSO for profile \"sso\" (no cached SSO token)\nawsrun: try: aws sso login --profile sso\n" {
		t.Errorf("not logged in: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}

	// stdin is /dev/null: an MFA profile must fail at once, never wait for a code.
	done := make(chan result, 1)
	go func() { done <- w.run(nil, "export", "-p", "mfa") }()
	select {
	case r = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("export waited for an MFA code without a terminal")
	}
	if r.code != exitNoPerm || !strings.Contains(r.stderr, "needs an MFA code") {
		t.Errorf("mfa without terminal: exit %d %s", r.code, r.stderr)
	}

	r = w.run(nil, "export", "--format", "yaml")
	if r.code != exitUsage || !strings.Contains(r.stderr, `unknown --format "yaml"`) {
		t.Errorf("bad format: exit %d %s", r.code, r.stderr)
	}
	r = w.run(nil, "export", "--bogus")
	if r.code != exitUsage || !strings.Contains(r.stderr, "unknown flag --bogus") {
		t.Errorf("bad flag: exit %d %s", r.code, r.stderr)
	}
	r = w.run(nil, "export", "-p", "staging")
	if r.code != exitConfig || !strings.Contains(r.stderr, `profile "staging" not found`) {
		t.Errorf("missing profile: exit %d %s", r.code, r.stderr)
	}
	// Root flags apply to the subcommand: awsrun -p proc export.
	r = w.run(nil, "-p", "proc", "export", "--format", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"AccessKeyId":"ASIACREDPROCTEST0001"`) || !strings.Contains(r.stdout, `"Region":"eu-west-1"`) {
		t.Errorf("root -p: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
}

func TestRenderExport(t *testing.T) {
	now := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	res := wrapper.Resolved{Region: "eu-west-1", Credentials: aws.Credentials{
		AccessKeyID: "ASIAEXAMPLE000000001", SecretAccessKey: "se'cret", SessionToken: "tok",
		CanExpire: true, Expires: now.Add(time.Hour), AccountID: "123456789012",
	}}
	out, _ := renderExport(formatEnv, res, "dev", now)
	want := "export AWS_ACCESS_KEY_ID='ASIAEXAMPLE000000001'\nexport AWS_SECRET_ACCESS_KEY='se'\\''cret'\nexport AWS_SESSION_TOKEN='tok'\n" +
		"export AWS_CREDENTIAL_EXPIRATION='2026-01-02T13:00:00Z'\nexport AWS_REGION='eu-west-1'\nexport AWS_DEFAULT_REGION='eu-west-1'\n"
	if string(out) != want {
		t.Errorf("env:\n%s\nwant\n%s", out, want)
	}
	sh, err := exec.Command("sh", "-c", string(out)+`printf %s "$AWS_SECRET_ACCESS_KEY"`).Output()
	if err != nil || string(sh) != "se'cret" {
		t.Errorf("sh reads the secret as %q (%v)", sh, err)
	}
	out, _ = renderExport(formatProcess, res, "dev", now)
	if string(out) != `{"Version":1,"AccessKeyId":"ASIAEXAMPLE000000001","SecretAccessKey":"se'cret","SessionToken":"tok","Expiration":"2026-01-02T12:55:00Z","AccountId":"123456789012"}`+"\n" {
		t.Errorf("credential-process: %s", out)
	}
	out, _ = renderExport(formatClaude, res, "dev", now)
	if string(out) != `{"Credentials":{"AccessKeyId":"ASIAEXAMPLE000000001","SecretAccessKey":"se'cret","SessionToken":"tok"}}`+"\n" {
		t.Errorf("claude: %s", out)
	}
	out, _ = renderExport(formatJSON, res, "dev", now)
	if string(out) != `{"AccessKeyId":"ASIAEXAMPLE000000001","SecretAccessKey":"se'cret","SessionToken":"tok","Expiration":"2026-01-02T13:00:00Z","AccountId":"123456789012","Region":"eu-west-1","Profile":"dev"}`+"\n" {
		t.Errorf("json: %s", out)
	}

	// Long-term keys: no token or expiry, and stale ones from an earlier eval are unset.
	res.Credentials = aws.Credentials{AccessKeyID: "AKIAEXAMPLE000000001", SecretAccessKey: "s"}
	out, _ = renderExport(formatEnv, res, "dev", now)
	if !strings.Contains(string(out), "unset AWS_SESSION_TOKEN\nunset AWS_CREDENTIAL_EXPIRATION\n") {
		t.Errorf("static env:\n%s", out)
	}
	out, _ = renderExport(formatProcess, res, "dev", now)
	if strings.Contains(string(out), "Expiration") || strings.Contains(string(out), "SessionToken") {
		t.Errorf("static credential-process: %s", out)
	}
	// Short-lived credentials keep their true expiry rather than one already past.
	res.Credentials = aws.Credentials{AccessKeyID: "A", SecretAccessKey: "s", SessionToken: "t", CanExpire: true, Expires: now.Add(8 * time.Minute)}
	out, _ = renderExport(formatProcess, res, "dev", now)
	if !strings.Contains(string(out), `"Expiration":"2026-01-02T12:08:00Z"`) {
		t.Errorf("short-lived credential-process: %s", out)
	}
}

// supervisor is an awsrun running a child that prints "ready" (on every start) and waits.
type supervisor struct {
	cmd    *exec.Cmd
	done   chan struct{}
	ready  chan struct{}
	stderr *testutil.LockedBuffer
}

// startSupervisor starts awsrun ARGS and returns once its child is ready; the test's cleanup
// kills whatever is left.
func startSupervisor(t *testing.T, w *fakeWorld, args ...string) *supervisor {
	t.Helper()
	cmd := awsrunCmd(t, w.home, w.env, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &supervisor{cmd: cmd, done: make(chan struct{}), ready: make(chan struct{}, 64), stderr: &testutil.LockedBuffer{}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan struct{})
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "ready" {
				s.ready <- struct{}{}
			}
		}
	}()
	go func() {
		<-lines // Wait closes the pipe: read it to the end first
		cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-s.done
	})
	s.waitReady(t)
	return s
}

// waitReady waits for the child's next "ready" line.
func (s *supervisor) waitReady(t *testing.T) {
	t.Helper()
	select {
	case <-s.ready:
	case <-s.done:
		t.Fatalf("awsrun exited before its child was ready: %s", s.stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("child not ready in time: %s", s.stderr.String())
	}
}

// stop signals awsrun and waits for it to exit.
func (s *supervisor) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	s.cmd.Process.Signal(sig)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("awsrun did not exit after %v", sig)
	}
}

func TestExportRefusesToLoopThroughItsOwnCredentialProcess(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	script := w.awsrunScript("export-loop", "export", "--profile", "loop", "--format", "credential-process")
	cfg, _ := os.ReadFile(filepath.Join(w.home, ".aws", "config"))
	w.writeFile(".aws/config", string(cfg)+"\n[profile loop]\ncredential_process = "+script+"\n")
	done := make(chan result, 1)
	go func() { done <- w.run(nil, "export", "-p", "loop") }()
	var r result
	select {
	case r = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("export of a self-referencing profile did not end")
	}
	if r.code == 0 || r.stdout != "" {
		t.Errorf("exit %d stdout %q", r.code, r.stdout)
	}
	if !strings.Contains(r.stderr, "would never end") {
		t.Errorf("stderr does not explain the loop: %s", r.stderr)
	}
}

func TestDoctorInsideAwsrunChecksTheParent(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	script := w.awsrunScript("doctor-inside", "doctor", "--json")
	r := w.run(nil, "-p", "sso", "--", script)
	var rep struct {
		Checks []struct{ Name, Status, Message string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("exit %d %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	for _, c := range rep.Checks {
		switch c.Name {
		case "profile":
			if c.Status != "ok" || !strings.Contains(c.Message, `running inside awsrun for profile "sso"`) {
				t.Errorf("%+v", c)
			}
		case "identity":
			if c.Status != "ok" || !strings.Contains(c.Message, "AWSReservedSSO_Developer") {
				t.Errorf("%+v", c)
			}
		case "credentials":
			if c.Status != "ok" || !strings.Contains(c.Message, "parent awsrun endpoint") {
				t.Errorf("%+v", c)
			}
		}
	}
	if r.code != 0 {
		t.Errorf("exit %d: %s", r.code, r.stdout)
	}
	if n := w.fake.Calls("GetRoleCredentials"); n != 1 {
		t.Errorf("doctor inside awsrun went upstream: %d calls", n)
	}
}

// TestSubcommandTakesGlobalFlags: --no-session, --duration, --region and --profile work on
// either side of the subcommand's name (issue 14 item 6: `export --no-session` was refused with
// "unknown flag").
func TestSubcommandTakesGlobalFlags(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	type out struct{ AccessKeyId, Expiration, Region string }
	exported := func(args ...string) out {
		t.Helper()
		r := w.run(nil, args...)
		var o out
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &o) != nil {
			t.Fatalf("awsrun %q: exit %d %s %s", args, r.code, r.stdout, r.stderr)
		}
		return o
	}
	for _, args := range [][]string{
		{"export", "--no-session", "-p", "base", "--format", "json"},
		{"--no-session", "export", "-p", "base", "--format", "json"},
		{"export", "--format", "json", "--profile", "base", "--no-session"},
	} {
		if o := exported(args...); o.AccessKeyId != worldUserKey {
			t.Errorf("awsrun %q served %q, want the long-term key", args, o.AccessKeyId)
		}
	}
	if o := exported("export", "-p", "base", "--format", "json"); o.AccessKeyId == worldUserKey {
		t.Errorf("without --no-session the long-term key was served")
	}
	// --no-session=false after the name overrides the root's.
	if o := exported("--no-session", "export", "--no-session=false", "-p", "base", "--format", "json"); o.AccessKeyId == worldUserKey {
		t.Errorf("export --no-session=false did not override the root's --no-session")
	}
	// The fake ignores the length asked for, so read what awsrun asked for.
	asked := func(args ...string) time.Duration {
		t.Helper()
		exported(args...)
		issued := w.fake.Issued()
		return issued[len(issued)-1].RequestedDuration
	}
	for _, args := range [][]string{
		{"export", "--duration", "3h", "-p", "base", "--format", "json"},
		{"--duration", "3h", "export", "-p", "base", "--format", "json"},
		{"--duration", "2h", "export", "--duration", "3h", "-p", "base", "--format", "json"},
	} {
		if d := asked(args...); d != 3*time.Hour {
			t.Errorf("awsrun %q asked for %s, want 3h", args, d)
		}
	}
	if d := asked("export", "-p", "base", "--format", "json"); d != time.Hour {
		t.Errorf("default duration: asked for %s, want 1h", d)
	}
	for _, args := range [][]string{
		{"export", "--region", "ap-south-1", "-p", "base", "--format", "json"},
		{"--region", "ap-south-1", "export", "-p", "base", "--format", "json"},
		{"--region", "us-west-2", "export", "--region", "ap-south-1", "-p", "base", "--format", "json"},
	} {
		if o := exported(args...); o.Region != "ap-south-1" {
			t.Errorf("awsrun %q: region %q", args, o.Region)
		}
	}
	r := w.run(nil, "doctor", "--no-session", "--duration", "2h", "-p", "base")
	if strings.Contains(r.stderr, "unknown flag") || strings.Contains(r.stderr, "flag provided but not defined") {
		t.Errorf("doctor refuses global flags: exit %d %s", r.code, r.stderr)
	}
}
