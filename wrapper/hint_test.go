package wrapper

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/endpoint"
	"github.com/awsrun/awsrun/internal/testutil"
)

// TestEndpointHintQuotesHostileNames: the endpoint's 503 message ("...; run: aws sso login
// --profile P") shows the child's user a command; pasted into a shell it must pass the profile
// as one argument and run nothing else. So must the login command the SSO warnings name.
func TestEndpointHintQuotesHostileNames(t *testing.T) {
	for _, name := range testutil.HostileNames {
		msg := hintFor(name)(&creds.LoginRequiredError{Profile: name, Err: errors.New("expired")})
		_, cmd, ok := strings.Cut(msg, "; run: ")
		if !ok {
			t.Fatalf("no command in %q", msg)
		}
		if got := testutil.ShellWords(t, cmd); !slices.Equal(got, []string{"aws", "sso", "login", "--profile", name}) {
			t.Errorf("503 message for %q: %s\nthe shell passed %q", name, msg, got)
		}
		// An `aws login` profile: its own session named, its own command.
		msg = hintFor("p")(&creds.LoginRequiredError{Profile: name, Err: errors.New("ended"), Login: true})
		if !strings.Contains(msg, "the aws login session for profile") {
			t.Errorf("503 message for a login profile: %s", msg)
		}
		_, cmd, _ = strings.Cut(msg, "; run: ")
		if got := testutil.ShellWords(t, cmd); !slices.Equal(got, []string{"aws", "login", "--profile", name}) {
			t.Errorf("503 message for login profile %q: %s\nthe shell passed %q", name, msg, got)
		}
	}
}

// TestSessionWarningQuotesHostileNames: the "run" field of the session-end warning (and of
// its desktop notification) is the login command, quoted for the shell.
func TestSessionWarningQuotesHostileNames(t *testing.T) {
	for _, name := range testutil.HostileNames {
		var buf bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&buf, nil))
		s := &session{cfg: Config{Profile: name}, log: log}
		s.warnSessionEnd(10*time.Minute, time.Now().Add(10*time.Minute))
		var rec struct{ Run string }
		if err := json.Unmarshal(buf.Bytes(), &rec); err != nil || rec.Run == "" {
			t.Fatalf("log %q: %v", buf.String(), err)
		}
		if got := testutil.ShellWords(t, rec.Run); !slices.Equal(got, []string{"aws", "sso", "login", "--profile", name}) {
			t.Errorf("warning for %q: run=%s\nthe shell passed %q", name, rec.Run, got)
		}
	}
}

// TestExpiredHintNamesTheEndedSession: credentials refused for having run out, after the last
// renewal was refused because the session ended, get the ended session's hint, not the generic
// "see the log"; other causes keep theirs.
func TestExpiredHintNamesTheEndedSession(t *testing.T) {
	ended := &creds.LoginRequiredError{Profile: "console", Err: errors.New("ended"), Login: true}
	hint := withEndedSession(hintFor("console"), func() error { return ended })
	for _, err := range []error{endpoint.ErrExpired, errExpiredUpstream, ended} {
		if msg := hint(err); !strings.Contains(msg, "aws login session") || !strings.HasSuffix(msg, "run: aws login --profile console") {
			t.Errorf("%v: %q", err, msg)
		}
	}
	other := withEndedSession(hintFor("console"), func() error { return errors.New("throttled") })
	if msg := other(endpoint.ErrExpired); strings.Contains(msg, "; run: ") {
		t.Errorf("no ended session, yet %q", msg)
	}
}
