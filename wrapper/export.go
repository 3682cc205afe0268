package wrapper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/state"
)

// Resolved is a set of credentials for `awsrun export` and `awsrun doctor`.
type Resolved struct {
	Credentials aws.Credentials
	Region      string
	// From says where they came from, for the log: "upstream", "awsrun pid N", "parent awsrun".
	From string
}

const (
	// upstreamBudget bounds one resolution from AWS (SSO portal, STS, credential_process).
	upstreamBudget = 30 * time.Second
	// localBudget bounds asking a supervisor or the parent's endpoint: both are on this machine
	// and answer in milliseconds, so a slow one is skipped rather than waited for.
	localBudget = 2 * time.Second
)

// ResolveInput is what `awsrun export` and `awsrun doctor` resolve a profile with: the part of
// a run's choices that decides which credentials, and nothing of the child's.
type ResolveInput struct {
	// Profile is the profile chosen by the caller; empty means DefaultProfile.
	Profile string
	// ProfileExplicit says the user named it, so a missing one is an error.
	ProfileExplicit bool
	// Region is --region (or AWS_REGION); empty means the profile's.
	Region string
	// Duration is the assume-role / session-token length asked for.
	Duration time.Duration
	// NoSession serves long-term keys as they are.
	NoSession bool
	// Env is the environment to resolve in; os.Environ() when nil.
	Env []string
	// Stdin is asked for an MFA code when it is the foreground terminal.
	Stdin *os.File
	// Logger receives the debug log; discarded when nil.
	Logger *slog.Logger
}

// DefaultProfile is the profile used when neither a flag nor the environment names one.
const DefaultProfile = "default"

// Resolve returns the credentials awsrun would give a child for in, as cheaply as it can:
// inside an awsrun child, the parent's; when a supervisor for the same profile runs, its
// current ones over its socket (no upstream call); otherwise from upstream, as Run resolves
// them. It asks for an MFA code only when Stdin is the foreground terminal.
func Resolve(ctx context.Context, in ResolveInput) (Resolved, error) {
	in = in.withDefaults()
	env := newEnviron(in.Env)
	if env["AWSRUN"] == "1" {
		outer := env["AWSRUN_PROFILE"]
		if in.ProfileExplicit && in.Profile != outer {
			if sock := env[SocketVar]; sock != "" {
				return fromParentSocket(ctx, sock, in) // exportprofile.go
			}
			return Resolved{}, &NestedError{Outer: outer, Inner: in.Profile}
		}
		return fromParent(ctx, env)
	}
	if r, ok := fromSupervisor(ctx, in, env); ok {
		return r, nil
	}
	return ResolveUpstream(ctx, in)
}

