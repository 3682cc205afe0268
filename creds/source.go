package creds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
)

// DefaultDuration is the session length awsrun asks for: stscreds would otherwise ask for 15
// minutes, which leaves no room for the clients' own 5-15 minute refresh windows.
const DefaultDuration = time.Hour

// Options says which credentials to resolve and how.
type Options struct {
	// Profile is the profile to resolve; empty means the SDK's environment chain
	// (AWS_ACCESS_KEY_ID and friends) because no profile exists.
	Profile string
	// Region overrides the profile's region (flag or AWS_REGION).
	Region string
	// ConfigFile and CredentialsFile are the user's shared files.
	ConfigFile, CredentialsFile string
	// Duration is the assume-role session length when the profile sets no duration_seconds.
	Duration time.Duration
	// NoSession serves long-term keys as they are instead of trading them for
	// GetSessionToken credentials.
	NoSession bool
	// MFAToken asks the user for a code when a profile has mfa_serial; nil makes such profiles fail.
	MFAToken func() (string, error)
	// CABundle is AWS_CA_BUNDLE when the caller took it out of the process environment so the
	// SDK does not parse it at load; it is read on the first request instead.
	CABundle string
	// ProcessEnv are KEY=VALUE variables that replace awsrun's own for every program this
	// resolution runs (credential_process, mfa_process): awsrun's recursion guard, which must name
	// the profile being resolved, not whatever else the same awsrun process resolves meanwhile.
	ProcessEnv []string
	// ProcessStderr takes a credential_process's standard error; nil leaves it awsrun's own.
	ProcessStderr io.Writer
	// OnServerTime, when set, is told AWS's clock after every response from AWS (the SDK's own
	// SSO, OIDC and STS calls included): the response's Date header, and the local clock just
	// before the request went out and just after the answer came. It may be called concurrently.
	OnServerTime func(server, sent, received time.Time)
}

// Source resolves a profile's credentials with the AWS SDK for Go v2, exactly as the AWS CLI would.
type Source struct {
	opts    Options
	profile *Profile
	cfg     aws.Config
	cache   *aws.CredentialsCache
	mfa     bool // the MFA session-token chain is in use (see mfaChain)
	// loginRoot is the `aws login` profile the chain starts at ("" for none) and loginPath its
	// token cache (see login.go).
	loginRoot, loginPath string
	// roleOptions is what awsrun sets on every AssumeRole of the SDK's chain (see processChain).
	roleOptions func(*stscreds.AssumeRoleOptions)

	// mu makes Retrieve's invalidate-then-fetch atomic; the caller collapses concurrent demand.
	mu sync.Mutex
}

// Open loads the SDK configuration for the profile; it does not contact AWS.
func Open(ctx context.Context, files *Files, o Options) (*Source, error) {
	if o.Duration <= 0 {
		o.Duration = DefaultDuration
	}
	s := &Source{opts: o}
	s.roleOptions = func(ar *stscreds.AssumeRoleOptions) {
		// config only applies duration_seconds above 15 minutes; anything unset gets a full hour.
		if ar.Duration == 0 {
			ar.Duration = o.Duration
		}
		if ar.RoleSessionName == "" {
			ar.RoleSessionName = "awsrun-" + strconv.FormatInt(time.Now().Unix(), 10)
		}
		if s.profile != nil {
			ar.TokenProvider = s.tokenFunc(s.profile)
		} else if o.MFAToken != nil {
			ar.TokenProvider = o.MFAToken
		}
	}
	loadOpts := []func(*config.LoadOptions) error{
		config.WithSharedConfigFiles([]string{o.ConfigFile}),
		config.WithSharedCredentialsFiles([]string{o.CredentialsFile}),
		config.WithAssumeRoleCredentialOptions(s.roleOptions),
	}
	if o.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(o.Region))
	}
	if o.OnServerTime != nil {
		loadOpts = append(loadOpts, config.WithAPIOptions([]func(*middleware.Stack) error{serverTimeOption(o.OnServerTime)}))
	}
	if o.Profile != "" {
		p, err := files.Lookup(o.Profile)
		if err != nil {
			return nil, err
		}
		if p.Kind() == "none" {
			return nil, &IncompleteProfileError{Profile: o.Profile}
		}
		if missing := p.MissingSSO(); len(missing) > 0 {
			return nil, &IncompleteProfileError{Profile: o.Profile, Missing: missing}
		}
		if err := p.CheckChildSettings(); err != nil {
			return nil, err
		}
		s.profile = p
		rememberKeys(files, p)
		loadOpts = append(loadOpts, config.WithSharedConfigProfile(o.Profile))
		if root := loginRoot(files, p); root != nil && root != p {
			// See loginChain: the SDK loads the login profile, awsrun adds the roles.
			loadOpts = append(loadOpts[:len(loadOpts)-1], config.WithSharedConfigProfile(root.Name))
			if region := p.Keys["region"]; o.Region == "" && region != "" {
				loadOpts = append(loadOpts, config.WithRegion(region))
			}
		}
	}
	if o.CABundle != "" {
		if s.profile != nil && s.profile.Keys["ca_bundle"] != "" {
			// The environment wins over the profile's ca_bundle, as in the SDK; only the SDK's
			// own (eager) option outranks the profile.
			b, err := os.ReadFile(o.CABundle)
			if err != nil {
				return nil, fmt.Errorf("read the CA bundle named by AWS_CA_BUNDLE: %w", err)
			}
			loadOpts = append(loadOpts, config.WithCustomCABundle(bytes.NewReader(b)))
		} else {
			loadOpts = append(loadOpts, config.WithHTTPClient(&lazyCAClient{path: o.CABundle}))
		}
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		var notExist config.SharedConfigProfileNotExistError
		if errors.As(err, &notExist) {
			nf := &ProfileNotFoundError{Name: o.Profile, Available: files.Profiles(), Files: []string{o.ConfigFile, o.CredentialsFile}}
			if notExist.Profile != "" && notExist.Profile != o.Profile {
				// The profile exists; the one it names as source_profile does not.
				nf.Name = notExist.Profile
				return nil, fmt.Errorf("load profile %q: source_profile: %w", o.Profile, nf)
			}
			return nil, nf
		}
		var noMFA config.AssumeRoleTokenProviderNotSetError
		if errors.As(err, &noMFA) {
			return nil, &MFARequiredError{Profile: o.Profile}
		}
		return nil, fmt.Errorf("load profile %q: %w", o.Profile, described{err})
	}
	s.cfg = cfg
	if login, ok := s.openLogin(files, cfg); ok {
		s.cache = aws.NewCredentialsCache(login)
		return s, nil
	}
	if chain, ok := s.mfaChain(files, cfg); ok {
		s.cache, s.mfa = aws.NewCredentialsCache(chain), true
		return s, nil
	}
	if chain, ok := s.processChain(cfg); ok {
		s.cache = aws.NewCredentialsCache(chain)
		return s, nil
	}
	cache, ok := cfg.Credentials.(*aws.CredentialsCache)
	if !ok {
		cache = aws.NewCredentialsCache(cfg.Credentials)
	}
	s.cache = cache
	return s, nil
}

