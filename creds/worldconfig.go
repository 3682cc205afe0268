package creds

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"unicode"
)

// The child keeps the user's whole AWS world: its config has [default] (the profile awsrun
// serves through the endpoint) and a [profile NAME] for every profile of the user's files,
// each with its own non-credential settings and a credential_process that asks awsrun for it.
// A profile the --profiles filter refuses still gets a section, one that fails in every SDK:
// a profile the child's SDK cannot find is not an error everywhere, the JS SDK v3 moves on to
// the container endpoint and acts as awsrun's profile, silently.

// WorldOptions are the inputs of Files.ChildWorldConfig besides the user's files.
type WorldOptions struct {
	// Chosen is the profile awsrun serves as the child's [default]; nil when there is none
	// (the [default] then holds the region only).
	Chosen *Profile
	// Region, when set, replaces the chosen profile's region in [default].
	Region string
	// Executable is awsrun's absolute path, run by the child's SDKs as credential_process.
	Executable string
	// Filter says which profiles the child may use; its zero value allows all.
	Filter ProfileFilter
}

// WorldConfig is the child's config file and what was left out of it.
type WorldConfig struct {
	Data []byte
	// Skipped lists the user's profiles that have no section, with why: for a warning.
	Skipped []SkippedProfile
	// Unusable lists the profiles whose settings cannot be copied (a control character in a
	// value, say), with why: for a warning. Their section fails in every SDK, as a refused one.
	Unusable []SkippedProfile
	// Allowed and Refused name the profiles with a working and a failing section, sorted.
	Allowed, Refused []string
}

// SkippedProfile is a profile of the user's files that the child cannot use, and why.
type SkippedProfile struct {
	Name   string
	Reason string
}

func (s SkippedProfile) String() string { return fmt.Sprintf("profile %q: %s", s.Name, s.Reason) }

// ChildWorldConfig renders the config file the child sees in endpoint mode: [default] exactly as
// Profile.ChildConfig writes it, then, for every profile of the user's config and credentials
// files, a [profile NAME] with the profile's own non-credential settings and
//
//	credential_process = 'AWSRUN' export --profile 'NAME' --format credential-process
//
// or, for a profile the filter refuses, a section that makes every SDK fail with a message
// naming --profiles (see failingSettings). The [services NAME] blocks the profiles refer to
// follow, once each. A name with whitespace, a quote or a backslash gets its section twice,
// under a second header that botocore reads as the name (see botocoreHeaderName); a name no
// header can carry ('#', ';', a bracket, a control character, "default", "__proto__") is left
// out and listed in Skipped. A profile whose settings cannot be copied gets a failing section
// and is listed in Unusable: one broken profile does not stop awsrun, and does not let the child's
// SDK fall through to the endpoint either. A value of the chosen profile that cannot be
// written is an *UnsafeValueError (cmd/awsrun checks it first, with CheckChildSettings).
func (f *Files) ChildWorldConfig(o WorldOptions) (*WorldConfig, error) {
	chosen := o.Chosen
	if chosen == nil {
		chosen = &Profile{files: f}
	}
	exe, err := quotedExecutable(o.Executable)
	if err != nil {
		return nil, err
	}
	w := &configWriter{section: "default"}
	w.b.WriteString("# Written by awsrun for its child; removed when awsrun exits.\n" +
		"# [default] is served by awsrun's endpoint; each [profile NAME] asks awsrun for NAME.\n[default]\n")
	services := []string{}
	seen := map[string]bool{}
	addServices := func(name string) {
		if name != "" && !seen[name] {
			seen[name] = true
			services = append(services, name)
		}
	}
	addServices(chosen.writeSettings(w, o.Region))

	index := map[string]*Section{}
	for _, s := range f.Config.Sections {
		if name, ok := strings.CutPrefix(s.Name, "profile "); ok && index[name] == nil {
			index[name] = s // the first, as Lookup finds it
		}
	}
	out := &WorldConfig{}
	names := f.Profiles()
	user := make(map[string]bool, len(names))
	for _, name := range names {
		user[name] = true
	}
	for _, name := range names {
		if reason := profileNameProblem(name); reason != "" {
			out.Skipped = append(out.Skipped, SkippedProfile{Name: name, Reason: reason})
			continue
		}
		// Only the config file's section has settings a child keeps; indexed, so 200 profiles
		// cost 200 lookups, not 200 scans of the file.
		p := &Profile{Name: name, files: f, config: index[name]}
		w.header("profile " + name)
		body := w.b.Len()
		if err := p.CheckChildSettings(); err != nil {
			// The reason names the file, line and setting, never the value.
			out.Unusable = append(out.Unusable, SkippedProfile{Name: name, Reason: "its settings cannot be copied: " + err.Error()})
			for _, kv := range failingSettings(name, o.Executable, "awsrun could not copy its settings (see the warning awsrun logged)") {
				w.setting(kv[0], kv[1], nil)
			}
		} else {
			addServices(p.writeSettings(w, ""))
			if o.Filter.Allows(name, chosen.Name) {
				// The line ends unquoted: the Go SDK strips quotes that open and close a value.
				w.setting("credential_process", exe+" export --profile "+shellQuote(name)+" --format credential-process", nil)
				out.Allowed = append(out.Allowed, name)
			} else {
				for _, kv := range failingSettings(name, o.Executable, "it is outside --profiles") {
					w.setting(kv[0], kv[1], nil)
				}
				out.Refused = append(out.Refused, name)
			}
		}
		// The same section again under the header botocore reads as the name, unless that
		// header, read literally (as the Go SDK does), is one of the user's own profiles: two
		// sections with one header break botocore's whole file.
		if alias := botocoreHeaderName(name); alias != "" && !user[alias] {
			section := w.b.String()[body:]
			w.header("profile " + alias)
			w.b.WriteString(section)
		}
	}
	for _, s := range services {
		f.writeServices(w, s)
	}
	if w.err != nil {
		return nil, w.err
	}
	out.Data = []byte(w.b.String())
	return out, nil
}

