//go:build unix

package wrapper

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/state"
)

// TestStatusAndExportErrorsAreScrubbed: a failing renewal whose error text holds a secret awsrun
// served (which the sanitised errors of creds never should) still shows none of it in the
// entry's live last_error or in the error export gets over the socket.
func TestStatusAndExportErrorsAreScrubbed(t *testing.T) {
	served := aws.Credentials{AccessKeyID: "ASIASCRUBWRAPPER0001", SecretAccessKey: "wrapper/scrub+secret/00000000000000000001",
		SessionToken: "wrapper-scrub-session-token-000000000000001", CanExpire: true, Expires: time.Now().Add(time.Hour)}
	creds.Remember(served)
	dir := shortTemp(t)
	up := &scriptedUpstream{}
	k := &keeper{src: up, now: wallNow, budget: time.Second}
	ctx := context.Background()
	if _, err := k.refresh(ctx); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Profile: "dev", Inject: InjectEnv, Command: []string{"claude"}, Env: []string{"HOME=" + dir, "TMPDIR=" + dir},
		Logger: slog.New(slog.DiscardHandler)}
	pub := publishState(cfg, k, func() string { return "" }, func() string { return "" })
	pub.register()
	t.Cleanup(pub.close)
	if pub.handle() == nil {
		t.Fatal("not registered")
	}
	up.mu.Lock()
	up.err = errors.New("renewal failed near " + served.SecretAccessKey + " and " + served.SessionToken + " of " + served.AccessKeyID)
	up.mu.Unlock()
	k.refresh(ctx)
	k.cur.Store(nil) // nothing usable left, so export has to ask upstream and fails

	socket := pub.handle().Entry().Socket
	live, err := state.FetchStatus(ctx, socket)
	if err != nil {
		t.Fatal(err)
	}
	_, exportErr := state.FetchCredentials(ctx, socket)
	if exportErr == nil {
		t.Fatal("export got credentials from a failing upstream")
	}
	for what, text := range map[string]string{"last_error": live.LastError, "export's error": exportErr.Error()} {
		for _, s := range []string{served.SecretAccessKey, served.SessionToken, served.AccessKeyID} {
			if strings.Contains(text, s) {
				t.Errorf("%s holds %.10s...: %s", what, s, text)
			}
		}
		if !strings.Contains(text, "renewal failed near [secret] and [token] of ASIA...0001") {
			t.Errorf("%s: %q", what, text)
		}
	}
}
