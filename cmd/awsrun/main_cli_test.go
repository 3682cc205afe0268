//go:build unix

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/awsrun/awsrun/cmd/awsrun/internal/early"
	"github.com/awsrun/awsrun/internal/sigintake"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestMain lets the test binary play three parts, chosen by its arguments or environment:
// awsrun itself, a controllable fake child, and a credential_process helper.
func TestMain(m *testing.M) {
	if os.Getenv("AWSRUN_TEST_MAIN") != "1" {
		// This binary plays other programs too (a child that traps signals, a
		// credential_process) and runs the tests: only as awsrun does it keep the signal
		// intake that internal/early started while it was initialised. Reset, unlike Close,
		// gives the signals their default action back before it returns.
		if in := early.Take(); in != nil {
			in.Close()
			signal.Reset(sigintake.Forwarded...)
		}
	}
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "__child__":
			fakeChild(os.Args[2:])
			syscall.Exit(0)
		case "__credproc__":
			credProc(os.Args[2:])
			syscall.Exit(0)
		case "export":
			// The child's config runs awsrun (this binary, under test) as every other profile's
			// credential_process: `awsrun export --profile NAME ...`.
			if os.Getenv("AWSRUN") == "1" {
				code, _ := run(append([]string{"awsrun"}, os.Args[1:]...), os.Environ(), os.Stdin, os.Stdout, os.Stderr)
				syscall.Exit(code)
			}
		}
	}
	if os.Getenv("AWSRUN_TEST_MAIN") == "1" {
		var args []string
		if err := json.Unmarshal([]byte(os.Getenv("AWSRUN_TEST_ARGS")), &args); err != nil {
			panic(err)
		}
		os.Unsetenv("AWSRUN_TEST_MAIN")
		os.Unsetenv("AWSRUN_TEST_ARGS")
		os.Args = append([]string{"awsrun"}, args...)
		// main() without its os.Exit: under -race, os.Exit runs the race detector's exit hook,
		// which can stall for minutes in these short-lived re-exec'd processes.
		code, sig := run(os.Args, os.Environ(), os.Stdin, os.Stdout, os.Stderr)
		if sig != 0 {
			reraise(sig)
		}
		syscall.Exit(code)
	}
	os.Exit(m.Run())
}

// credProc plays credential_process: by default one fixed key for an hour; "rotate N" a new
// key each call living N seconds; "same N" the same key each call, living N seconds from now.
func credProc(args []string) {
	if len(args) == 2 && args[0] == "block" {
		// Say "started" with this pid through the FIFO args[1] (the test reads it), then wait
		// for a writer on the FIFO args[1]+".fifo" (the test releases it, or kills this process).
		if f, err := os.OpenFile(args[1], os.O_WRONLY, 0); err == nil {
			fmt.Fprint(f, os.Getpid())
			f.Close()
		}
		if f, err := os.Open(args[1] + ".fifo"); err == nil {
			f.Close()
		}
		args = nil
	}
	key, life := "ASIACREDPROCTEST0001", time.Hour
	if len(args) == 2 {
		n, _ := strconv.Atoi(args[1])
		life = time.Duration(n) * time.Second
		if args[0] == "rotate" {
			key = fmt.Sprintf("ASIAROT%013d", time.Now().UnixNano()%1e13)
		} else {
			key = "ASIASAMEKEY000000001"
		}
	}
	exp := time.Now().Add(life).UTC().Truncate(time.Second).Format(time.RFC3339)
	fmt.Printf(`{"Version":1,"AccessKeyId":%q,"SecretAccessKey":"secret-value-xyz","SessionToken":"session-token-%s","Expiration":%q}`, key, key, exp)
}

