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
// awsrun sends nothing beyond 127.0.0.1, in print mode and in the TUI: every connect and every
// addressed send of the whole process tree (awsrun, Claude Code and whatever it starts: git,
// ssh, ps), traced with strace, goes to loopback, and the fake saw the Bedrock calls. The
// machine has no route out, so a stray request would otherwise show up only as a hang or a
// slow start. (Without CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL, the TUI of 2.1.332
// resolves github.com and runs ssh and git against it for the plugin marketplace.)
func TestClaudeCodeTrafficStaysOnLoopback(t *testing.T) {
	bin := claudeBin(t)
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Fatal("strace is missing (apt-get install -y strace; .ci/run installs it)")
	}
	traceArgs := func(out string) []string {
		return []string{strace, "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,sendmmsg", "-o", out}
	}
	t.Run("print", func(t *testing.T) {
		t.Parallel()
		w, dir := newClaudeWorld(t, time.Hour, nil)
		trace := filepath.Join(t.TempDir(), "connect.trace")
		cmd := exec.Command(traceArgs(trace)[0], append(traceArgs(trace)[1:], awsrunBin, "-p", "sso", "--", bin, "-p", claudeQuestion)...)
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
		n := checkLoopbackOnly(t, trace, w.fake)
		t.Logf("print mode: %d connections to the fake, none beyond 127.0.0.1; Bedrock calls: %d ListInferenceProfiles, %d InvokeModel, %d InvokeModelWithResponseStream, %d CountTokens",
			n, w.fake.Calls(fakeaws.OpListInferenceProfiles), w.fake.Calls(fakeaws.OpInvokeModel),
			w.fake.Calls(fakeaws.OpInvokeModelWithResponseStream), w.fake.Calls(fakeaws.OpCountTokens))
	})
	t.Run("tui", func(t *testing.T) {
		t.Parallel()
		w, dir := newClaudeWorld(t, time.Hour, nil)
		trace := filepath.Join(t.TempDir(), "connect.trace")
		tm := openTerm(t, append(traceArgs(trace), awsrunBin, "-p", "sso", "--", bin), dir, w.env, 30, 100)
		tm.waitText(tuiPrompt, 60*time.Second)
		tm.ask(claudeQuestion)
		tm.quitWithCtrlC(tm.cmd.Process.Pid, nil) // strace, which exits with awsrun
		if code, err := tm.exit(30 * time.Second); err != nil || code != 0 {
			t.Fatalf("strace awsrun -- claude exited %d (%v)", code, err)
		}
		n := checkLoopbackOnly(t, trace, w.fake)
		t.Logf("TUI: %d connections to the fake, none beyond 127.0.0.1; Bedrock calls: %d ListInferenceProfiles, %d InvokeModel, %d InvokeModelWithResponseStream, %d CountTokens",
			n, w.fake.Calls(fakeaws.OpListInferenceProfiles), w.fake.Calls(fakeaws.OpInvokeModel),
			w.fake.Calls(fakeaws.OpInvokeModelWithResponseStream), w.fake.Calls(fakeaws.OpCountTokens))
	})
}

// checkLoopbackOnly fails t for every address in the strace output at trace that is not
// loopback, and returns how many connections went to the fake.
func checkLoopbackOnly(t *testing.T, trace string, fake *fakeaws.Server) int {
	t.Helper()
	raw, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(fake.URL())
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
		t.Errorf("strace saw no connection to the fake at %s; trace:\n%s", fake.URL(), raw)
	}
	if fake.Calls(fakeaws.OpInvokeModelWithResponseStream) == 0 {
		t.Errorf("the fake answered no InvokeModelWithResponseStream")
	}
	return fakeCalls
}
