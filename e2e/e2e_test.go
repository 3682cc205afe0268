// Package e2e runs the awsrun binary with real AWS clients nobody here wrote as its child (the
// AWS CLI, botocore, the AWS SDK for JavaScript v3), against the project's fake AWS issuing
// credentials that live seconds, so hours of rotation fit in a test.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
)

var awsrunBin string

// binDir holds the binaries built for this run.
var binDir string

// hooksBin is awsrun built with -tags awsrun_testhooks (AWSRUN_TEST_PANIC), built on first use
// because few tests need it.
var hooksBin = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(binDir, "awsrun-testhooks")
	build := exec.Command("go", "build", "-tags", "awsrun_testhooks", "-o", bin, "../cmd/awsrun")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build awsrun with test hooks: %v\n%s", err, out)
	}
	return bin, nil
})

// awsrunTestHooksBin returns the awsrun binary with test hooks, failing t if it cannot be built.
func awsrunTestHooksBin(t *testing.T) string {
	t.Helper()
	bin, err := hooksBin()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "awsrun-e2e-bin-")
	if err != nil {
		panic(err)
	}
	binDir = dir
	awsrunBin = filepath.Join(dir, "awsrun")
	build := exec.Command("go", "build", "-o", awsrunBin, "../cmd/awsrun")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build awsrun:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	userKey    = "AKIAE2EUSERKEY000001"
	userSecret = "e2e-user-secret-0000000000000000000000001"
	ssoToken   = "e2e-sso-access-token"
)

// world is one fake AWS plus a throwaway HOME configured for it.
type world struct {
	t    *testing.T // nil in benchmarks
	fake *fakeaws.Server
	home string
	env  []string
}

// newWorld starts a fake whose credentials live lifetime and stages a HOME for it with
// fakeaws.StageWorld: profiles sso, role (from base's keys) and static, and an SSO login valid
// for 8 hours.
func newWorld(t testing.TB, lifetime time.Duration) *world {
	t.Helper()
	fake := fakeaws.New(fakeaws.Options{Lifetime: lifetime})
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	home := t.TempDir()
	staged, err := fakeaws.StageWorld(home, fake, fakeaws.WorldOptions{AccessKeyID: userKey, SecretAccessKey: userSecret, SSOToken: ssoToken})
	if err != nil {
		t.Fatal(err)
	}
	tt, _ := t.(*testing.T)
	return &world{t: tt, fake: fake, home: home, env: staged.Env}
}

func write(t testing.TB, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// client is a real AWS client program run as a loop.
type client struct {
	name string
	argv []string
}

func clients(t *testing.T) map[string]client {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	return map[string]client{
		"awscli": {"awscli", []string{"sh", filepath.Join(dir, "testdata", "cli-loop.sh")}},
		"boto3":  {"boto3", []string{"python3", filepath.Join(dir, "testdata", "boto3-loop.py")}},
		"js":     {"js", []string{"node", filepath.Join(dir, "js", "sts-loop.mjs")}},
	}
}

// loopRun is a running client loop; stop ends it through its stop file.
type loopRun struct {
	cmd      *exec.Cmd
	out      bytes.Buffer
	stopFile string
	done     chan error
	fake     *fakeaws.Server // the world's, whose changes waitFor waits on
}

func (w *world) startLoop(argv []string, extraEnv ...string) *loopRun {
	w.t.Helper()
	r := &loopRun{stopFile: filepath.Join(w.t.TempDir(), "stop"), done: make(chan error, 1), fake: w.fake}
	r.cmd = exec.Command(argv[0], argv[1:]...)
	r.cmd.Env = append(append(append([]string{}, w.env...), "STOP_FILE="+r.stopFile, "LOOP_SECONDS=120"), extraEnv...)
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	if err := r.cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	go func() { r.done <- r.cmd.Wait() }()
	return r
}

// stop asks the loop to finish and waits for it.
func (r *loopRun) stop(t *testing.T) error {
	os.WriteFile(r.stopFile, nil, 0o600)
	select {
	case err := <-r.done:
		return err
	case <-time.After(60 * time.Second):
		r.cmd.Process.Kill()
		t.Fatalf("loop did not stop; output:\n%s", r.out.String())
		return nil
	}
}

// runRotations runs argv (awsrun around a client loop) until the fake has seen rotations+1
// distinct keys sign calls, stops it, and returns the loop's output.
func (w *world) runRotations(t *testing.T, argv []string) string {
	t.Helper()
	r := w.startLoop(argv)
	waitFor(t, r, fmt.Sprintf("%d rotations", rotations), 150*time.Second, func() bool {
		return distinct(w.fake.CallerKeys()) >= rotations+1
	})
	if err := r.stop(t); err != nil {
		t.Fatalf("awsrun/child failed: %v\n%s", err, r.out.String())
	}
	return r.out.String()
}

// waitFor waits until cond, a condition of the fake's state, holds: it checks once, then again
// each time the fake records a change, failing the test if the loop ends first or limit passes.
func waitFor(t *testing.T, r *loopRun, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		changed := r.fake.Changed() // before the check, so no change after it is missed
		if cond() {
			return
		}
		select {
		case err := <-r.done:
			r.done <- err
			t.Fatalf("loop ended before %s: %v\n%s", what, err, r.out.String())
		case <-deadline.C:
			t.Fatalf("timed out after %v waiting for %s; output:\n%s", limit, what, r.out.String())
		case <-changed:
		}
	}
}

func distinct(keys []string) int {
	seen := map[string]bool{}
	for _, k := range keys {
		seen[k] = true
	}
	return len(seen)
}

const rotations = 5

