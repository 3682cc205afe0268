package doctor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/internal/shellquote"
)

// configFiles parses the shared config and credentials files as awsrun and the SDKs read them.
func (d *doctor) configFiles() {
	const name = "config-files"
	files, err := creds.LoadFiles(d.configPath, d.credsPath)
	if err != nil {
		var pe *creds.ParseError
		if errors.As(err, &pe) {
			d.add(name, Fail, fmt.Sprintf("%s:%d: %s", d.tilde(pe.Path), pe.Line, pe.Msg),
				fmt.Sprintf("fix %s at line %d", d.tilde(pe.Path), pe.Line))
			return
		}
		d.add(name, Fail, err.Error(), "check the file's permissions: ls -l "+d.configPath+" "+d.credsPath)
		return
	}
	d.files = files
	var parts []string
	for _, f := range []struct{ path, env string }{{d.configPath, "AWS_CONFIG_FILE"}, {d.credsPath, "AWS_SHARED_CREDENTIALS_FILE"}} {
		s := d.tilde(f.path)
		if d.env[f.env] != "" {
			s += " (from " + f.env + ")"
		}
		if _, err := os.Stat(f.path); err != nil {
			s += " does not exist"
		}
		parts = append(parts, s)
	}
	n := len(files.Profiles())
	if n == 0 && d.env["AWS_ACCESS_KEY_ID"] == "" {
		d.add(name, Warn, strings.Join(parts, ", ")+": no profiles", "aws configure sso --profile NAME (IAM Identity Center) or aws configure --profile NAME (access keys)")
		return
	}
	d.add(name, OK, fmt.Sprintf("%s: parse, %s", strings.Join(parts, ", "), plural(n, "profile", "profiles")), "")
}

// profile says which profile and credential source awsrun would use, and why.
func (d *doctor) profile() {
	const name = "profile"
	if d.files == nil {
		d.add(name, Skip, "the config files do not parse", "")
		return
	}
	from := d.o.ProfileFrom
	if d.env["AWSRUN"] == "1" {
		// Inside awsrun every profile comes from the parent awsrun (its socket), not from the files.
		d.envKeys = true
		d.add(name, OK, fmt.Sprintf("running inside awsrun for profile %q: credentials come from the parent awsrun, not from a profile", d.env["AWSRUN_PROFILE"]), "")
		return
	}
	p, err := d.files.Lookup(d.o.Profile)
	if err != nil {
		if !d.o.ProfileExplicit && d.env["AWS_ACCESS_KEY_ID"] != "" {
			d.envKeys = true
			d.add(name, OK, fmt.Sprintf("no profile %q, so the keys in the environment are used (AWS_ACCESS_KEY_ID %s)", d.o.Profile, creds.Redact(d.env["AWS_ACCESS_KEY_ID"])), "")
			return
		}
		var nf *creds.ProfileNotFoundError
		fix := configureFix(d.o.Profile)
		if errors.As(err, &nf) && nf.Nearest() != "" {
			fix = shellquote.Join("awsrun", "doctor", "--profile", nf.Nearest())
		}
		d.add(name, Fail, fmt.Sprintf("%s (profile from %s)", err.Error(), from), fix)
		return
	}
	kind := p.Kind()
	if kind == "none" {
		d.add(name, Fail, fmt.Sprintf("profile %q (from %s) has no credential settings (sso_session, login_session, role_arn, credential_process or access keys) [%s]", p.Name, from, d.where(p.Name)),
			configureFix(p.Name))
		return
	}
	d.prof = p
	d.ssoRoot = d.findRoot(p, "sso")
	d.loginRoot = d.findRoot(p, "login")
	d.add(name, OK, fmt.Sprintf("%q (from %s): %s [%s]", p.Name, from, d.describe(p, 0), d.where(p.Name)), "")
}

// maxChain bounds source_profile walks: a loop in the user's files must not hang doctor.
const maxChain = 10

