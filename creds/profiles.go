package creds

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Files holds the user's shared config and credentials files as awsrun read them.
type Files struct {
	Config      *File
	Credentials *File
}

// Paths returns the config and credentials file paths the AWS CLI would use, honouring
// AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE.
func Paths(getenv func(string) string) (config, credentials string) {
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	config = getenv("AWS_CONFIG_FILE")
	if config == "" {
		config = filepath.Join(home, ".aws", "config")
	}
	credentials = getenv("AWS_SHARED_CREDENTIALS_FILE")
	if credentials == "" {
		credentials = filepath.Join(home, ".aws", "credentials")
	}
	return expandHome(config, home), expandHome(credentials, home)
}

func expandHome(p, home string) string {
	if p == "~" {
		return home
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:])
	}
	return p
}

// LoadFiles parses both files; a malformed file is a *ParseError naming file and line.
func LoadFiles(configPath, credentialsPath string) (*Files, error) {
	cfg, err := ReadFile(configPath)
	if err != nil {
		return nil, err
	}
	cr, err := ReadFile(credentialsPath)
	if err != nil {
		return nil, err
	}
	return &Files{Config: cfg, Credentials: cr}, nil
}

// ProfileNotFoundError lists the profiles that do exist, so the user can pick one.
type ProfileNotFoundError struct {
	Name      string
	Available []string
	Files     []string
}

func (e *ProfileNotFoundError) Error() string {
	if len(e.Available) == 0 {
		return fmt.Sprintf("profile %q not found: no profiles in %s", e.Name, strings.Join(e.Files, " or "))
	}
	return fmt.Sprintf("profile %q not found; profiles that exist: %s", e.Name, strings.Join(e.Available, ", "))
}

// ErrNoProfile is wrapped by ProfileNotFoundError so callers can test with errors.Is.
var ErrNoProfile = errors.New("profile not found")

func (e *ProfileNotFoundError) Unwrap() error { return ErrNoProfile }

// configSection returns the config-file section of a profile: [profile NAME], or [default].
func (f *Files) configSection(name string) *Section {
	if s := f.Config.Section("profile " + name); s != nil {
		return s
	}
	if name == "default" {
		return f.Config.Section("default")
	}
	return nil
}

// Has reports whether a profile exists in either file.
func (f *Files) Has(name string) bool {
	return f.configSection(name) != nil || f.Credentials.Section(name) != nil
}