// TestRotationWithRealClients is the core promise: a real client keeps working across at least
// five credential rotations with zero failures, for each profile kind, through awsrun's endpoint.
func TestRotationWithRealClients(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	cs := clients(t)
	cases := []struct{ profile, client string }{
		{"sso", "awscli"}, {"role", "awscli"},
		{"sso", "js"}, {"role", "js"}, {"static", "js"},
		{"sso", "boto3"},
	}
	for _, c := range cases {
		t.Run(c.profile+"/"+c.client, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 6*time.Second)
			logFile := filepath.Join(w.home, "awsrun.log")
			argv := append([]string{awsrunBin, "-p", c.profile, "--log-level", "debug", "--log-file", logFile, "--"}, cs[c.client].argv...)
			out := w.runRotations(t, argv)
			if strings.Contains(out, "FAIL") || !strings.Contains(out, "failures=0") {
				t.Errorf("client saw failures:\n%s", out)
			}
			if n := w.fake.Errors("ExpiredToken"); n != 0 {
				t.Errorf("fake AWS answered ExpiredToken %d times", n)
			}
			log, _ := os.ReadFile(logFile)
			for _, cred := range w.fake.Issued() {
				if bytes.Contains(log, []byte(cred.SecretAccessKey)) || bytes.Contains(log, []byte(cred.SessionToken)) || bytes.Contains(log, []byte(cred.AccessKeyID)) {
					t.Errorf("awsrun's log contains issued key material (%s)", cred.AccessKeyID[:4])
				}
			}
			if n := bytes.Count(log, []byte("credentials refreshed")); n < rotations {
				t.Errorf("log shows %d refreshes, want >= %d", n, rotations)
			}
			calls := strings.Count(out, "\nok ") + 1
			t.Logf("%s via %s: %d calls, %d distinct keys used, %d credentials issued, 0 failures; %s",
				c.client, c.profile, calls, distinct(w.fake.CallerKeys()), len(w.fake.Issued()), endpointStats(log))
		})
	}
}

// TestNegativeControlEnvCredentialsExpire proves the rotation test can fail: the same clients
// given the first credentials as env vars, without awsrun, hit ExpiredToken.
func TestNegativeControlEnvCredentialsExpire(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	cs := clients(t)
	for _, name := range []string{"awscli", "js"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, 4*time.Second)
			first := assumeRole(t, w)
			r := w.startLoop(cs[name].argv,
				"AWS_ACCESS_KEY_ID="+first.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+first.SecretAccessKey,
				"AWS_SESSION_TOKEN="+first.SessionToken, "AWS_DEFAULT_REGION=us-east-1", "AWS_REGION=us-east-1")
			waitFor(t, r, "ExpiredToken", 60*time.Second, func() bool { return w.fake.Errors("ExpiredToken") > 0 })
			err := r.stop(t)
			if err == nil {
				t.Errorf("loop exited 0 although its credentials expired")
			}
			if !strings.Contains(r.out.String(), "ExpiredToken") && !strings.Contains(r.out.String(), "expired") {
				t.Errorf("client output does not show the expiry:\n%s", r.out.String())
			}
		})
	}
}

// assumeRole gets one set of temporary credentials the way a user would paste them.
func assumeRole(t *testing.T, w *world) fakeaws.Credential {
	t.Helper()
	cmd := exec.CommandContext(context.Background(), "aws", "sts", "assume-role",
		"--role-arn", "arn:aws:iam::123456789012:role/Deployer", "--role-session-name", "pasted", "--output", "text", "--query", "Credentials.AccessKeyId")
	cmd.Env = append(append([]string{}, w.env...), "AWS_ACCESS_KEY_ID="+userKey, "AWS_SECRET_ACCESS_KEY="+userSecret, "AWS_DEFAULT_REGION=us-east-1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("aws sts assume-role: %v\n%s", err, out)
	}
	key := strings.TrimSpace(string(out))
	for _, c := range w.fake.Issued() {
		if c.AccessKeyID == key {
			return c
		}
	}
	t.Fatalf("issued key %s not recorded", key)
	return fakeaws.Credential{}
}

// TestEnvModeRotationWithAWSCLI: --inject env restarts a program that only reads environment
// variables before its credentials lapse; the AWS CLI loop sees no failure across rotations.
func TestEnvModeRotationWithAWSCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Parallel()
	w := newWorld(t, 6*time.Second)
	logFile := filepath.Join(w.home, "awsrun.log")
	argv := append([]string{awsrunBin, "-p", "role", "--inject", "env", "--stop-timeout", "2s", "--log-level", "info", "--log-file", logFile, "--"}, clients(t)["awscli"].argv...)
	out := w.runRotations(t, argv)
	if strings.Contains(out, "FAIL") {
		t.Errorf("client saw failures:\n%s", out)
	}
	if n := w.fake.Errors("ExpiredToken"); n != 0 {
		t.Errorf("fake AWS answered ExpiredToken %d times", n)
	}
	log, _ := os.ReadFile(logFile)
	restarts := bytes.Count(log, []byte("restarting the command with new credentials"))
	if restarts < rotations {
		t.Errorf("log shows %d restarts, want >= %d", restarts, rotations)
	}
	t.Logf("env mode via role: %d calls, %d distinct keys used, %d restarts, 0 failures",
		strings.Count(out, "\nok ")+1, distinct(w.fake.CallerKeys()), restarts)
}

// endpointStats picks awsrun's closing endpoint figures out of its log.
func endpointStats(log []byte) string {
	for _, line := range strings.Split(string(log), "\n") {
		if i := strings.Index(line, "served="); i >= 0 && strings.Contains(line, "credential endpoint closed") {
			return "endpoint " + line[i:]
		}
	}
	return "endpoint stats not logged"
}
