package creds

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
)

// serverTimes collects what Options.OnServerTime is told.
type serverTimes struct {
	mu  sync.Mutex
	got []serverTime
}

type serverTime struct{ server, sent, received time.Time }

func (r *serverTimes) record(server, sent, received time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, serverTime{server, sent, received})
}

func (r *serverTimes) all() []serverTime {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]serverTime(nil), r.got...)
}

// TestServerTimeReachesTheCredentialProviders: the hook added through aws.Config.APIOptions
// fires for the calls the SDK's own credential providers make (SSO GetRoleCredentials, STS
// AssumeRole) and for awsrun's GetSessionToken, and reports the fake's skewed clock. The skew
// stays inside SigV4's 5 minutes so the calls succeed.
func TestServerTimeReachesTheCredentialProviders(t *testing.T) {
	const skew = 3 * time.Minute
	fake := fakeaws.New(fakeaws.Options{Lifetime: time.Hour})
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	w, err := fakeaws.StageWorld(t.TempDir(), fake, fakeaws.WorldOptions{
		AccessKeyID: mfaUser, SecretAccessKey: mfaSecret, SSOToken: "skew-sso-token",
	})
	if err != nil {
		t.Fatal(err)
	}
	fake.SetClockSkew(skew)
	for _, kv := range w.Env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	cp, kp := w.ConfigFile, w.CredentialsFile
	files, err := LoadFiles(cp, kp)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ profile, op string }{
		{"sso", "GetRoleCredentials"},
		{"role", "AssumeRole"},
		{"static", "GetSessionToken"},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			var times serverTimes
			src, err := Open(context.Background(), files, Options{Profile: tc.profile, ConfigFile: cp, CredentialsFile: kp,
				OnServerTime: times.record})
			if err != nil {
				t.Fatal(err)
			}
			calls := fake.Calls(tc.op)
			if _, err := src.Retrieve(context.Background()); err != nil {
				t.Fatal(err)
			}
			if fake.Calls(tc.op) != calls+1 {
				t.Fatalf("%s calls %d, want %d", tc.op, fake.Calls(tc.op), calls+1)
			}
			got := times.all()
			if len(got) != 1 {
				t.Fatalf("OnServerTime called %d times for one %s, want 1", len(got), tc.op)
			}
			g := got[0]
			if g.sent.After(g.received) {
				t.Errorf("sent %v after received %v", g.sent, g.received)
			}
			// The Date header has whole seconds: the server time lies in [Date, Date+1s).
			lo, hi := g.server.Sub(g.received), g.server.Add(time.Second).Sub(g.sent)
			if lo > skew || hi < skew {
				t.Errorf("server clock %v ahead by [%v, %v], want about %v", g.server, lo, hi, skew)
			}
		})
	}

	// Beyond 5 minutes AWS rejects the signature; the Date of the rejection still counts (the
	// SDK then corrects its own signing clock and retries, so the call may still succeed).
	t.Run("rejected for skew", func(t *testing.T) {
		const far = 7 * time.Minute
		fake.SetClockSkew(far)
		defer fake.SetClockSkew(skew)
		var times serverTimes
		src, err := Open(context.Background(), files, Options{Profile: "role", ConfigFile: cp, CredentialsFile: kp,
			OnServerTime: times.record})
		if err != nil {
			t.Fatal(err)
		}
		_, err = src.Retrieve(context.Background())
		got := times.all()
		t.Logf("Retrieve: %v; %d responses", err, len(got))
		if len(got) == 0 {
			t.Fatal("OnServerTime not called")
		}
		g := got[0]
		if lo, hi := g.server.Sub(g.received), g.server.Add(time.Second).Sub(g.sent); lo > far || hi < far {
			t.Errorf("server clock ahead by [%v, %v], want about %v", lo, hi, far)
		}
	})

	t.Run("no hook", func(t *testing.T) {
		src, err := Open(context.Background(), files, Options{Profile: "sso", ConfigFile: cp, CredentialsFile: kp})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := src.Retrieve(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
