package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awsrun/awsrun/wrapper"
	"github.com/urfave/cli/v2"
)

const exportDescription = `Prints the profile's credentials for tools that cannot run under awsrun. When an awsrun
for the same profile is running, its current credentials are used (no call to AWS); inside an
awsrun command, the parent's. Otherwise they are resolved as awsrun would. An MFA code is asked
for only on a terminal.

Formats:
  env                 export lines for eval "$(awsrun export -p dev)"
  json                {"AccessKeyId","SecretAccessKey","SessionToken","Expiration","Region",...}
  credential-process  for a profile's credential_process (Version 1, Expiration 5 minutes early)
  claude              for Claude Code's awsCredentialExport setting`

// Export formats.
const (
	formatEnv     = "env"
	formatJSON    = "json"
	formatProcess = "credential-process"
	formatClaude  = "claude"
)

// processExpiryMargin is how much earlier than the truth the credential-process format reports
// expiry: the Go SDK re-runs credential_process only once Expiration has passed, so without it
// a request could be signed moments before the keys die.
const processExpiryMargin = 5 * time.Minute

func exportCommand(environ []string, stdin, stdout, stderr *os.File) *cli.Command {
	return &cli.Command{
		Name:  "export",
		Usage: "print the profile's credentials: env, json, credential-process or claude",
		UsageText: `awsrun export [--profile P] [--region R] [--format env|json|credential-process|claude]
   eval "$(awsrun export -p dev)"
   credential_process = awsrun export --profile dev --format credential-process   (in ~/.aws/config)
   "awsCredentialExport": "awsrun export --profile dev --format claude"           (in ~/.claude/settings.json)`,
		Description: exportDescription,
		Flags: append(profileFlags(),
			&cli.StringFlag{Name: "format", Value: formatEnv, Usage: "env, json, credential-process or claude"}),
		OnUsageError: subcommandUsage,
		Action: func(c *cli.Context) error {
			if afterDashDash(c) {
				return runAsChild(c)
			}
			if err := noArgs(c); err != nil {
				return err
			}
			format := c.String("format")
			switch format {
			case formatEnv, formatJSON, formatProcess, formatClaude:
			default:
				return &usageError{err: fmt.Errorf("unknown --format %q: use env, json, credential-process or claude", format)}
			}
			cfg, _, closer, err := commandConfig(c, environ, stdin, stderr)
			if err != nil {
				return err
			}
			defer closer.Close()
			if err := markResolving(environ, cfg.Profile); err != nil {
				return err
			}
			res, err := wrapper.Resolve(context.Background(), cfg)
			if err != nil {
				return err
			}
			cfg.Logger.Debug("exporting credentials", "from", res.From)
			out, err := renderExport(format, res, cfg.Profile, time.Now())
			if err != nil {
				return err
			}
			_, err = stdout.Write(out)
			return err
		},
	}
}

// renderExport writes credentials in one of the export formats. This is the one place awsrun
// prints secrets, because the user asked for them.
func renderExport(format string, r wrapper.Resolved, profile string, now time.Time) ([]byte, error) {
	c := r.Credentials
	exp := ""
	if c.CanExpire {
		exp = c.Expires.UTC().Format(time.RFC3339)
	}
	switch format {
	case formatEnv:
		return []byte(envExport(c, exp, r.Region)), nil
	case formatJSON:
		return marshalLine(struct {
			AccessKeyID     string `json:"AccessKeyId"`
			SecretAccessKey string `json:"SecretAccessKey"`
			SessionToken    string `json:"SessionToken,omitempty"`
			Expiration      string `json:"Expiration,omitempty"`
			AccountID       string `json:"AccountId,omitempty"`
			Region          string `json:"Region,omitempty"`
			Profile         string `json:"Profile"`
		}{c.AccessKeyID, c.SecretAccessKey, c.SessionToken, exp, c.AccountID, r.Region, profile})
	case formatProcess:
		if c.CanExpire && c.Expires.Sub(now) > 2*processExpiryMargin {
			exp = c.Expires.Add(-processExpiryMargin).UTC().Format(time.RFC3339)
		}
		return marshalLine(struct {
			Version         int    `json:"Version"`
			AccessKeyID     string `json:"AccessKeyId"`
			SecretAccessKey string `json:"SecretAccessKey"`
			SessionToken    string `json:"SessionToken,omitempty"`
			Expiration      string `json:"Expiration,omitempty"`
			AccountID       string `json:"AccountId,omitempty"`
		}{1, c.AccessKeyID, c.SecretAccessKey, c.SessionToken, exp, c.AccountID})
	case formatClaude:
		type inner struct {
			AccessKeyID     string `json:"AccessKeyId"`
			SecretAccessKey string `json:"SecretAccessKey"`
			SessionToken    string `json:"SessionToken"`
		}
		return marshalLine(struct {
			Credentials inner `json:"Credentials"`
		}{inner{c.AccessKeyID, c.SecretAccessKey, c.SessionToken}})
	}
	return nil, fmt.Errorf("unknown format %q", format)
}

// envExport prints shell assignments. Variables the credentials do not carry are unset, so a
// stale session token or expiry from an earlier eval cannot pair up with new keys.
func envExport(c aws.Credentials, exp, region string) string {
	var b strings.Builder
	set := func(k, v string) {
		if v == "" {
			fmt.Fprintf(&b, "unset %s\n", k)
			return
		}
		fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(v))
	}
	set("AWS_ACCESS_KEY_ID", c.AccessKeyID)
	set("AWS_SECRET_ACCESS_KEY", c.SecretAccessKey)
	set("AWS_SESSION_TOKEN", c.SessionToken)
	set("AWS_CREDENTIAL_EXPIRATION", exp)
	if region != "" {
		set("AWS_REGION", region)
		set("AWS_DEFAULT_REGION", region)
	}
	return b.String()
}

// shellQuote single-quotes s for POSIX shells.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func marshalLine(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode credentials: %w", err)
	}
	return append(b, '\n'), nil
}