// ResolveUpstream resolves from upstream even when a supervisor could answer: doctor uses it
// to test the path a new awsrun would take.
func ResolveUpstream(ctx context.Context, in ResolveInput) (Resolved, error) {
	in = in.withDefaults()
	env := newEnviron(in.Env)
	// MFA only on a foreground terminal: export runs as credential_process and from IDE hooks,
	// where a prompt would hang, so there a profile that needs MFA fails with MFARequiredError.
	var mfa func() (string, error)
	if isForegroundTTY(in.Stdin) {
		mfa = mfaPrompter(new(atomic.Bool))
	}
	src, err := openSource(ctx, in.selection(), env, mfa, nil, newSkewCheck(in.Logger))
	if err != nil {
		return Resolved{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, upstreamBudget)
	defer cancel()
	c, err := src.Retrieve(ctx)
	if err != nil {
		return Resolved{}, err
	}
	return Resolved{Credentials: c, Region: src.Region(), From: "upstream"}, nil
}

func (in ResolveInput) withDefaults() ResolveInput {
	if in.Env == nil {
		in.Env = os.Environ()
	}
	if in.Logger == nil {
		in.Logger = slog.New(slog.DiscardHandler)
	}
	if in.Profile == "" {
		in.Profile = DefaultProfile
	}
	return in
}

func (in ResolveInput) selection() selection {
	return selection{profile: in.Profile, explicit: in.ProfileExplicit, region: in.Region, duration: in.Duration, noSession: in.NoSession}
}

// fromSupervisor borrows the current credentials of a running supervisor that resolves the
// same profile from the same files. Any failure falls back to upstream, which then reports the
// real cause (an ended SSO session, say) with its proper error type.
func fromSupervisor(ctx context.Context, cfg ResolveInput, env environ) (Resolved, bool) {
	getenv := func(k string) string { return env[k] }
	configPath, credsPath := creds.Paths(getenv)
	entries, err := state.Open(state.Dir(getenv)).List()
	if err != nil {
		cfg.Logger.Debug("cannot read the awsrun registry; resolving from upstream", "error", err)
		return Resolved{}, false
	}
	for i := len(entries) - 1; i >= 0; i-- { // newest first
		e := entries[i]
		if e.Socket == "" || e.Profile != cfg.Profile || e.ConfigFile != configPath ||
			e.CredentialsFile != credsPath || e.NoSession != cfg.NoSession {
			continue
		}
		lctx, cancel := context.WithTimeout(ctx, localBudget)
		served, err := state.FetchCredentials(lctx, e.Socket)
		cancel()
		if err != nil {
			cfg.Logger.Debug("awsrun supervisor did not answer; trying the next source", "pid", e.PID, "error", err)
			continue
		}
		if served.Credentials.Expired() {
			continue
		}
		region := cfg.Region
		if region == "" {
			region = profileRegion(configPath, credsPath, cfg.Profile, served.Region)
		}
		cfg.Logger.Debug("credentials from a running awsrun", "pid", e.PID, "key", creds.Redact(served.Credentials.AccessKeyID))
		return Resolved{Credentials: served.Credentials, Region: region, From: fmt.Sprintf("awsrun pid %d", e.PID)}, true
	}
	return Resolved{}, false
}

// profileRegion is the profile's own region: a supervisor started with --region serves its
// child another one, which export must not pick up. fallback is used when the files say nothing.
func profileRegion(configPath, credsPath, profile, fallback string) string {
	files, err := creds.LoadFiles(configPath, credsPath)
	if err != nil {
		return fallback
	}
	p, err := files.Lookup(profile)
	if err != nil || p.Keys["region"] == "" {
		return fallback
	}
	return p.Keys["region"]
}

// fromParent returns the credentials of the awsrun this process runs under: from its loopback
// endpoint in endpoint mode, from the environment it set in env mode.
func fromParent(ctx context.Context, env environ) (Resolved, error) {
	region := firstSet(env["AWS_REGION"], env["AWS_DEFAULT_REGION"])
	if uri := env["AWS_CONTAINER_CREDENTIALS_FULL_URI"]; uri != "" {
		c, err := fetchParentEndpoint(ctx, uri, env["AWS_CONTAINER_AUTHORIZATION_TOKEN"])
		if err != nil {
			return Resolved{}, err
		}
		return Resolved{Credentials: c, Region: region, From: "parent awsrun"}, nil
	}
	if env["AWS_ACCESS_KEY_ID"] != "" && env["AWS_SECRET_ACCESS_KEY"] != "" {
		c := aws.Credentials{
			AccessKeyID:     env["AWS_ACCESS_KEY_ID"],
			SecretAccessKey: env["AWS_SECRET_ACCESS_KEY"],
			SessionToken:    env["AWS_SESSION_TOKEN"],
			Source:          "parent awsrun (env mode)",
		}
		if exp, err := time.Parse(time.RFC3339, env["AWS_CREDENTIAL_EXPIRATION"]); err == nil {
			c.CanExpire, c.Expires = true, exp
		}
		return Resolved{Credentials: c, Region: region, From: "parent awsrun"}, nil
	}
	return Resolved{}, errors.New("read the parent awsrun's credentials: AWSRUN=1 is set but neither its endpoint nor its keys are in the environment")
}

// fetchParentEndpoint reads the parent's container-credentials endpoint the way an SDK does.
// The token goes to loopback only: the variable could have been set by something else.
func fetchParentEndpoint(ctx context.Context, uri, token string) (aws.Credentials, error) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost") {
		return aws.Credentials{}, errors.New("read the parent awsrun's credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI is not a loopback http URL")
	}
	ctx, cancel := context.WithTimeout(ctx, localBudget)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("read the parent awsrun's credentials: %w", err)
	}
	req.Header.Set("Authorization", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("read the parent awsrun's credentials: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("read the parent awsrun's credentials: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Message string }
		json.Unmarshal(body, &e)
		msg := strings.TrimPrefix(e.Message, "awsrun: ")
		if msg == "" {
			msg = resp.Status
		}
		return aws.Credentials{}, fmt.Errorf("the parent awsrun has no credentials to give: %s", msg)
	}
	var w struct {
		AccessKeyID     string `json:"AccessKeyId"`
		SecretAccessKey string
		Token           string
		Expiration      string
		AccountID       string `json:"AccountId"`
	}
	if err := json.Unmarshal(body, &w); err != nil || w.AccessKeyID == "" {
		return aws.Credentials{}, errors.New("read the parent awsrun's credentials: unexpected answer from its endpoint")
	}
	c := aws.Credentials{AccessKeyID: w.AccessKeyID, SecretAccessKey: w.SecretAccessKey, SessionToken: w.Token,
		AccountID: w.AccountID, Source: "parent awsrun endpoint"}
	if exp, err := time.Parse(time.RFC3339, w.Expiration); err == nil {
		c.CanExpire, c.Expires = true, exp
	}
	return c, nil
}

func firstSet(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