// rememberKeys hands the keys written in the profile and along its source_profile chain to
// Scrub: long-term keys behind a role or an MFA session never pass through Retrieve.
func rememberKeys(files *Files, p *Profile) {
	for n := 0; p != nil && n < 16; n++ {
		Remember(aws.Credentials{AccessKeyID: p.Keys["aws_access_key_id"], SecretAccessKey: p.Keys["aws_secret_access_key"], SessionToken: p.Keys["aws_session_token"]})
		src := p.Keys["source_profile"]
		if src == "" || src == p.Name {
			return
		}
		p, _ = files.Lookup(src)
	}
}

// Region is the region the SDK resolved (flag, env, then profile); may be empty.
func (s *Source) Region() string { return s.cfg.Region }

// Profile is the resolved profile, nil in environment mode.
func (s *Source) Profile() *Profile { return s.profile }

// Local reports whether Retrieve answers without a request to AWS or a process of its own:
// a profile's long-term keys served as they are (--no-session, no MFA).
func (s *Source) Local() bool {
	return s.profile != nil && s.profile.Kind() == "static" && s.opts.NoSession && !s.mfa
}

// Retrieve fetches new credentials from upstream, bypassing the SDK's cache, so awsrun decides
// when to renew. The returned Expires is the true upstream expiry.
func (s *Source) Retrieve(ctx context.Context) (aws.Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cache.Invalidate()
	c, err := s.cache.Retrieve(ctx)
	if err != nil {
		return aws.Credentials{}, s.classifyLogin(err)
	}
	Remember(c)
	if !c.CanExpire && !s.opts.NoSession && !s.mfa {
		return s.sessionToken(ctx, c)
	}
	return c, nil
}

// sessionToken trades long-term keys for session credentials, as aws-vault does, so the child
// never holds keys that stay valid after awsrun exits.
func (s *Source) sessionToken(ctx context.Context, long aws.Credentials) (aws.Credentials, error) {
	cfg := s.cfg.Copy()
	cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return long, nil })
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	out, err := sts.NewFromConfig(cfg).GetSessionToken(ctx, &sts.GetSessionTokenInput{
		DurationSeconds: aws.Int32(int32(s.opts.Duration / time.Second)),
	})
	if err != nil {
		return aws.Credentials{}, s.classify(fmt.Errorf("get session token: %w", err))
	}
	c := out.Credentials
	sc := aws.Credentials{
		AccessKeyID:     aws.ToString(c.AccessKeyId),
		SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken:    aws.ToString(c.SessionToken),
		CanExpire:       true,
		Expires:         aws.ToTime(c.Expiration),
		Source:          "GetSessionToken",
		AccountID:       long.AccountID,
	}
	Remember(sc)
	return sc, nil
}
