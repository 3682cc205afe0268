//go:build unix

package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/testutil"
	"github.com/awsrun/awsrun/state"
)

// The keys a hostile or broken credential_process prints. The first set is served; the second
// arrives in output that does not parse, so awsrun never serves it and only the sanitiser, not
// the scrubber of served secrets, can keep it out of messages.
const (
	taintKeyID   = "ASIATAINTKEY00000001"
	taintSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYTAINT00001"
	taintToken   = "IQoJb3JpZ2luX2VjEPT//////////wEaCXVzLWVhc3QtMSJHMEUCIQTAINTTOKEN00001"
	taintKeyID2  = "ASIATAINTKEY00000002"
	taintSecret2 = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYTAINT00002"
	taintToken2  = "IQoJb3JpZ2luX2VjEPT//////////wEaCXVzLWVhc3QtMSJHMEUCIQTAINTTOKEN00002"
)

// The test binary also plays a tainted credential_process: `__taintproc__ MODE [DIR N]`. It is
// chosen here, before TestMain, so this file needs no change to the shared TestMain.
func init() {
	if len(os.Args) > 2 && os.Args[1] == "__taintproc__" {
		taintProc(os.Args[2:])
		syscall.Exit(0)
	}
}

// taintProc prints, by mode: "cut" credentials JSON cut off after the session token; "badexp"
// whole JSON with an Expiration that is not a time; "renew DIR N" valid credentials living N
// seconds on the first call (counted in DIR), then the cut-off JSON with new keys.
func taintProc(args []string) {
	cut := fmt.Sprintf(`{"Version":1,"AccessKeyId":%q,"SecretAccessKey":%q,"SessionToken":%q,"Expirat`, taintKeyID2, taintSecret2, taintToken2)
	switch args[0] {
	case "cut":
		fmt.Print(cut)
	case "badexp":
		fmt.Printf(`{"Version":1,"AccessKeyId":%q,"SecretAccessKey":%q,"SessionToken":%q,"Expiration":"2026-13-45T99:00:00Z"}`, taintKeyID2, taintSecret2, taintToken2)
	case "renew":
		counter := filepath.Join(args[1], "calls")
		b, _ := os.ReadFile(counter)
		n, _ := strconv.Atoi(string(b))
		os.WriteFile(counter, []byte(strconv.Itoa(n+1)), 0o600)
		if n > 0 {
			fmt.Print(cut)
			return
		}
		life, _ := strconv.Atoi(args[2])
		exp := time.Now().Add(time.Duration(life) * time.Second).UTC().Format(time.RFC3339)
		fmt.Printf(`{"Version":1,"AccessKeyId":%q,"SecretAccessKey":%q,"SessionToken":%q,"Expiration":%q}`, taintKeyID, taintSecret, taintToken, exp)
	}
}

// assertNoTaint fails when out holds a secret or a whole access key id of the tainted process.
func assertNoTaint(t *testing.T, what, out string) {
	t.Helper()
	for _, s := range []string{taintSecret, taintToken, taintKeyID, taintSecret2, taintToken2, taintKeyID2, "TAINT0000", "TAINTTOKEN"} {
		if strings.Contains(out, s) {
			t.Errorf("%s holds %.12s... from the credential_process's output:\n%s", what, s, out)
		}
	}
}

// TestTaintStartHidesProcessOutput: a credential_process whose output does not parse (cut off,
// or a bad Expiration) fails `awsrun -- cmd` and `awsrun export` with exit 69 and a message
// that says what failed and how much it printed, never what it printed.
func TestTaintStartHidesProcessOutput(t *testing.T) {
	for _, mode := range []string{"cut", "badexp"} {
		for name, args := range map[string][]string{"run": {"-p", "taint", "--", "true"}, "export": {"export", "-p", "taint"}} {
			t.Run(mode+"/"+name, func(t *testing.T) {
				t.Parallel()
				h := home(t, "[profile taint]\ncredential_process = $TESTBIN __taintproc__ "+mode+"\nregion = eu-west-1\n")
				r := runAwsrun(t, h, nil, args...)
				if r.code != exitUnavailable {
					t.Errorf("exit %d, want %d; stderr:\n%s", r.code, exitUnavailable, r.stderr)
				}
				assertNoTaint(t, "stderr", r.stderr)
				assertNoTaint(t, "stdout", r.stdout)
				if !strings.Contains(r.stderr, `profile "taint"`) || !strings.Contains(r.stderr, "credential_process printed output that is not valid credentials JSON") {
					t.Errorf("stderr does not say what failed:\n%s", r.stderr)
				}
			})
		}
	}
}

// TestTaintRenewalHidesProcessOutput: the credential_process succeeds at start, then prints
// cut-off JSON with new keys at the renewal. Neither the log at the default level nor
// `awsrun status --json`'s last_error holds any of its keys.
func TestTaintRenewalHidesProcessOutput(t *testing.T) {
	w, sup, logPath := superviseProcessProfile(t, "taint", "__taintproc__ renew $HOME 6")
	// awsrun records the failure (status --json reads it live) before it logs it, so the log
	// line is the moment to ask status.
	waitLog(t, sup, logPath, "a failed renewal", "credential refresh failed")
	logText, _ := os.ReadFile(logPath)
	r := w.run(nil, "status", "--json")
	assertNoTaint(t, "status --json", r.stdout+r.stderr)
	var es []state.Entry
	if err := json.Unmarshal([]byte(r.stdout), &es); err != nil || r.code != 0 || len(es) != 1 {
		t.Fatalf("status --json: exit %d %v, want one entry\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	lastError := es[0].LastError
	assertNoTaint(t, "the log", string(logText))
	assertNoTaint(t, "last_error", lastError)
	if !strings.Contains(lastError, "credential_process printed output that is not valid credentials JSON") {
		t.Errorf("last_error does not say what failed: %q", lastError)
	}
	if !strings.Contains(string(logText), "not valid credentials JSON") {
		t.Errorf("the log does not say what failed:\n%s", logText)
	}
	assertNoTaint(t, "awsrun's stderr", sup.stderr.String())
}

// superviseProcessProfile starts awsrun with a --log-file for [profile NAME], whose
// credential_process is the test binary with procArgs ($HOME: the test's home), over a child
// that waits; it returns the world, the running awsrun and the log's path.
func superviseProcessProfile(t *testing.T, name, procArgs string) (*fakeWorld, *supervisor, string) {
	t.Helper()
	h := home(t, "")
	config := fmt.Sprintf("[profile %s]\ncredential_process = %s %s\nregion = eu-west-1\n", name, os.Args[0], strings.ReplaceAll(procArgs, "$HOME", h))
	if err := os.WriteFile(filepath.Join(h, ".aws", "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	w := &fakeWorld{t: t, home: h}
	logPath := filepath.Join(h, "awsrun.log")
	return w, startSupervisor(t, w, "-p", name, "--log-file", logPath, "--", os.Args[0], "__child__", "trap"), logPath
}

// waitLog waits until awsrun's log holds want (what: the event, for the failure message).
func waitLog(t *testing.T, sup *supervisor, logPath, what, want string) {
	t.Helper()
	if err := testutil.WaitFile(logPath, 60*time.Second, sup.done, func(log []byte) bool {
		return strings.Contains(string(log), want)
	}); err != nil {
		logText, _ := os.ReadFile(logPath)
		if errors.Is(err, testutil.ErrStopped) {
			t.Fatalf("awsrun exited before %s: %s\nlog:\n%s", what, sup.stderr.String(), logText)
		}
		t.Fatalf("no %s in the log: %v\nlog:\n%s", what, err, logText)
	}
}
