// Package doctor runs the checklist a user with "The security token included in the request is
// expired" would otherwise walk through by hand: stale keys in the environment, which profile
// and credential source apply and why, SSO settings and token, whether credentials resolve and
// AWS accepts them, the clock, the AWS CLI's cache, session lengths, the region, and Claude
// Code's settings. Each check yields one line: ok, warn or fail, and the exact fix.
//
// It reads the environment and files it is given and calls AWS; it changes nothing, except
// removing expired AWS CLI cache entries when Options.Fix is set.
package doctor

import (
	"context"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awsrun/awsrun/creds"
)

// Status is a check's verdict.
type Status string

const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "fail"
	// Skip means the check could not run because an earlier one failed or does not apply.
	Skip Status = "skip"
)

// Check is one line of the report. Message and Fix never carry secrets.
type Check struct {
	Name    string `json:"name"`
	Status  Status `json:"status"`
	Message string `json:"message"`
	Fix     string `json:"fix,omitempty"`
}

// Resolver resolves the profile's credentials the way awsrun does, and the region it uses.
type Resolver func(ctx context.Context) (aws.Credentials, string, error)

// Options is what to examine.
type Options struct {
	// Env is the environment to inspect, as KEY=VALUE (os.Environ() in the CLI). The AWS SDK
	// calls doctor makes read the process environment, so the two should agree.
	Env []string
	// Profile is the profile awsrun would use; ProfileFrom says why ("--profile",
	// "AWS_PROFILE", "default", ...) and ProfileExplicit whether the user named it.
	Profile         string
	ProfileFrom     string
	ProfileExplicit bool
	// Region is --region, if given.
	Region string
	// Duration is the session length awsrun asks for when a role sets no duration_seconds.
	Duration time.Duration
	// Fix removes expired entries from ~/.aws/cli/cache.
	Fix bool
	// Workdir is where project-level Claude Code settings (.claude/settings*.json) are looked
	// for; empty skips them.
	Workdir string
	// Resolve resolves credentials; nil skips the checks that need them.
	Resolve Resolver
	// Now is the local clock; default time.Now.
	Now func() time.Time
	// Transport carries doctor's own AWS calls (get-caller-identity, the clock probe); default
	// http.DefaultTransport.
	Transport http.RoundTripper
	// Timeout bounds each network step; default 30 s.
	Timeout time.Duration
}

// Report is the outcome of all checks, in order.
type Report struct {
	Profile     string  `json:"profile"`
	ProfileFrom string  `json:"profile_from"`
	Checks      []Check `json:"checks"`
	OK          int     `json:"ok"`
	Warnings    int     `json:"warnings"`
	Failures    int     `json:"failures"`
	Skipped     int     `json:"skipped"`
}

// Failed reports whether any check failed: the CLI then exits 1.
func (r *Report) Failed() bool { return r.Failures > 0 }

func (r *Report) add(c Check) {
	r.Checks = append(r.Checks, c)
	switch c.Status {
	case OK:
		r.OK++
	case Warn:
		r.Warnings++
	case Fail:
		r.Failures++
	case Skip:
		r.Skipped++
	}
}

// Run performs every check and returns the report; it never returns early, so one broken
// thing does not hide the others.
func Run(ctx context.Context, o Options) *Report {
	d := newDoctor(o)
	d.envCredentials()
	d.envOverrides()
	d.configFiles()
	d.profile()
	d.ssoConfig()
	d.ssoToken()
	d.loginToken()
	d.credentials(ctx)
	d.identity(ctx)
	d.clock(ctx)
	d.cliCache()
	d.sessionDuration()
	d.region()
	d.claudeSettings()
	d.claudeBedrock()
	return d.r
}

// doctor carries what one check learns for the next.
type doctor struct {
	o   Options
	r   *Report
	env map[string]string
	now func() time.Time

	home                  string
	configPath, credsPath string
	files                 *creds.Files
	prof                  *creds.Profile // nil when the profile could not be read
	envKeys               bool           // no profile: keys from the environment (or a parent awsrun) are used
	ssoRoot               *creds.Profile // the profile holding the SSO settings, if any
	loginRoot             *creds.Profile // the `aws login` profile the chain starts at, if any

	haveCreds      bool
	creds          aws.Credentials
	resolvedAt     time.Time
	resolvedRegion string // as resolved

	probe *dateProbe

	claude *claudeView
}

func newDoctor(o Options) *doctor {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Duration <= 0 {
		o.Duration = creds.DefaultDuration
	}
	if o.Profile == "" {
		o.Profile, o.ProfileFrom = "default", "default"
	}
	env := map[string]string{}
	for _, kv := range o.Env {
		for i := 0; i < len(kv); i++ {
			if kv[i] == '=' {
				if i > 0 {
					env[kv[:i]] = kv[i+1:]
				}
				break
			}
		}
	}
	d := &doctor{
		o:   o,
		r:   &Report{Profile: o.Profile, ProfileFrom: o.ProfileFrom},
		env: env,
		now: o.Now,
	}
	d.home = env["HOME"]
	d.configPath, d.credsPath = creds.Paths(d.getenv)
	d.probe = &dateProbe{next: o.Transport, now: o.Now}
	return d
}

func (d *doctor) getenv(k string) string { return d.env[k] }

func (d *doctor) add(name string, st Status, msg, fix string) {
	d.r.add(Check{Name: name, Status: st, Message: msg, Fix: fix})
}
