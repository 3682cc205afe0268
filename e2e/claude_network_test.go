//go:build linux

package e2e

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
)

// inetAddr matches the address of an IPv4 or IPv6 socket call in strace's output.
var inetAddr = regexp.MustCompile(`sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)|sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]+)"`)

// TestClaudeCodeTrafficStaysOnLoopback: with the settings of claudeEnv, Claude Code under
// awsrun sends nothing beyond 127.0.0.1: every connect and every addressed send of the whole
// process tree (awsrun, Claude Code and whatever it starts), traced with strace, goes to
// loopback, and the fake saw its Bedrock calls. The machine has no route out, so a stray
// request would otherwise show up only as a hang or a slow start.
func TestClaudeCodeTrafficStaysOnLoopback(t *testing.T) {
	bin := claudeBin(t)
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Fatal("strace is missing (apt-get install -y strace; .ci/run installs it)")
	}
	t.Parallel()
	w, dir := newClaudeWorld(t, time.Hour, nil)
	trace := filepath.Join(t.TempDir(), "connect.trace")
	cmd := exec.Command(strace, "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", trace,
		awsrunBin, "-p", "sso", "--", bin, "-p", claudeQuestion)
	cmd.Dir = dir
	cmd.Env = w.env
	done := make(chan struct{})
	timer := time.AfterFunc(120*time.Second, func() {
		select {
		case <-done:
		default:
			cmd.Process.Kill()
		}
	})
	out, err := cmd.CombinedOutput()
	close(done)
	timer.Stop()
	if err != nil || strings.TrimSpace(string(out)) != fakeaws.BedrockReply {
		t.Fatalf("awsrun -- claude -p under strace: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(w.fake.URL())
	fakeCalls := 0
	for _, l := range strings.Split(string(raw), "\n") {
		for _, m := range inetAddr.FindAllStringSubmatch(l, -1) {
			port, addr := m[1], m[2]
			if m[3] != "" {
				port, addr = m[3], m[4]
			}
			if addr != "127.0.0.1" && addr != "::1" && addr != "::ffff:127.0.0.1" {
				t.Errorf("traffic beyond loopback: %s", l)
			}
			if port == u.Port() && strings.Contains(l, "connect(") {
				fakeCalls++
			}
		}
	}
	if fakeCalls == 0 {
		t.Errorf("strace saw no connection to the fake at %s; trace:\n%s", w.fake.URL(), raw)
	}
	if n := w.fake.Calls(fakeaws.OpInvokeModelWithResponseStream); n == 0 {
		t.Errorf("the fake answered no InvokeModelWithResponseStream")
	}
	t.Logf("awsrun + Claude Code: %d connections to the fake, none beyond 127.0.0.1; Bedrock calls: %d ListInferenceProfiles, %d InvokeModel, %d InvokeModelWithResponseStream, %d CountTokens",
		fakeCalls, w.fake.Calls(fakeaws.OpListInferenceProfiles), w.fake.Calls(fakeaws.OpInvokeModel),
		w.fake.Calls(fakeaws.OpInvokeModelWithResponseStream), w.fake.Calls(fakeaws.OpCountTokens))
}
