package fakeaws

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// DefaultStartURL is the IAM Identity Center start URL of a staged world's [sso-session corp]
// when WorldOptions.StartURL is empty.
const DefaultStartURL = "https://corp.awsapps.com/start"

// WorldSSOSession is the sso-session of a staged world: its config section and the key of the
// cached SSO token.
const WorldSSOSession = "corp"

// passThroughEnv are variables a world's environment keeps from the caller's, so interpreters
// (pyenv, node) and the locale work in children.
var passThroughEnv = []string{"PYENV_ROOT", "PYENV_VERSION", "NODE_PATH", "LANG"}

// WorldOptions says what StageWorld puts in a fake HOME. The zero value is usable but holds
// no keys and no SSO login.
type WorldOptions struct {
	// AccessKeyID and SecretAccessKey are a long-term IAM user's keys: StageWorld registers
	// them with the server and writes them to ~/.aws/credentials under each of KeyProfiles.
	AccessKeyID, SecretAccessKey string
	// KeyProfiles are the ~/.aws/credentials sections holding the keys; nil means base and
	// static. The generated config has [profile role] (source_profile base) only when base is
	// among them, and [profile static] only when static is.
	KeyProfiles []string

	// SSOToken, when set, is the access token of an SSO login already done: StageWorld
	// registers it with the server and writes it to ~/.aws/sso/cache for sso-session corp.
	SSOToken string
	// TokenExpiry is when SSOToken expires, at the server and in the cache; zero means 8
	// hours after StageWorld is called.
	TokenExpiry time.Time
	// StartURL is the start URL of [sso-session corp] and of the cached token; "" means
	// DefaultStartURL.
	StartURL string
	// ClientID, ClientSecret and RefreshToken, when ClientID is set, are the OIDC client
	// registration of the login: StageWorld registers them with the server and puts them in
	// the cached token, registered for 90 days, so the token can be refreshed.
	ClientID, ClientSecret, RefreshToken string

	// RoleRegion is the region of [profile role]; "" means us-east-1.
	RoleRegion string
	// RoleDuration, when not zero, is the duration_seconds of [profile role].
	RoleDuration time.Duration
	// ExtraConfig is appended to the generated config.
	ExtraConfig string
	// Config, when set, is written as ~/.aws/config instead of WorldConfig(o).
	Config string
}

// keyProfiles is KeyProfiles with its default.
func (o WorldOptions) keyProfiles() []string {
	if o.KeyProfiles == nil {
		return []string{"base", "static"}
	}
	return o.KeyProfiles
}

func (o WorldOptions) startURL() string {
	if o.StartURL == "" {
		return DefaultStartURL
	}
	return o.StartURL
}

func (o WorldOptions) hasKeys(profile string) bool { return slices.Contains(o.keyProfiles(), profile) }

// WorldConfig is the ~/.aws/config StageWorld generates: [default] (region us-east-1),
// [profile sso] (account 111122223333, role Developer) on [sso-session corp], [profile role]
// (arn:aws:iam::123456789012:role/Deployer from base) when KeyProfiles has base, [profile
// static] when it has static, then o.ExtraConfig. o.Config is ignored.
func WorldConfig(o WorldOptions) string {
	var b strings.Builder
	b.WriteString(`[default]
region = us-east-1

[profile sso]
sso_session = ` + WorldSSOSession + `
sso_account_id = 111122223333
sso_role_name = Developer
region = us-east-1

[sso-session ` + WorldSSOSession + `]
sso_start_url = ` + o.startURL() + `
sso_region = us-east-1
sso_registration_scopes = sso:account:access
`)
	if o.hasKeys("base") {
		b.WriteString("\n[profile role]\nrole_arn = arn:aws:iam::123456789012:role/Deployer\nsource_profile = base\n")
		if o.RoleDuration != 0 {
			fmt.Fprintf(&b, "duration_seconds = %d\n", int64(o.RoleDuration/time.Second))
		}
		region := o.RoleRegion
		if region == "" {
			region = "us-east-1"
		}
		b.WriteString("region = " + region + "\n")
	}
	if o.hasKeys("static") {
		b.WriteString("\n[profile static]\nregion = us-east-1\n")
	}
	if o.ExtraConfig != "" {
		b.WriteString("\n" + o.ExtraConfig)
	}
	return b.String()
}