// fakeChild does what the test asks: exit N, die of a signal, wait for SIGTERM, show its env.
func fakeChild(args []string) {
	switch args[0] {
	case "exit":
		n, _ := strconv.Atoi(args[1])
		syscall.Exit(n) // not os.Exit: see TestMain
	case "kill":
		n, _ := strconv.Atoi(args[1])
		syscall.Kill(os.Getpid(), syscall.Signal(n))
		select {}
	case "trap":
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT, syscall.SIGUSR1)
		fmt.Println("ready")
		sig := <-ch
		fmt.Println("got", sig)
		syscall.Exit(7)
	case "record":
		// Append "pid key expiration" to a file, then wait to be stopped; "stubborn" ignores SIGTERM.
		f, _ := os.OpenFile(args[1], os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if len(args) > 2 && args[2] == "stubborn" {
			signal.Ignore(syscall.SIGTERM)
		}
		fmt.Fprintf(f, "%d %s %s %s\n", os.Getpid(), os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_CREDENTIAL_EXPIRATION"), strings.Join(args[2:], ","))
		f.Close()
		select {}
	case "env":
		fmt.Println(os.Getenv("AWS_CONFIG_FILE"))
		fmt.Println(os.Getenv("AWS_PROFILE"))
	case "fetch":
		req, _ := http.NewRequest("GET", os.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI"), nil)
		req.Header.Set("Authorization", os.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println("error", err)
			syscall.Exit(3)
		}
		defer resp.Body.Close()
		var body struct{ AccessKeyId string }
		json.NewDecoder(resp.Body).Decode(&body)
		fmt.Println(resp.StatusCode, body.AccessKeyId)
	}
}

// home makes a throwaway HOME with the given ~/.aws/config.
func home(t *testing.T, config string) string {
	t.Helper()
	h := t.TempDir()
	if err := os.MkdirAll(filepath.Join(h, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	config = strings.ReplaceAll(config, "$TESTBIN", os.Args[0])
	if err := os.WriteFile(filepath.Join(h, ".aws", "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return h
}

const procConfig = "[default]\nregion = us-east-1\n[profile proc]\ncredential_process = $TESTBIN __credproc__\nregion = eu-west-1\n[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"

// awsrunCmd runs the test binary as awsrun with a clean environment.
func awsrunCmd(t *testing.T, h string, extraEnv []string, args ...string) *exec.Cmd {
	t.Helper()
	a, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append([]string{
		"AWSRUN_TEST_MAIN=1", "AWSRUN_TEST_ARGS=" + string(a),
		"HOME=" + h, "PATH=" + os.Getenv("PATH"), "TMPDIR=" + h, "AWS_EC2_METADATA_DISABLED=true",
	}, extraEnv...)
	return cmd
}

type result struct {
	code   int
	signal syscall.Signal
	stdout string
	stderr string
}

func runAwsrun(t *testing.T, h string, extraEnv []string, args ...string) result {
	t.Helper()
	cmd := awsrunCmd(t, h, extraEnv, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	r := result{stdout: out.String(), stderr: strings.ReplaceAll(errb.String(), h, "$HOME")}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		r.signal = ws.Signal()
	} else {
		r.code = ws.ExitStatus()
	}
	return r
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	got = strings.ReplaceAll(got, os.Args[0], "$TESTBIN")
	path := filepath.Join("testdata", name+".golden")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if got != string(want) {
		t.Errorf("stderr differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
	}
}

func TestCLIErrors(t *testing.T) {
	cases := []struct {
		name   string
		config string
		env    []string
		args   []string
		code   int
	}{
		{"unknown_flag", procConfig, nil, []string{"--bogus", "--", "true"}, exitUsage},
		{"no_command", procConfig, nil, []string{"-p", "proc"}, exitUsage},
		{"bad_inject", procConfig, nil, []string{"--inject", "magic", "--", "true"}, exitUsage},
		{"missing_profile", procConfig, nil, []string{"-p", "staging", "--", "true"}, exitConfig},
		{"missing_profile_from_env", procConfig, []string{"AWS_PROFILE=staging"}, []string{"--", "true"}, exitConfig},
		{"missing_profile_awsrun_env", procConfig, []string{"AWSRUN_PROFILE=staging"}, []string{"--", "true"}, exitConfig},
		{"malformed_config", "[default]\nregion = us-east-1\n[profile broken\n", nil, []string{"--", "true"}, exitDataErr},
		{"sso_not_logged_in", procConfig, nil, []string{"-p", "sso", "--", "true"}, exitNoPerm},
		{"incomplete_profile", procConfig, nil, []string{"--", "true"}, exitConfig},
		{"command_not_found", procConfig, nil, []string{"-p", "proc", "--", "no-such-command-awsrun"}, exitNotFound},
		{"mistyped_profile", procConfig, nil, []string{"-p", "SSO", "--", "true"}, exitConfig},
		// A failing credential_process exits 1; that is not awsrun's exit code.
		{"credential_process_fails", "[default]\ncredential_process = false\n", nil, []string{"--", "true"}, exitUnavailable},
		{"incomplete_sso_profile", "[profile legacy]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n", nil, []string{"-p", "legacy", "--", "true"}, exitConfig},
		{"bad_duration", procConfig, nil, []string{"--refresh-before", "abc", "--", "true"}, exitUsage},
		{"nonpositive_duration", procConfig, nil, []string{"--refresh-before", "0", "--", "true"}, exitUsage},
		{"bad_bool", procConfig, nil, []string{"doctor", "--json=maybe"}, exitUsage},
		{"subcommand_unknown_flag", procConfig, nil, []string{"export", "--bogus"}, exitUsage},
		{"completion_unknown_shell", procConfig, nil, []string{"completion", "tcsh"}, exitUsage},
		{"log_file_unwritable", procConfig, nil, []string{"--log-file", "/nonexistent-dir/awsrun.log", "--", "true"}, exitUsage},
		// A region goes into the child's config file: a line break in it would plant settings.
		{"region_newline_aws_region", procConfig, []string{"AWS_REGION=us-east-1\ncredential_process = ./evil.sh"}, []string{"-p", "proc", "--", "true"}, exitUsage},
		{"region_newline_default_region", procConfig, []string{"AWS_DEFAULT_REGION=us-east-1\rcredential_process = ./evil.sh"}, []string{"-p", "proc", "--", "true"}, exitUsage},
		{"region_newline_awsrun_region", procConfig, []string{"AWSRUN_REGION=us-east-1\ncredential_process = ./evil.sh"}, []string{"-p", "proc", "--", "true"}, exitUsage},
		{"region_newline_flag", procConfig, nil, []string{"--region", "us-east-1\ncredential_process = ./evil.sh", "-p", "proc", "--", "true"}, exitUsage},
		{"region_newline_export_flag", procConfig, nil, []string{"export", "--region", "us-east-1\ncredential_process = ./evil.sh", "-p", "proc"}, exitUsage},
		{"region_not_a_region_in_file", "[profile proc]\ncredential_process = $TESTBIN __credproc__\nregion = $(touch pwned)\n", nil, []string{"-p", "proc", "--", "true"}, exitDataErr},
		// A profile name that would run a command if pasted into a shell unquoted.
		{"hostile_profile_name", hostileConfig, nil, []string{"-p", hostileProfile, "--", "true"}, exitNoPerm},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := runAwsrun(t, home(t, c.config), c.env, c.args...)
			if r.code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", r.code, c.code, r.stderr)
			}
			golden(t, c.name, r.stderr)
		})
	}
}

func TestNotExecutableIs126(t *testing.T) {
	h := home(t, procConfig)
	f := filepath.Join(h, "script")
	os.WriteFile(f, []byte("#!/bin/sh\n"), 0o644)
	if r := runAwsrun(t, h, nil, "-p", "proc", "--", f); r.code != exitNotExec {
		t.Errorf("exit %d, want 126: %s", r.code, r.stderr)
	}
}

func TestExitCodePassThrough(t *testing.T) {
	h := home(t, procConfig)
	for _, n := range []int{0, 1, 42, 255} {
		r := runAwsrun(t, h, nil, "-p", "proc", "--", os.Args[0], "__child__", "exit", strconv.Itoa(n))
		if r.code != n || r.signal != 0 {
			t.Errorf("child exit %d: awsrun exit %d signal %v, stderr %s", n, r.code, r.signal, r.stderr)
		}
		if r.stderr != "" {
			t.Errorf("awsrun wrote to stderr on a clean run: %q", r.stderr)
		}
	}
}

func TestChildSignalDeathIsReraised(t *testing.T) {
	h := home(t, procConfig)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL, syscall.SIGINT} {
		r := runAwsrun(t, h, nil, "-p", "proc", "--", os.Args[0], "__child__", "kill", strconv.Itoa(int(sig)))
		if r.signal != sig {
			t.Errorf("child died of %v: awsrun exit %d signal %v", sig, r.code, r.signal)
		}
	}
	// SIGQUIT would make the Go runtime dump stacks, so awsrun exits 128+3 instead.
	r := runAwsrun(t, h, nil, "-p", "proc", "--", "sh", "-c", "kill -QUIT $$")
	if r.code != 131 {
		t.Errorf("SIGQUIT death: exit %d signal %v, want 131", r.code, r.signal)
	}
}

func TestChildGetsWorkingEndpointAndNoProfile(t *testing.T) {
	h := home(t, procConfig)
	r := runAwsrun(t, h, []string{"AWS_PROFILE=proc", "AWS_ACCESS_KEY_ID=AKIASTALE"}, "--", os.Args[0], "__child__", "fetch")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "200 ASIACREDPROCTEST0001" {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runAwsrun(t, h, []string{"AWS_PROFILE=proc"}, "--", os.Args[0], "__child__", "env")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) < 1 || !strings.HasPrefix(lines[0], h) {
		t.Fatalf("child config not in the private dir: %q", r.stdout)
	}
	if len(lines) > 1 && lines[1] != "" {
		t.Errorf("AWS_PROFILE leaked into the child: %q", lines[1])
	}
	if _, err := os.Stat(filepath.Dir(lines[0])); !os.IsNotExist(err) {
		t.Errorf("private dir %s left behind after exit: %v", filepath.Dir(lines[0]), err)
	}
}

// TestSignalsAreForwardedAndNothingLeftBehind: without a terminal, SIGTERM, SIGHUP, SIGINT and
// SIGUSR1 sent to awsrun reach the child, in both modes; awsrun ends with the child's status and
// leaves no private dir, registry entry or zombie behind.
func TestSignalsAreForwardedAndNothingLeftBehind(t *testing.T) {
	sigs := []syscall.Signal{syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT, syscall.SIGUSR1}
	for _, mode := range []string{"endpoint", "env"} {
		for _, sig := range sigs {
			t.Run(mode+"/"+sig.String(), func(t *testing.T) {
				t.Parallel()
				h := home(t, procConfig)
				cmd := awsrunCmd(t, h, nil, "-p", "proc", "--inject", mode, "--", os.Args[0], "__child__", "trap")
				stdout, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				var errb bytes.Buffer
				cmd.Stderr = &errb
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				lines := bufio.NewScanner(stdout)
				ready := make(chan bool, 1)
				go func() { ready <- lines.Scan() && lines.Text() == "ready" }()
				select {
				case ok := <-ready:
					if !ok {
						t.Fatal("child never said ready")
					}
				case <-time.After(20 * time.Second):
					cmd.Process.Kill()
					t.Fatal("timeout waiting for the child")
				}
				cmd.Process.Signal(sig)
				lines.Scan()
				if got, want := lines.Text(), "got "+sig.String(); got != want {
					t.Errorf("child saw %q, want %q", got, want)
				}
				cmd.Wait()
				if code := cmd.ProcessState.ExitCode(); code != 7 {
					t.Errorf("exit %d, want the child's 7; stderr %s", code, errb.String())
				}
				entries, _ := filepath.Glob(filepath.Join(h, "awsrun-*"))
				if len(entries) != 0 {
					t.Errorf("left behind: %v", entries)
				}
			})
		}
	}
}

func TestVersion(t *testing.T) {
	r := runAwsrun(t, t.TempDir(), nil, "--version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "awsrun ") || !strings.Contains(r.stdout, "go1.") {
		t.Errorf("version: %d %q", r.code, r.stdout)
	}
}

// TestPrivateDirFailureIs70: awsrun cannot create its private directory (TMPDIR is a file):
// exit 70, and the try: line names the directory to check.
func TestPrivateDirFailureIs70(t *testing.T) {
	h := home(t, procConfig)
	notDir := filepath.Join(h, "not-a-dir")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r := runAwsrun(t, h, []string{"XDG_RUNTIME_DIR=", "TMPDIR=" + notDir}, "-p", "proc", "--", "true")
	// The harness shows h as $HOME in stderr.
	if r.code != exitSoftware {
		t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, exitSoftware, r.stderr)
	}
	if !strings.Contains(r.stderr, "awsrun: error: create private dir:") || !strings.Contains(r.stderr, "awsrun: try: check that $HOME/not-a-dir is writable") {
		t.Fatalf("stderr:\n%s", r.stderr)
	}
}
