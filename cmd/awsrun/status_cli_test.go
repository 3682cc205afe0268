//go:build unix

package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
	"github.com/awsrun/awsrun/internal/testutil"
	"github.com/awsrun/awsrun/state"
)

func statusEntries(t *testing.T, w *fakeWorld) []state.Entry {
	t.Helper()
	r := w.run(nil, "status", "--json")
	var es []state.Entry
	if err := json.Unmarshal([]byte(r.stdout), &es); err != nil || r.code != 0 {
		t.Fatalf("status --json: exit %d %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	w.assertNoSecrets("status --json", r.stdout, r.stderr)
	return es
}

func registryFiles(t *testing.T, w *fakeWorld) []string {
	t.Helper()
	dir := state.Dir(func(k string) string { return map[string]string{"TMPDIR": w.home}[k] })
	des, _ := os.ReadDir(dir)
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestStatusWithTwoSupervisors(t *testing.T) {
	cfg := worldConfig + "\n[profile rot]\ncredential_process = $TESTBIN __credproc__ rotate 3\nregion = eu-west-1\n"
	w := newFakeWorld(t, fakeaws.Options{}, cfg)
	if r := w.run(nil, "status"); r.code != 0 || !strings.HasPrefix(r.stdout, "no awsrun is running") {
		t.Fatalf("empty status: exit %d %q %q", r.code, r.stdout, r.stderr)
	}

	a := startSupervisor(t, w, "-p", "sso", "--", os.Args[0], "__child__", "trap")
	b := startSupervisor(t, w, "-p", "rot", "--inject", "env", "--", os.Args[0], "__child__", "trap")
	b.waitReady(t) // restarted once with rotated keys

	es := statusEntries(t, w)
	if len(es) != 2 {
		t.Fatalf("want 2 supervisors, got %+v", es)
	}
	byPID := map[int]state.Entry{es[0].PID: es[0], es[1].PID: es[1]}
	ea, eb := byPID[a.cmd.Process.Pid], byPID[b.cmd.Process.Pid]
	if ea.Profile != "sso" || ea.Mode != "endpoint" || !ea.Live || ea.Region != "us-east-1" ||
		ea.Expires.Before(time.Now().Add(50*time.Minute)) || !strings.HasPrefix(ea.KeyID, "ASIA...") ||
		ea.SSOTokenExpires.IsZero() || !ea.SSORefreshable || ea.SSOSessionEnds.IsZero() || ea.LastRefresh.IsZero() ||
		len(ea.Command) != 3 || ea.Command[1] != "__child__" || ea.Restarts != 0 || ea.LastError != "" {
		t.Errorf("endpoint supervisor entry: %+v", ea)
	}
	if eb.Profile != "rot" || eb.Mode != "env" || !eb.Live || eb.Restarts < 1 || eb.Expires.IsZero() || !eb.SSOTokenExpires.IsZero() {
		t.Errorf("env-mode supervisor entry: %+v", eb)
	}

	r := w.run(nil, "status")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "PID  ") {
		t.Fatalf("status table:\n%s\n%s", r.stdout, r.stderr)
	}
	for _, want := range []string{itoa(a.cmd.Process.Pid), "sso", "endpoint", "expire in 5", "renewable, at most", "__child__ trap"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status table lacks %q:\n%s", want, r.stdout)
		}
	}
	w.assertNoSecrets("status", r.stdout, r.stderr)

	// A supervisor that exits removes its entry.
	a.stop(t, syscall.SIGTERM)
	es = statusEntries(t, w)
	if len(es) != 1 || es[0].PID != b.cmd.Process.Pid {
		t.Fatalf("after the first exited: %+v", es)
	}
	for _, f := range registryFiles(t, w) {
		if strings.HasPrefix(f, itoa(a.cmd.Process.Pid)+"-") {
			t.Errorf("exited supervisor left %s", f)
		}
	}

	// One killed outright cannot clean up; status ignores and removes what it left.
	if len(registryFiles(t, w)) == 0 {
		t.Fatal("no registry files for the running supervisor")
	}
	b.stop(t, syscall.SIGKILL)
	if es := statusEntries(t, w); len(es) != 0 {
		t.Errorf("killed supervisor still listed: %+v", es)
	}
	if left := registryFiles(t, w); len(left) != 0 {
		t.Errorf("stale files left: %v", left)
	}
}

func TestStatusShowsRefreshFailures(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{Lifetime: 3 * time.Second}, "")
	w.login(4*time.Second, false)
	w.fake.AddSSOAccessToken(worldSSOToken, time.Now().Add(4*time.Second))
	logFile := filepath.Join(w.home, "awsrun.log")
	sup := startSupervisor(t, w, "-p", "sso", "--log-file", logFile, "--", os.Args[0], "__child__", "trap")

	// status reads the failure live from awsrun, which records it before it logs the failed
	// refresh: status is asked again each time awsrun's log changes, up to one deadline.
	var es []state.Entry
	err := testutil.WaitFile(logFile, 60*time.Second, sup.done, func([]byte) bool {
		es = statusEntries(t, w)
		return len(es) == 1 && strings.Contains(es[0].LastError, "SSO session for profile \"sso\" has ended")
	})
	switch {
	case errors.Is(err, testutil.ErrStopped):
		t.Fatalf("awsrun exited: %s", sup.stderr.String())
	case err != nil:
		t.Fatalf("status never showed the failing refresh (%v): %+v", err, es)
	}
	if !es[0].Live || es[0].SSORefreshable || es[0].SSOTokenExpires.After(time.Now()) {
		t.Errorf("entry: %+v", es[0])
	}
	r := w.run(nil, "status")
	if !strings.Contains(r.stdout, "ended") || !strings.Contains(r.stdout, "has ended") {
		t.Errorf("status table does not show the ended session:\n%s", r.stdout)
	}
}