// Profiles lists every profile name in both files, sorted.
func (f *Files) Profiles() []string {
	seen := map[string]bool{}
	for _, s := range f.Config.Sections {
		switch {
		case s.Name == "default":
			seen["default"] = true
		case strings.HasPrefix(s.Name, "profile "):
			seen[strings.TrimPrefix(s.Name, "profile ")] = true
		}
	}
	for _, s := range f.Credentials.Sections {
		seen[s.Name] = true
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Lookup returns a profile's merged keys (credentials file wins for keys, as in the SDKs),
// or a *ProfileNotFoundError.
func (f *Files) Lookup(name string) (*Profile, error) {
	cs, ks := f.configSection(name), f.Credentials.Section(name)
	if cs == nil && ks == nil {
		return nil, &ProfileNotFoundError{Name: name, Available: f.Profiles(), Files: []string{f.Config.Path, f.Credentials.Path}}
	}
	p := &Profile{Name: name, Keys: map[string]string{}, files: f, config: cs}
	if cs != nil {
		for k, v := range cs.Keys {
			p.Keys[k] = v
		}
	}
	if ks != nil {
		for k, v := range ks.Keys {
			p.Keys[k] = v
		}
	}
	return p, nil
}

// Profile is one resolved profile's settings.
type Profile struct {
	Name   string
	Keys   map[string]string
	files  *Files
	config *Section
}

// Files returns the user's files the profile was looked up in (nil for a zero Profile): what
// Files.ChildWorldConfig renders the child's other profiles from.
func (p *Profile) Files() *Files { return p.files }

// Kind names the credential source the SDK will use for a profile, in the SDK's order.
func (p *Profile) Kind() string {
	k := p.Keys
	switch {
	case k["role_arn"] != "" && k["source_profile"] != "":
		return "assume-role"
	case k["role_arn"] != "" && k["credential_source"] != "":
		return "assume-role"
	case k["role_arn"] != "" && k["web_identity_token_file"] != "":
		return "web-identity"
	case k["aws_access_key_id"] != "":
		return "static"
	case k["sso_session"] != "" || k["sso_start_url"] != "":
		return "sso"
	case k["login_session"] != "":
		return "login"
	case k["credential_process"] != "":
		return "process"
	}
	return "none"
}

// MissingSSO lists what an SSO profile lacks before AWS can be asked for its role credentials
// (the SDK would refuse it with the same list): nil for a complete one or a profile without SSO.
func (p *Profile) MissingSSO() []string {
	if p.Kind() != "sso" {
		return nil
	}
	var missing []string
	need := func(keys map[string]string, where string, names ...string) {
		for _, n := range names {
			if keys[n] == "" {
				missing = append(missing, where+n)
			}
		}
	}
	need(p.Keys, "", "sso_account_id", "sso_role_name")
	if name := p.Keys["sso_session"]; name != "" {
		sec := p.files.Config.Section("sso-session " + name)
		if sec == nil {
			return append(missing, "[sso-session "+name+"]")
		}
		need(sec.Keys, "[sso-session "+name+"] ", "sso_start_url", "sso_region")
		return missing
	}
	need(p.Keys, "", "sso_region")
	return missing
}

// SSOCacheKey returns what names the SSO token cache file: the sso-session name, or the start
// URL for legacy SSO profiles; empty when the profile does not use SSO.
func (p *Profile) SSOCacheKey() string {
	if s := p.Keys["sso_session"]; s != "" {
		return s
	}
	return p.Keys["sso_start_url"]
}

// childSettings are the settings a child may keep: everything that shapes requests but nothing
// that selects or holds credentials, so the child's SDK falls through to awsrun's endpoint.
var childSettings = map[string]bool{
	"region": true, "output": true, "retry_mode": true, "max_attempts": true, "ca_bundle": true,
	"endpoint_url": true, "services": true, "cli_pager": true, "defaults_mode": true,
	"sts_regional_endpoints": true, "s3": true, "parameter_validation": true,
	"cli_timestamp_format": true, "cli_follow_urlparam": true, "cli_binary_format": true,
	"cli_auto_prompt": true, "cli_history": true, "use_fips_endpoint": true,
	"use_dualstack_endpoint": true, "ignore_configured_endpoint_urls": true, "tcp_keepalive": true,
	"request_checksum_calculation": true, "response_checksum_validation": true,
	"sigv4a_signing_region_set": true, "account_id_endpoint_mode": true,
	"disable_request_compression": true, "request_min_compression_size_bytes": true,
	"api_versions": true, "metadata_service_timeout": true, "metadata_service_num_attempts": true,
	"auth_scheme_preference": true,
}

// ChildConfig renders the config file the child sees: the profile's non-credential settings
// under [default] (region overridden when given), plus the [services NAME] block it refers to.
// A value that would not stay one value on one line (a line break, a NUL, a region that is not
// a region name) is refused with an *UnsafeValueError: never a file that says something else.
func (p *Profile) ChildConfig(region string) ([]byte, error) {
	w := &configWriter{section: "default"}
	w.b.WriteString("# Written by awsrun for its child; removed when awsrun exits.\n[default]\n")
	if svc := p.writeSettings(w, region); svc != "" {
		p.files.writeServices(w, svc)
	}
	if w.err != nil {
		return nil, w.err
	}
	return []byte(w.b.String()), nil
}

// writeSettings writes the profile's child settings into the current section, region replaced
// by region when given (and added when the profile has none), and returns the name of the
// [services NAME] block the profile refers to, or "".
func (p *Profile) writeSettings(w *configWriter, region string) string {
	wroteRegion := false
	if p.config != nil {
		for _, k := range p.config.order {
			if !childSettings[k] {
				continue
			}
			v := p.config.Keys[k]
			if k == "region" {
				wroteRegion = true
				if region != "" {
					v = region
				}
			}
			w.setting(k, v, p.config.Nested[k])
		}
	}
	if !wroteRegion && region != "" {
		w.setting("region", region, nil)
	}
	if p.config == nil {
		return ""
	}
	return p.config.Keys["services"]
}

// writeServices writes the [services NAME] block of the user's config, when there is one.
func (f *Files) writeServices(w *configWriter, name string) {
	if f == nil {
		return
	}
	s := f.Config.Section("services " + name)
	if s == nil {
		return
	}
	w.header("services " + name)
	for _, k := range s.order {
		w.setting(k, s.Keys[k], s.Nested[k])
	}
}

// configWriter writes config lines, checking each value; the first bad one is kept in err.
type configWriter struct {
	b       strings.Builder
	section string
	err     error
}

func (w *configWriter) fail(setting, problem string) {
	if w.err == nil {
		w.err = &UnsafeValueError{Section: w.section, Setting: setting, Problem: problem}
	}
}

func (w *configWriter) header(name string) {
	w.section = name
	if p := valueProblem(name); p != "" {
		w.fail("(section name)", p)
	} else if strings.ContainsAny(name, "[]") {
		w.fail("(section name)", "it holds a bracket")
	}
	fmt.Fprintf(&w.b, "\n[%s]\n", name)
}

// setting writes "key = value", or, for an empty value with sub-properties, the key and its
// indented sub-properties.
func (w *configWriter) setting(k, v string, nested map[string]string) {
	if problem := valueProblem(k); problem != "" {
		w.fail("(a setting name)", problem)
		return
	}
	problem := valueProblem(v)
	if problem == "" && k == "region" && v != "" && w.section == "default" {
		problem = RegionProblem(v)
	}
	if problem != "" {
		w.fail(k, problem)
		return
	}
	if v == "" && nested != nil {
		fmt.Fprintf(&w.b, "%s =\n", k)
		for _, nk := range sortedKeys(nested) {
			if p := valueProblem(nk); p != "" {
				w.fail(k+".(a sub-setting name)", p)
				return
			}
			if p := valueProblem(nested[nk]); p != "" {
				w.fail(k+"."+nk, p)
				return
			}
			fmt.Fprintf(&w.b, "  %s = %s\n", nk, nested[nk])
		}
		return
	}
	fmt.Fprintf(&w.b, "%s = %s\n", k, v)
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
