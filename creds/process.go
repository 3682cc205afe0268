package creds

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// processChain rebuilds the SDK's chain for a profile whose credentials start at a
// credential_process (the profile's own, or the one at the end of its source_profile chain), so
// that the process runs with Options.ProcessEnv. The SDK's process provider always gives the
// command os.Environ(), which is one for the whole awsrun: a parent serving several profiles
// to its child would hand every credential_process the same recursion guard. The chain is the
// SDK's own, link for link: its parsed profiles (cfg.ConfigSources), its command builder (sh -c,
// or cmd.exe /C) with only the environment changed, and an uncached AssumeRole for every
// role_arn from the process up, with the options the SDK would give it. It applies only when
// the SDK itself would run a credential_process.
func (s *Source) processChain(cfg aws.Config) (aws.CredentialsProvider, bool) {
	if s.profile == nil || len(s.opts.ProcessEnv) == 0 {
		return nil, false
	}
	var top *config.SharedConfig
	for _, src := range cfg.ConfigSources {
		if sc, ok := src.(config.SharedConfig); ok {
			top = &sc
			break
		}
	}
	if top == nil {
		return nil, false
	}
	levels := []*config.SharedConfig{top} // the chosen profile first, the process's profile last
	for sc := top; sc.Source != nil && len(levels) < 16; sc = sc.Source {
		levels = append(levels, sc.Source)
	}
	root := levels[len(levels)-1]
	// The SDK's order (resolveCredsFromProfile): any of these comes before credential_process.
	if root.Source != nil || root.CredentialProcess == "" || root.Credentials.HasKeys() || root.CredentialSource != "" ||
		root.WebIdentityTokenFile != "" || root.SSOSessionName != "" || root.SSOStartURL != "" || root.SSOAccountID != "" ||
		root.SSORegion != "" || root.SSORoleName != "" || root.LoginSession != "" {
		return nil, false
	}
	var prov aws.CredentialsProvider = processcreds.NewProviderCommand(s.processCommand(root.CredentialProcess))
	for i := len(levels) - 1; i >= 0; i-- {
		sc := levels[i]
		if sc.RoleARN == "" {
			continue
		}
		roleCfg := cfg.Copy()
		roleCfg.Credentials = prov
		prov = stscreds.NewAssumeRoleProvider(sts.NewFromConfig(roleCfg), sc.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			// As the SDK's credsFromAssumeRole, then awsrun's own options (see Open).
			o.RoleSessionName = sc.RoleSessionName
			if sc.RoleDurationSeconds != nil && *sc.RoleDurationSeconds/time.Minute > 15 {
				o.Duration = *sc.RoleDurationSeconds
			}
			if sc.ExternalID != "" {
				o.ExternalID = aws.String(sc.ExternalID)
			}
			if sc.MFASerial != "" {
				o.SerialNumber = aws.String(sc.MFASerial)
			}
		}, s.roleOptions)
	}
	return prov, true
}

// processCommand runs command as the SDK's own builder does, with Options.ProcessEnv.
func (s *Source) processCommand(command string) processcreds.NewCommandBuilder {
	return processcreds.NewCommandBuilderFunc(func(ctx context.Context) (*exec.Cmd, error) {
		cmd, err := processcreds.DefaultNewCommandBuilder{Args: []string{command}}.NewCommand(ctx)
		if err != nil {
			return nil, err
		}
		cmd.Env = withEnv(cmd.Env, s.opts.ProcessEnv)
		if s.opts.ProcessStderr != nil {
			cmd.Stderr = s.opts.ProcessStderr
		}
		return cmd, nil
	})
}

// processEnviron is the environment of a program this resolution runs: awsrun's, with
// Options.ProcessEnv in place of the same variables.
func (s *Source) processEnviron() []string {
	if len(s.opts.ProcessEnv) == 0 {
		return nil // exec's default: awsrun's own
	}
	return withEnv(os.Environ(), s.opts.ProcessEnv)
}

// withEnv returns base with every KEY=VALUE of over in place of base's KEY.
func withEnv(base, over []string) []string {
	if len(over) == 0 {
		return base
	}
	replaced := make(map[string]bool, len(over))
	for _, kv := range over {
		k, _, _ := strings.Cut(kv, "=")
		replaced[k] = true
	}
	env := make([]string, 0, len(base)+len(over))
	for _, kv := range base {
		if k, _, _ := strings.Cut(kv, "="); !replaced[k] {
			env = append(env, kv)
		}
	}
	return append(env, over...)
}