// profileNameProblem says why a profile cannot have a [profile NAME] section in the child's
// config, or "". The SDKs' parsers differ on spaces and quotes (see botocoreHeaderName), but
// one of them or another cuts a header at '#' or ';', stops it at a bracket, trims the
// whitespace around a name or ends the line at a control character; the child's [default] is
// the chosen profile, and the JS SDK v3 refuses the whole file when it names __proto__.
func profileNameProblem(name string) string {
	switch {
	case name == "default":
		return "the child's [default] is the profile awsrun serves, so a second default would be ambiguous"
	case name == "__proto__":
		return "the JS SDK v3 refuses the whole config file when it holds this name"
	case strings.TrimSpace(name) != name:
		return "the SDKs drop the whitespace around a section's name, so they would read another name"
	case strings.ContainsAny(name, "#;"):
		return "the Go and JS SDKs cut a section header at '#' or ';', so they would read another name"
	case strings.ContainsAny(name, "[]"):
		return "a section header cannot hold a bracket"
	}
	for _, r := range name {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "its name holds a control character or a line break, which no section header can carry"
		}
	}
	return ""
}

// botocoreHeaderName returns the name of a second header for profile name, one botocore reads
// as name, or "" when "[profile NAME]" is already read as name by every SDK that can read it.
// The Go SDK takes the rest of the header after "profile " as it is: "[profile my prof]" is
// "my prof", "[profile it's]" is "it's". botocore splits the header with shlex and keeps it
// only when it makes exactly two words: "[profile my prof]" is three and "[profile it's]" an
// unclosed quote, both ignored, while "[profile 'my prof']" is "my prof" (and "'my prof'" for
// the Go SDK, a name nobody asks for). A name without whitespace, quotes or backslashes is one
// shlex word, read as it is. So a name with whitespace, a quote or a backslash gets
// both headers, over the same settings. The JS SDK v3 (@smithy/core parseIni) reads only names
// of ASCII letters, digits and _-@+.%:/ and ignores either header, as it ignores such a profile
// in the user's own files: asked for it, it falls through to the next provider.
func botocoreHeaderName(name string) string {
	if !strings.ContainsAny(name, " \t'\"\\") {
		return ""
	}
	return shellQuote(name)
}

// quotedExecutable returns awsrun's path quoted for credential_process. botocore splits the
// line shlex-style (no shell) and the Go and JS SDKs run it with sh -c; single quotes (a
// quote inside closes them, is escaped with a backslash, and reopens them) mean the same in
// all three. Whitespace followed by '#' or ';' would start a comment for the Go and JS SDKs'
// parsers, so such a path is refused.
func quotedExecutable(path string) (string, error) {
	fail := func(problem string) error {
		return &UnsafeValueError{Section: "profile *", Setting: "credential_process", Problem: "awsrun's path: " + problem}
	}
	if !filepath.IsAbs(path) {
		return "", fail("it is not an absolute path")
	}
	if p := valueProblem(path); p != "" {
		return "", fail(p)
	}
	if p := commentProblem(path); p != "" {
		return "", fail(p)
	}
	return shellQuote(path), nil
}

// commentProblem says why v would be cut short as an inline comment by a config parser.
func commentProblem(v string) string {
	prevSpace := false
	for _, r := range v {
		if prevSpace && (r == '#' || r == ';') {
			return "it holds whitespace followed by '#' or ';', where config parsers start a comment"
		}
		prevSpace = unicode.IsSpace(r)
	}
	return ""
}

// shellQuote quotes s for both sh and Python's shlex (POSIX mode): inside single quotes every
// byte is literal, and a single quote is closed, escaped and reopened.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// refusedRoleARN is the role of a refused profile's section: an account that does not exist,
// never asked for, since reading the token file fails first.
const refusedRoleARN = "arn:aws:iam::000000000000:role/awsrun-profile-not-allowed"

// failingSettings makes a profile fail in every SDK before any request, with a message naming
// the profile and why (for a refused profile: "it is outside --profiles"): a web-identity
// profile whose token file lies below a file, so opening it fails (ENOTDIR) and every SDK
// prints the path. A credential_process that fails is not enough: the
// JS SDK v3 treats its failure as "try the next provider" and reaches the container endpoint.
// Web identity comes before credential_process and the container in every SDK's chain, and no
// process can create the file. Below /dev/null on Unix; below awsrun's own executable elsewhere.
func failingSettings(name, executable, why string) [][2]string {
	base := "/dev/null"
	if runtime.GOOS == "windows" {
		base = executable
	}
	return [][2]string{
		{"role_arn", refusedRoleARN},
		{"web_identity_token_file", base + "/awsrun refused profile " + name + ": " + why},
	}
}
