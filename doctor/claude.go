package doctor

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/awsrun/awsrun/internal/shellquote"
)

// claudeFile is one Claude Code settings file, reduced to what concerns AWS.
type claudeFile struct {
	path    string
	err     error
	env     map[string]string
	export  string // awsCredentialExport
	refresh string // awsAuthRefresh
}

// claudeView is Claude Code's settings in the order it applies them (later files win).
type claudeView struct{ files []claudeFile }

// loadClaude reads the user settings (~/.claude, or $CLAUDE_CONFIG_DIR) and the project ones in
// the working directory.
func (d *doctor) loadClaude() *claudeView {
	if d.claude != nil {
		return d.claude
	}
	v := &claudeView{}
	dir := d.env["CLAUDE_CONFIG_DIR"]
	if dir == "" && d.home != "" {
		dir = filepath.Join(d.home, ".claude")
	}
	var paths []string
	if dir != "" {
		paths = append(paths, filepath.Join(dir, "settings.json"))
	}
	if d.o.Workdir != "" {
		for _, n := range []string{"settings.json", "settings.local.json"} {
			p := filepath.Join(d.o.Workdir, ".claude", n)
			if len(paths) == 0 || p != paths[0] {
				paths = append(paths, p)
			}
		}
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		f := claudeFile{path: p, env: map[string]string{}}
		var raw struct {
			Env     map[string]any `json:"env"`
			Export  any            `json:"awsCredentialExport"`
			Refresh any            `json:"awsAuthRefresh"`
		}
		if err == nil {
			err = json.Unmarshal(data, &raw)
		}
		if err != nil {
			f.err = err
		} else {
			for k, val := range raw.Env {
				f.env[k] = fmt.Sprint(val)
			}
			if raw.Export != nil {
				f.export = fmt.Sprint(raw.Export)
			}
			if raw.Refresh != nil {
				f.refresh = fmt.Sprint(raw.Refresh)
			}
		}
		v.files = append(v.files, f)
	}
	d.claude = v
	return v
}

// envValue is the value Claude Code ends up with for an env-block variable, and its file.
func (v *claudeView) envValue(key string) (string, string) {
	val, path := "", ""
	for _, f := range v.files {
		if x, ok := f.env[key]; ok {
			val, path = x, f.path
		}
	}
	return val, path
}

// bedrock reports whether Claude Code is set to use Bedrock, from the environment or settings.
func (d *doctor) bedrock() bool {
	v := d.env["CLAUDE_CODE_USE_BEDROCK"]
	if x, _ := d.loadClaude().envValue("CLAUDE_CODE_USE_BEDROCK"); x != "" {
		v = x
	}
	return truthy(v)
}

func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// claudeKeys are env-block variables that make Claude Code sign with fixed keys (or a Bedrock
// API key) and never ask awsrun's endpoint.
var claudeKeys = []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK"}

// claudeSettings checks Claude Code's settings for what bypasses awsrun.
func (d *doctor) claudeSettings() {
	const name = "claude-settings"
	v := d.loadClaude()
	if len(v.files) == 0 {
		d.add(name, OK, "no Claude Code settings files", "")
		return
	}
	st := OK
	var msgs, fixes []string
	raise := func(s Status) {
		if s == Fail || (s == Warn && st == OK) {
			st = s
		}
	}
	for _, f := range v.files {
		p := d.tilde(f.path)
		if f.err != nil {
			raise(Warn)
			msgs = append(msgs, p+" is not valid JSON, so Claude Code ignores it")
			fixes = append(fixes, "fix "+p)
			continue
		}
		var keys []string
		for _, k := range claudeKeys {
			if _, ok := f.env[k]; ok {
				keys = append(keys, k)
			}
		}
		if len(keys) > 0 {
			raise(Fail)
			msgs = append(msgs, fmt.Sprintf("the env block of %s sets %s: Claude Code uses them and never asks awsrun's endpoint", p, strings.Join(keys, ", ")))
			fixes = append(fixes, fmt.Sprintf("remove %s from \"env\" in %s", strings.Join(keys, ", "), p))
		}
		var profs []string
		for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"} {
			if x, ok := f.env[k]; ok {
				profs = append(profs, k+"="+x)
			}
		}
		sort.Strings(profs)
		if len(profs) > 0 {
			raise(Warn)
			msgs = append(msgs, fmt.Sprintf("the env block of %s sets %s: Claude Code started without awsrun uses that profile directly, without awsrun's renewal (under awsrun that profile is served fresh by awsrun too)", p, strings.Join(profs, ", ")))
			fixes = append(fixes, fmt.Sprintf("remove it from \"env\" in %s and start Claude Code as: awsrun -p %s -- claude", p, shellquote.Quote(d.o.Profile)))
		}
		if f.export != "" {
			if strings.Contains(f.export, "awsrun export") {
				msgs = append(msgs, fmt.Sprintf("awsCredentialExport in %s uses awsrun export", p))
			} else {
				raise(Warn)
				msgs = append(msgs, fmt.Sprintf("awsCredentialExport in %s runs %s: Claude Code takes those keys instead of awsrun's", p, program(f.export)))
				fixes = append(fixes, fmt.Sprintf("set \"awsCredentialExport\": \"awsrun export --profile %s --format claude\" in %s, or remove it", shellquote.Quote(d.o.Profile), p))
			}
		}
		if f.refresh != "" {
			msgs = append(msgs, fmt.Sprintf("awsAuthRefresh in %s runs %s when Claude Code finds its credentials expired (not needed under awsrun)", p, program(f.refresh)))
		}
	}
	if len(msgs) == 0 {
		var ps []string
		for _, f := range v.files {
			ps = append(ps, d.tilde(f.path))
		}
		msgs = append(msgs, strings.Join(ps, ", ")+": no AWS keys, profile or credential commands")
	}
	d.add(name, st, strings.Join(msgs, "; "), strings.Join(fixes, "; "))
}

// program shows only the command's program: its arguments might carry a secret.
func program(cmd string) string {
	f := strings.Fields(cmd)
	if len(f) == 0 {
		return "an empty command"
	}
	if len(f) == 1 {
		return "`" + f[0] + "`"
	}
	return "`" + f[0] + " ...`"
}

// claudeBedrock reports whether Claude Code is set up for Bedrock, where awsrun matters.
func (d *doctor) claudeBedrock() {
	const name = "claude-bedrock"
	from := "the environment"
	v := d.env["CLAUDE_CODE_USE_BEDROCK"]
	if x, p := d.loadClaude().envValue("CLAUDE_CODE_USE_BEDROCK"); x != "" {
		v, from = x, d.tilde(p)
	}
	if truthy(v) {
		d.add(name, OK, fmt.Sprintf("CLAUDE_CODE_USE_BEDROCK=%s (from %s): Claude Code uses Bedrock with the AWS credentials awsrun serves", v, from), "")
		return
	}
	d.add(name, OK, "CLAUDE_CODE_USE_BEDROCK is not set: Claude Code uses the Anthropic API; set it to 1 (with a region) to use Bedrock through awsrun", "")
}