// World is a HOME staged by StageWorld.
type World struct {
	Home            string
	ConfigFile      string // Home/.aws/config
	CredentialsFile string // Home/.aws/credentials
	SSOCache        string // Home/.aws/sso/cache
	// Env is a whole environment for a process in the world: HOME, PATH (the caller's),
	// TMPDIR (Home), AWS_EC2_METADATA_DISABLED=true, s.EndpointEnv(), AWS_PAGER= (empty),
	// PYTHONUNBUFFERED=1, and PYENV_ROOT, PYENV_VERSION, NODE_PATH and LANG when the caller
	// has them.
	Env []string
}

// EndpointEnv points AWS clients at s: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_SSO and
// AWS_ENDPOINT_URL_SSO_OIDC, each set to s.URL().
func (s *Server) EndpointEnv() []string {
	return []string{
		"AWS_ENDPOINT_URL_STS=" + s.URL(),
		"AWS_ENDPOINT_URL_SSO=" + s.URL(),
		"AWS_ENDPOINT_URL_SSO_OIDC=" + s.URL(),
	}
}

// StageWorld makes home (an existing, throwaway directory) the HOME of a user of s, a started
// server: it registers o's keys, SSO token and client with s, writes ~/.aws/config,
// ~/.aws/credentials and the SSO token cache as `aws configure` and `aws sso login` would, and
// returns the paths and an environment for processes run there.
func StageWorld(home string, s *Server, o WorldOptions) (*World, error) {
	w := &World{
		Home:            home,
		ConfigFile:      filepath.Join(home, ".aws", "config"),
		CredentialsFile: filepath.Join(home, ".aws", "credentials"),
		SSOCache:        filepath.Join(home, ".aws", "sso", "cache"),
	}
	if err := os.MkdirAll(w.SSOCache, 0o700); err != nil {
		return nil, err
	}
	config := o.Config
	if config == "" {
		config = WorldConfig(o)
	}
	if err := os.WriteFile(w.ConfigFile, []byte(config), 0o600); err != nil {
		return nil, err
	}
	var creds []string
	for _, p := range o.keyProfiles() {
		creds = append(creds, fmt.Sprintf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", p, o.AccessKeyID, o.SecretAccessKey))
	}
	if err := os.WriteFile(w.CredentialsFile, []byte(strings.Join(creds, "\n")), 0o600); err != nil {
		return nil, err
	}
	if o.AccessKeyID != "" {
		s.AddUser(o.AccessKeyID, o.SecretAccessKey)
	}

	if o.SSOToken != "" {
		expires := o.TokenExpiry
		if expires.IsZero() {
			expires = time.Now().Add(8 * time.Hour)
		}
		tok := CachedToken{StartURL: o.startURL(), Region: "us-east-1", AccessToken: o.SSOToken, ExpiresAt: expires}
		if o.ClientID != "" {
			s.AddSSOClient(o.ClientID, o.ClientSecret, o.RefreshToken)
			tok.ClientID, tok.ClientSecret, tok.RefreshToken = o.ClientID, o.ClientSecret, o.RefreshToken
			tok.RegistrationExpiresAt = time.Now().Add(90 * 24 * time.Hour)
		}
		s.AddSSOAccessToken(o.SSOToken, expires)
		if _, err := WriteSSOTokenCache(w.SSOCache, WorldSSOSession, tok); err != nil {
			return nil, err
		}
	}

	w.Env = append([]string{
		"HOME=" + home,
		"PATH=" + os.Getenv("PATH"),
		"TMPDIR=" + home,
		"AWS_EC2_METADATA_DISABLED=true",
	}, s.EndpointEnv()...)
	w.Env = append(w.Env, "AWS_PAGER=", "PYTHONUNBUFFERED=1")
	for _, k := range passThroughEnv {
		if v, ok := os.LookupEnv(k); ok {
			w.Env = append(w.Env, k+"="+v)
		}
	}
	return w, nil
}
