//go:build linux

package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestClockSkewWarning runs awsrun against a fake AWS whose clock (Date header, expiries) is 7
// minutes off and renews several times: exactly one warning that names the skew and the fix,
// however many answers say so; none when the clocks agree.
func TestClockSkewWarning(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	t.Parallel()
	for _, tc := range []struct {
		name     string
		skew     time.Duration // AWS's clock minus ours
		renewals int           // upstream calls to wait for after the first
		want     string        // which way the warning says the local clock is off, "" for no warning
	}{
		// The credentials live 3 s by the local clock whatever AWS's says, so renewals come
		// every 2 s and each of them carries a skewed Date.
		{"aws-7m-behind", -7 * time.Minute, 3, "ahead of"},
		{"clock-right", 0, 3, ""},
		// AWS ahead: the credentials seem to live 7 minutes longer, so no renewal comes soon;
		// the first answer is enough.
		{"aws-7m-ahead", 7 * time.Minute, 0, "behind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lifetime := 3 * time.Second
			if tc.skew < 0 {
				lifetime -= tc.skew
			}
			w := newWorld(t, lifetime)
			w.fake.SetClockSkew(tc.skew)
			log := &logFile{path: t.TempDir() + "/awsrun.log"}
			p := w.startProc([]string{awsrunBin, "-p", "sso", "--log-level", "info", "--log-file", log.path, "--",
				"sh", "-c", "echo ready; read line || true"})
			if l := p.line("ready", 30*time.Second); l != "ready" {
				t.Fatalf("child said %q", l)
			}
			first := w.fake.Calls("GetRoleCredentials")
			if first == 0 {
				t.Fatal("no GetRoleCredentials before the child started")
			}
			p.waitFor("renewals", 30*time.Second, func() bool {
				return w.fake.Calls("GetRoleCredentials") >= first+tc.renewals && strings.Count(log.read(), "credentials refreshed") >= tc.renewals
			})
			p.stdin.Close()
			if st := p.wait(30 * time.Second); !st.Success() {
				t.Fatalf("awsrun exited %v; stderr:\n%s", st, p.stderr.String())
			}
			text := log.read()
			var warnings []string
			for _, line := range strings.Split(text, "\n") {
				if strings.Contains(line, "level=WARN") && strings.Contains(line, "clock") {
					warnings = append(warnings, line)
				}
			}
			calls := w.fake.Calls("GetRoleCredentials")
			t.Logf("%d GetRoleCredentials answers with AWS's clock %v off; %d clock warning(s)", calls, tc.skew, len(warnings))
			if tc.want == "" {
				if len(warnings) != 0 {
					t.Fatalf("clock warnings with the clocks in step:\n%s", strings.Join(warnings, "\n"))
				}
				return
			}
			if len(warnings) != 1 {
				t.Fatalf("%d clock warnings for %d skewed answers, want exactly 1:\n%s", len(warnings), calls, text)
			}
			// Date has whole seconds, so the estimate is within a second of the truth.
			m := regexp.MustCompile(`the local clock is (\S+) (ahead of|behind) AWS`).FindStringSubmatch(warnings[0])
			if m == nil {
				t.Fatalf("warning does not say how far off:\n%s", warnings[0])
			}
			if d, err := time.ParseDuration(m[1]); err != nil || d < 7*time.Minute-2*time.Second || d > 7*time.Minute+2*time.Second || m[2] != tc.want {
				t.Errorf("warning says %s %s, want about 7m %s", m[1], m[2], tc.want)
			}
			for _, want := range []string{"AWS rejects signed requests more than 5 minutes off", `fix="sync the clock`} {
				if !strings.Contains(warnings[0], want) {
					t.Errorf("warning lacks %q:\n%s", want, warnings[0])
				}
			}
		})
	}
}
