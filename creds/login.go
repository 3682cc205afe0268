package creds

import (
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// sdkLoginTokenPath is the cache the SDK reads for session: the same environment variable and
// home directory as config's own resolver.
func sdkLoginTokenPath(session string) string {
	p, err := logincreds.StandardCachedTokenFilepath(session, os.Getenv("AWS_LOGIN_CACHE_DIRECTORY"))
	if err != nil {
		return ""
	}
	return p
}

// openLogin prepares an `aws login` profile, or a role whose source_profile chain starts at
// one: awsrun's provider (see loginProvider) for the login, and the roles on top of it.
func (s *Source) openLogin(files *Files, cfg aws.Config) (aws.CredentialsProvider, bool) {
	if s.profile == nil {
		return nil, false
	}
	root := loginRoot(files, s.profile)
	if root == nil {
		return nil, false
	}
	s.loginRoot, s.loginPath = root.Name, sdkLoginTokenPath(root.LoginSession())
	login := newLoginProvider(root.Name, s.loginPath, cfg)
	if root == s.profile {
		return login, true
	}
	return s.loginChain(files, cfg, login), true
}

// loginChain assumes the roles from the login profile up to the chosen profile. The SDK's
// config (1.33.x) refuses a login_session profile as a source_profile ("failed to load assume
// role ... of profile P": its SharedConfig.hasCredentials does not count login_session), so
// awsrun links the SDK's own providers itself: logincreds (through loginProvider) for the
// source, stscreds for each role, with the settings the SDK would apply.
func (s *Source) loginChain(files *Files, cfg aws.Config, login *loginProvider) aws.CredentialsProvider {
	var hops []*Profile // the chosen profile first, the login profile's direct user last
	for p := s.profile; p.Kind() == "assume-role" && len(hops) < 16; {
		hops = append(hops, p)
		next, err := files.Lookup(p.Keys["source_profile"])
		if err != nil {
			break
		}
		p = next
	}
	// The source credentials are renewed only when they near their end: AssumeRole only needs
	// them to be valid when it is signed.
	var prov aws.CredentialsProvider = aws.NewCredentialsCache(login, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = time.Minute })
	for i := len(hops) - 1; i >= 0; i-- {
		hop := hops[i]
		roleCfg := cfg.Copy()
		roleCfg.Credentials = prov
		role := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(roleCfg), hop.Keys["role_arn"], func(o *stscreds.AssumeRoleOptions) {
			o.Duration = s.opts.Duration
			if v, err := strconv.Atoi(hop.Keys["duration_seconds"]); err == nil && v >= 900 {
				o.Duration = time.Duration(v) * time.Second
			}
			o.RoleSessionName = hop.Keys["role_session_name"]
			if o.RoleSessionName == "" {
				o.RoleSessionName = "awsrun-" + strconv.FormatInt(time.Now().Unix(), 10)
			}
			if x := hop.Keys["external_id"]; x != "" {
				o.ExternalID = aws.String(x)
			}
			if serial := hop.Keys["mfa_serial"]; serial != "" {
				o.SerialNumber = aws.String(serial)
				o.TokenProvider = s.tokenFunc(hop)
			}
		})
		if i == 0 {
			return role // Source's own cache wraps the top
		}
		prov = aws.NewCredentialsCache(role)
	}
	return prov
}

// LoginTokenPath is the token cache of the `aws login` session the profile's credentials come
// from, directly or as a role's source; "" when they do not come from one.
func (s *Source) LoginTokenPath() string { return s.loginPath }

// LoginProfile is the `aws login` profile the credentials come from (the one to run
// `aws login --profile` for); "" when they do not come from one.
func (s *Source) LoginProfile() string { return s.loginRoot }

// classifyLogin is classify that first keeps the errors awsrun's login provider has already
// sorted, and names an ended session the login profile's to renew.
func (s *Source) classifyLogin(err error) error {
	var lr *LoginRequiredError
	if errors.As(err, &lr) {
		return lr
	}
	if s.loginRoot != "" && loginEnded(err) {
		return &LoginRequiredError{Profile: s.loginRoot, Err: err, Login: true}
	}
	var ae *AccessError
	if errors.As(err, &ae) && s.loginRoot != "" {
		return ae
	}
	return s.classify(err)
}
