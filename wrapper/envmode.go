package wrapper

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awsrun/awsrun/child"
	"github.com/awsrun/awsrun/creds"
)

// buildEnvModeEnv gives the child the credentials themselves, for programs that read the
// environment once and never ask again. The user's config stays visible (env keys win over it
// in every SDK once AWS_PROFILE is gone), so child tools can still name other profiles.
func buildEnvModeEnv(base []string, c aws.Credentials, region, profile string) []string {
	e := newEnviron(base)
	e.unset(scrubbed...)
	if v, ok := newEnviron(base)["AWS_CONFIG_FILE"]; ok {
		e.set("AWS_CONFIG_FILE", v)
	}
	if v, ok := newEnviron(base)["AWS_SHARED_CREDENTIALS_FILE"]; ok {
		e.set("AWS_SHARED_CREDENTIALS_FILE", v)
	}
	e.set("AWS_ACCESS_KEY_ID", c.AccessKeyID)
	e.set("AWS_SECRET_ACCESS_KEY", c.SecretAccessKey)
	if c.SessionToken != "" {
		e.set("AWS_SESSION_TOKEN", c.SessionToken)
	}
	if c.CanExpire {
		e.set("AWS_CREDENTIAL_EXPIRATION", c.Expires.UTC().Format(time.RFC3339))
	}
	if region != "" {
		e.set("AWS_REGION", region)
		e.set("AWS_DEFAULT_REGION", region)
	}
	e.set("AWSRUN", "1")
	e.set("AWSRUN_PROFILE", profile)
	e.set("AWSRUN_INJECT", InjectEnv)
	return e.list()
}

// restartOnChange is env mode's policy: the child gets the current credentials in its
// environment and is replaced when the lifecycle reports credentials that really differ from
// the ones it was started with.
type restartOnChange struct {
	cfg     Config
	lc      *lifecycle
	region  string
	pub     *statePublisher
	notify  <-chan struct{}
	running *snapshot // the credentials the running child was started with
}

func newRestartOnChange(cfg Config, lc *lifecycle, region string, pub *statePublisher) *restartOnChange {
	return &restartOnChange{cfg: cfg, lc: lc, region: region, pub: pub, notify: lc.Changed()}
}

func (r *restartOnChange) childEnv() []string {
	r.running = r.lc.current()
	return buildEnvModeEnv(r.cfg.Env, r.running.creds, r.region, r.cfg.Profile)
}

func (r *restartOnChange) changed() <-chan struct{} { return r.notify }

func (r *restartOnChange) stale() (bool, []any) {
	old, next := r.running, r.lc.current()
	if next.creds.AccessKeyID == old.creds.AccessKeyID && next.creds.SessionToken == old.creds.SessionToken {
		r.cfg.Logger.Debug("credentials unchanged; no restart", "key", creds.Redact(next.creds.AccessKeyID))
		return false, nil
	}
	return true, []any{"reason", "credentials renewed",
		"old_key", creds.Redact(old.creds.AccessKeyID), "old_expires", old.creds.Expires.UTC().Format(time.RFC3339),
		"new_key", creds.Redact(next.creds.AccessKeyID), "new_expires", next.creds.Expires.UTC().Format(time.RFC3339)}
}

func (r *restartOnChange) restarted(n int) { r.pub.restarted(n) }

// options: without a terminal the child gets its own group, so a restart also ends the helpers
// it started; on a terminal it must stay in ours to receive ^C and ^Z.
func (r *restartOnChange) options(o *child.Options, interactive bool) {
	o.StopSignal = r.cfg.StopSignal
	o.Setpgid = !interactive
	o.KillGroup = !interactive
}
