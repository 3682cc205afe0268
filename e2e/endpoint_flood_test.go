//go:build linux

package e2e

import (
	"net/url"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/testutil"
)

// TestEndpointFlood: another local process holds 500 connections to the endpoint open (idle,
// with half-sent headers, or after a refused request) and opens a new one whenever one is
// closed, while awsrun may have only 100 file descriptors (`ulimit -n 100`, set for awsrun
// alone). The AWS CLI, awsrun's child, starts a new process per call and so fetches
// credentials on a new connection each time: every call succeeds within botocore's own
// timeouts for the endpoint (2 s, 3 attempts).
func TestEndpointFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Parallel()
	w := newWorld(t, time.Hour)
	_, file, _, _ := runtime.Caller(0)
	cli := filepath.Join(filepath.Dir(file), "testdata", "cli-on-demand.sh")
	// The child prints the endpoint's URL, which an attacker finds by scanning the ports.
	child := `echo "$AWS_CONTAINER_CREDENTIALS_FULL_URI"; exec sh "$0"`
	argv := []string{"sh", "-c", `ulimit -n 100 && exec "$@"`, "sh",
		awsrunBin, "-p", "role", "--", "sh", "-c", child, cli}
	p := w.startProc(argv)
	u, err := url.Parse(p.line("the endpoint URL", 30*time.Second))
	if err != nil || u.Hostname() != "127.0.0.1" {
		t.Fatalf("endpoint URL %v: %v", u, err)
	}
	if l := p.line("ready", 30*time.Second); l != "ready" {
		t.Fatalf("child said %q", l)
	}

	f := testutil.StartFlood(t, u.Host, 500)
	for i := range 5 {
		if got := p.ask("a call during the flood"); got != "ok" {
			t.Errorf("call %d during the flood (%s): %s", i, f.Summary(), got)
		}
	}
	f.Stop()
	t.Logf("flood: %s", f.Summary())

	p.stdin.Close()
	if st := p.wait(60 * time.Second); !st.Success() {
		t.Errorf("awsrun exited %v; stderr:\n%s", st, p.stderr.String())
	}
}
