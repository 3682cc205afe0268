package wrapper

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/awsrun/awsrun/creds"
)

// TestWarnLeftOutOncePerChange: the profiles the child cannot use are warned about once, and
// again only when the list changes (a reload with the same files says nothing); the user's
// default, which is always replaced by the chosen profile, is not warned about.
func TestWarnLeftOutOncePerChange(t *testing.T) {
	var buf bytes.Buffer
	s := &session{cfg: Config{Profile: "dev"}, log: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})), released: true}
	w := &creds.WorldConfig{Skipped: []creds.SkippedProfile{{Name: "default", Reason: "x"}, {Name: "a#b", Reason: "'#'"}}}
	s.warnLeftOut(w)
	s.warnLeftOut(w)
	if n := strings.Count(buf.String(), "level=WARN"); n != 1 || !strings.Contains(buf.String(), `profile=a#b`) || strings.Contains(buf.String(), "profile=default") {
		t.Fatalf("first two renders: %d warnings:\n%s", n, buf.String())
	}
	w.Unusable = []creds.SkippedProfile{{Name: "odd", Reason: "a control character"}}
	s.warnLeftOut(w)
	if n := strings.Count(buf.String(), "level=WARN"); n != 3 || !strings.Contains(buf.String(), "profile=odd") {
		t.Fatalf("after a change: %d warnings:\n%s", n, buf.String())
	}
}

// TestSetupWarningsHeldUntilResolved: warnings from the set-up made beside the first resolution
// wait until it succeeded (a run that fails to resolve says only why), then come out in order,
// and later ones at once.
func TestSetupWarningsHeldUntilResolved(t *testing.T) {
	var buf bytes.Buffer
	s := &session{log: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	s.warn("first")
	s.mu.Lock()
	s.warnLocked("second")
	s.mu.Unlock()
	if buf.Len() != 0 {
		t.Fatalf("warned before the credentials resolved:\n%s", buf.String())
	}
	s.releaseWarnings()
	s.warn("third")
	got := buf.String()
	if a, b, c := strings.Index(got, "msg=first"), strings.Index(got, "msg=second"), strings.Index(got, "msg=third"); a < 0 || b < a || c < b {
		t.Fatalf("want first, second, third in order:\n%s", got)
	}
}