// describe names a profile's credential source the way the SDK picks it, including what it
// overrides in the same profile.
func (d *doctor) describe(p *creds.Profile, depth int) string {
	k := p.Keys
	var s string
	switch p.Kind() {
	case "assume-role":
		s = "assume role " + k["role_arn"]
		switch {
		case k["source_profile"] != "":
			s += fmt.Sprintf(" from profile %q", k["source_profile"])
			if depth < maxChain && k["source_profile"] != p.Name {
				if src, err := d.files.Lookup(k["source_profile"]); err == nil {
					s += " (" + d.describe(src, depth+1) + ")"
				}
			}
		default:
			s += " with credential_source " + k["credential_source"]
		}
		if k["mfa_serial"] != "" {
			s += ", MFA " + k["mfa_serial"]
		}
		if k["duration_seconds"] != "" {
			s += ", duration_seconds " + k["duration_seconds"]
		}
	case "web-identity":
		s = "web identity token " + k["web_identity_token_file"] + " for " + k["role_arn"]
	case "static":
		s = "access key " + creds.Redact(k["aws_access_key_id"])
		if depth == 0 {
			s += ", traded for session credentials (--no-session serves it as is)"
		}
	case "sso":
		if sess := k["sso_session"]; sess != "" {
			s = fmt.Sprintf("IAM Identity Center via sso-session %q", sess)
		} else {
			s = "IAM Identity Center (legacy settings without sso-session)"
		}
		s += fmt.Sprintf(", account %s, role %s", orDash(k["sso_account_id"]), orDash(k["sso_role_name"]))
	case "login":
		s = "aws login session for " + p.LoginSession()
	case "process":
		// Only the program: its arguments are the user's business and might hold a secret.
		fields := strings.Fields(k["credential_process"])
		prog := ""
		if len(fields) > 0 {
			prog = filepath.Base(strings.Trim(fields[0], `"'`))
		}
		s = "credential_process " + prog
	}
	if depth == 0 {
		if ignored := shadowedSettings(p); ignored != "" {
			s += "; " + ignored
		}
	}
	return s
}

// shadowedSettings explains settings in the same profile that the SDK's order makes it ignore.
func shadowedSettings(p *creds.Profile) string {
	k := p.Keys
	var others []string
	kind := p.Kind()
	if kind != "static" && kind != "assume-role" && k["aws_access_key_id"] != "" {
		others = append(others, "access keys")
	}
	if kind != "sso" && (k["sso_session"] != "" || k["sso_start_url"] != "") && kind != "assume-role" {
		others = append(others, "SSO settings")
	}
	if kind != "login" && k["login_session"] != "" && kind != "assume-role" {
		others = append(others, "login_session")
	}
	if kind != "process" && k["credential_process"] != "" {
		others = append(others, "credential_process")
	}
	if len(others) == 0 {
		return ""
	}
	return strings.Join(others, " and ") + " in the same profile are ignored: " + kind + " comes first in the SDKs' order"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// where is file:line of a profile's sections.
func (d *doctor) where(profile string) string {
	var locs []string
	sec := d.files.Config.Section("profile " + profile)
	if sec == nil && profile == "default" {
		sec = d.files.Config.Section("default")
	}
	if sec != nil {
		locs = append(locs, d.tilde(d.files.Config.Path)+":"+strconv.Itoa(sec.Line))
	}
	if sec := d.files.Credentials.Section(profile); sec != nil {
		locs = append(locs, d.tilde(d.files.Credentials.Path)+":"+strconv.Itoa(sec.Line))
	}
	return strings.Join(locs, ", ")
}

// findRoot follows source_profile to the profile of kind ("sso", "login") the chain starts at,
// if it starts at one.
func (d *doctor) findRoot(p *creds.Profile, kind string) *creds.Profile {
	for range maxChain {
		switch p.Kind() {
		case kind:
			return p
		case "assume-role":
			next := p.Keys["source_profile"]
			if next == "" || next == p.Name {
				return nil
			}
			np, err := d.files.Lookup(next)
			if err != nil {
				return nil
			}
			p = np
		default:
			return nil
		}
	}
	return nil
}
