//go:build unix

package wrapper

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/state"
)

// shortTemp is a temp dir short enough for unix socket paths under it.
func shortTemp(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("/tmp", "wx")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func TestResolveFromParentEndpoint(t *testing.T) {
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	var status int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("Authorization") != "tok-123" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		if status != 0 {
			w.WriteHeader(status)
			w.Write([]byte(`{"code":"Unavailable","message":"awsrun: the AWS SSO session has ended; run: aws sso login --profile dev"}`))
			return
		}
		w.Write([]byte(`{"AccessKeyId":"ASIAPARENT0000000001","SecretAccessKey":"sec","Token":"tok","Expiration":"` + exp.Format(time.RFC3339) + `"}`))
	}))
	defer srv.Close()
	env := []string{"AWSRUN=1", "AWSRUN_PROFILE=dev", "AWS_CONTAINER_CREDENTIALS_FULL_URI=" + srv.URL + "/creds",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN=tok-123", "AWS_REGION=eu-central-1"}
	r, err := Resolve(context.Background(), ResolveInput{Profile: "dev", ProfileExplicit: true, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	c := r.Credentials
	if c.AccessKeyID != "ASIAPARENT0000000001" || c.SessionToken != "tok" || !c.CanExpire || !c.Expires.Equal(exp) || r.Region != "eu-central-1" {
		t.Errorf("resolved %+v", r)
	}

	mu.Lock()
	status = http.StatusServiceUnavailable
	mu.Unlock()
	_, err = Resolve(context.Background(), ResolveInput{Env: env})
	if err == nil || err.Error() != "the parent awsrun has no credentials to give: the AWS SSO session has ended; run: aws sso login --profile dev" {
		t.Errorf("503: %v", err)
	}

	var nested *NestedError
	if _, err := Resolve(context.Background(), ResolveInput{Profile: "prod", ProfileExplicit: true, Env: env}); !errors.As(err, &nested) {
		t.Errorf("other profile inside awsrun: %v", err)
	}
}

func TestResolveFromParentRefusesNonLoopbackURI(t *testing.T) {
	env := []string{"AWSRUN=1", "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.2/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN=t"}
	_, err := Resolve(context.Background(), ResolveInput{Env: env})
	if err == nil || !strings.Contains(err.Error(), "not a loopback http URL") {
		t.Errorf("got %v", err)
	}
}

func TestResolveFromParentEnvMode(t *testing.T) {
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	env := []string{"AWSRUN=1", "AWSRUN_INJECT=env", "AWS_ACCESS_KEY_ID=ASIAENV", "AWS_SECRET_ACCESS_KEY=s",
		"AWS_SESSION_TOKEN=t", "AWS_CREDENTIAL_EXPIRATION=" + exp.Format(time.RFC3339), "AWS_DEFAULT_REGION=us-west-2"}
	r, err := Resolve(context.Background(), ResolveInput{Env: env})
	if err != nil || r.Credentials.AccessKeyID != "ASIAENV" || !r.Credentials.Expires.Equal(exp) || r.Region != "us-west-2" {
		t.Errorf("%+v %v", r, err)
	}
}

type testProvider struct {
	c   aws.Credentials
	err error
}

func (p testProvider) Credentials(context.Context) (aws.Credentials, error) { return p.c, p.err }
func (p testProvider) Status() state.Entry                                  { return state.Entry{} }

// TestResolveBorrowsOnlyFromAMatchingSupervisor: a supervisor is asked only when it resolves
// the same profile from the same files; otherwise (or when it fails) upstream decides, here a
// credential_process that fails so the test can tell the two apart.
func TestResolveBorrowsOnlyFromAMatchingSupervisor(t *testing.T) {
	home := shortTemp(t)
	os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
	os.WriteFile(filepath.Join(home, ".aws", "config"), []byte("[profile dev]\ncredential_process = false\nregion = eu-west-1\n"), 0o600)
	env := []string{"HOME=" + home, "TMPDIR=" + home}
	getenv := func(k string) string { return map[string]string{"HOME": home, "TMPDIR": home}[k] }
	configPath, credsPath := creds.Paths(getenv)
	reg := state.Open(state.Dir(getenv))
	exp := time.Now().Add(time.Hour)
	served := aws.Credentials{AccessKeyID: "ASIASUPERVISOR000001", SecretAccessKey: "s", SessionToken: "t", CanExpire: true, Expires: exp}

	register := func(e state.Entry, p state.Provider) *state.Handle {
		h, err := reg.Register(e)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.Serve(p); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close() })
		return h
	}
	register(state.Entry{Profile: "dev", ConfigFile: configPath, CredentialsFile: credsPath, NoSession: true, Region: "x"}, testProvider{c: served})
	register(state.Entry{Profile: "other", ConfigFile: configPath, CredentialsFile: credsPath}, testProvider{c: served})
	register(state.Entry{Profile: "dev", ConfigFile: "/elsewhere/config", CredentialsFile: credsPath}, testProvider{c: served})
	failing := register(state.Entry{Profile: "dev", ConfigFile: configPath, CredentialsFile: credsPath}, testProvider{err: errors.New("refresh failed")})

	cfg := ResolveInput{Profile: "dev", ProfileExplicit: true, Env: env}
	if r, err := Resolve(context.Background(), cfg); err == nil {
		t.Fatalf("no matching healthy supervisor, yet resolved from %s", r.From)
	}
	failing.Close()
	register(state.Entry{Profile: "dev", ConfigFile: configPath, CredentialsFile: credsPath, Region: "us-east-1"}, testProvider{c: served})
	r, err := Resolve(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if r.Credentials.AccessKeyID != served.AccessKeyID || !strings.HasPrefix(r.From, "awsrun pid ") {
		t.Errorf("resolved %+v", r)
	}
	if r.Region != "eu-west-1" {
		t.Errorf("region %q: want the profile's own, not the supervisor's", r.Region)
	}
	if _, err := ResolveUpstream(context.Background(), cfg); err == nil {
		t.Error("ResolveUpstream borrowed from a supervisor")
	}
}

// scriptedUpstream hands out a new key on each call.
type scriptedUpstream struct {
	mu  sync.Mutex
	n   int
	err error
}

func (u *scriptedUpstream) Retrieve(context.Context) (aws.Credentials, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.err != nil {
		return aws.Credentials{}, u.err
	}
	u.n++
	return aws.Credentials{AccessKeyID: "ASIASCRIPTED00000" + string(rune('0'+u.n)) + "XY", SecretAccessKey: "secret-value",
		SessionToken: "token-value", CanExpire: true, Expires: time.Now().Add(time.Hour), Source: "scripted"}, nil
}

func TestStatePublisherTracksTheKeeper(t *testing.T) {
	dir := shortTemp(t)
	env := []string{"HOME=" + dir, "TMPDIR=" + dir}
	up := &scriptedUpstream{}
	k := &keeper{src: up, now: wallNow, budget: time.Second}
	ctx := context.Background()
	if _, err := k.refresh(ctx); err != nil {
		t.Fatal(err)
	}
	var changes int
	k.onChange = func(old, n *snapshot) { changes++ }
	cfg := Config{Profile: "dev", Inject: InjectEnv, Command: []string{"claude"}, Env: env, Logger: slog.New(slog.DiscardHandler)}
	pub := publishState(cfg, k, func() string { return "eu-west-1" }, func() string { return "" })
	pub.register()
	if pub.handle() == nil {
		t.Fatal("not registered")
	}
	reg := state.Open(state.Dir(func(k string) string { return map[string]string{"TMPDIR": dir}[k] }))
	es, err := reg.List()
	if err != nil || len(es) != 1 {
		t.Fatalf("%+v %v", es, err)
	}
	e := es[0]
	if e.Profile != "dev" || e.Mode != InjectEnv || e.KeyID != "ASIA...01XY" || e.Region != "eu-west-1" || e.Expires.IsZero() || e.Socket == "" {
		t.Errorf("entry %+v", e)
	}

	if _, err := k.refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if changes != 1 {
		t.Errorf("the earlier onChange was not kept: %d calls", changes)
	}
	es, _ = reg.List()
	if es[0].KeyID != "ASIA...02XY" {
		t.Errorf("refresh not published: %+v", es[0])
	}
	served, err := state.FetchCredentials(ctx, e.Socket)
	if err != nil || served.Credentials.AccessKeyID != "ASIASCRIPTED000002XY" || served.Credentials.SecretAccessKey != "secret-value" {
		t.Errorf("socket served %+v %v", served, err)
	}

	up.mu.Lock()
	up.err = errors.New("the AWS SSO session has ended")
	up.mu.Unlock()
	k.refresh(ctx)
	live, err := state.FetchStatus(ctx, e.Socket)
	if err != nil || live.LastError != "the AWS SSO session has ended" || !live.Live {
		t.Errorf("live status %+v %v", live, err)
	}
	pub.restarted(2)
	es, _ = reg.List()
	if es[0].Restarts != 2 {
		t.Errorf("restarts %+v", es[0])
	}
	data, _ := os.ReadFile(filepath.Join(reg.Dir(), e.ID+".json"))
	if strings.Contains(string(data), "secret-value") || strings.Contains(string(data), "token-value") {
		t.Errorf("state file holds secrets: %s", data)
	}
	pub.close()
	if _, err := os.Stat(reg.Dir()); !os.IsNotExist(err) {
		t.Errorf("registry left behind: %v", err)
	}
	var nilPub *statePublisher
	nilPub.refreshed(nil)
	nilPub.restarted(1)
	nilPub.close()
}
