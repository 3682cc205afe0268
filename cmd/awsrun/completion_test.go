//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const completionConfig = "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n[profile prod]\nregion = eu-west-1\n[sso-session corp]\nsso_region = us-east-1\n"

// completionHome is a temp HOME with profiles in both files.
func completionHome(t *testing.T) string {
	t.Helper()
	h := home(t, completionConfig)
	if err := os.WriteFile(filepath.Join(h, ".aws", "credentials"), []byte("[static]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return h
}

func lines(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func TestCompletionCandidates(t *testing.T) {
	h := completionHome(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--profile", ""}, "default dev prod static"},
		{[]string{"-p", "d"}, "default dev"},
		{[]string{"--region", "x", "-p", "pr"}, "prod"},
		{[]string{"--profile", "=", "s"}, "static"},                  // bash splits --profile=s at "="
		{[]string{"--profile=d"}, "--profile=default --profile=dev"}, // zsh does not
		{[]string{"doctor", "-p", ""}, "default dev prod static"},
		{[]string{"export", "--profile", "de"}, "default dev"},
		{[]string{"export", "--format", "c"}, "credential-process claude"},
		{[]string{"--inject", ""}, "endpoint env"},
		{[]string{"--log-level", "w"}, "warn"},
		{[]string{"--no-session", ""}, "doctor export status completion"},
		{[]string{"-p", "dev", "st"}, "status"},
		{[]string{"completion", ""}, "bash zsh fish"},
		{[]string{"--no-se"}, "--no-session"},
		{[]string{"status", "--j"}, "--json"},
		{[]string{"-p", "dev", "claude", ""}, ""}, // the command to run is given: nothing of awsrun's
		{[]string{"claude", "-"}, ""},
	} {
		args := append(append([]string{}, tc.args...), "--generate-bash-completion")
		r := runAwsrun(t, h, nil, args...)
		if r.code != 0 || r.stderr != "" {
			t.Errorf("%q: exit %d, stderr %q", tc.args, r.code, r.stderr)
		}
		if got := strings.Join(lines(r.stdout), " "); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestCompletionProfilesFromEnvPaths(t *testing.T) {
	h := t.TempDir()
	cfg := filepath.Join(h, "cfg")
	os.WriteFile(cfg, []byte("[profile elsewhere]\nregion = us-east-1\n"), 0o600)
	r := runAwsrun(t, h, []string{"AWS_CONFIG_FILE=" + cfg}, "-p", "", "--generate-bash-completion")
	if got := strings.TrimSpace(r.stdout); got != "elsewhere" {
		t.Errorf("got %q, want the profile of $AWS_CONFIG_FILE", got)
	}
	os.WriteFile(cfg, []byte("[profile broken\n"), 0o600)
	r = runAwsrun(t, h, []string{"AWS_CONFIG_FILE=" + cfg}, "-p", "", "--generate-bash-completion")
	if r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Errorf("malformed config: completion must stay quiet, got %+v", r)
	}
}

// stubAwsrun puts an "awsrun" in a fresh directory (returned, for PATH) that runs the test binary
// as awsrun with HOME h, and appends each call's arguments as a JSON array to $AWSRUN_DOCS_LOG
// when that is set. Arguments must be free of control characters.
func stubAwsrun(t *testing.T, h string) string {
	t.Helper()
	dir := t.TempDir()
	stub := `#!/bin/bash
a=
for x in "$@"; do x=${x//\\/\\\\}; x=${x//\"/\\\"}; a+="${a:+,}\"$x\""; done
if [ -n "$AWSRUN_DOCS_LOG" ]; then printf '[%s]\n' "$a" >>"$AWSRUN_DOCS_LOG"; fi
HOME=` + h + ` AWSRUN_TEST_MAIN=1 AWSRUN_TEST_ARGS="[$a]" exec ` + os.Args[0] + "\n"
	if err := os.WriteFile(filepath.Join(dir, "awsrun"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCompletionBashScript(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	h := completionHome(t)
	r := runAwsrun(t, h, nil, "completion", "bash")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	script := filepath.Join(t.TempDir(), "awsrun.bash")
	os.WriteFile(script, []byte(r.stdout), 0o644)
	if out, err := exec.Command(bash, "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s", err, out)
	}
	// Drive the completion function as bash's programmable completion would, without
	// bash-completion's _command_offset, against a stub awsrun on PATH.
	path := stubAwsrun(t, h) + ":" + os.Getenv("PATH")
	for _, tc := range []struct {
		words string // COMP_WORDS; the cursor is on the last word
		want  string // COMPREPLY, or a word it must contain (prefix "~")
	}{
		{`awsrun -p ''`, "default dev prod static"},
		{`awsrun --profile = d`, "default dev"},
		{`awsrun export --format j`, "json"},
		{`awsrun --inj`, "--inject"},
		{`awsrun completion ''`, "bash zsh fish"},
		{`awsrun -p dev sta`, "~status"},
		{`awsrun -- ba`, "~bash"},          // the command to run: the shell's commands
		{`awsrun -p dev -- ls --al`, ""},   // the command's own arguments: not awsrun's business
		{`awsrun -p dev bash --ver`, ""},   // same without the --
		{`awsrun -p dev --`, "~--profile"}, // a bare -- being typed is a flag prefix, not the end of flags
	} {
		prog := "source " + script + "\nCOMP_WORDS=(" + tc.words + ")\nCOMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n" +
			"_awsrun_complete\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
		cmd := exec.Command(bash, "--norc", "--noprofile", "-c", prog)
		cmd.Env = []string{"PATH=" + path, "HOME=" + h, "TMPDIR=" + h}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v\n%s", tc.words, err, out)
			continue
		}
		got := lines(string(out))
		if w, ok := strings.CutPrefix(tc.want, "~"); ok {
			if !contains(got, w) {
				t.Errorf("%s: COMPREPLY %q lacks %q", tc.words, got, w)
			}
		} else if strings.Join(got, " ") != tc.want {
			t.Errorf("%s: COMPREPLY %q, want %q", tc.words, got, tc.want)
		}
	}
}

func TestCompletionZshFish(t *testing.T) {
	h := completionHome(t)
	for _, shell := range []string{"zsh", "fish"} {
		r := runAwsrun(t, h, nil, "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, "--generate-bash-completion") {
			t.Fatalf("%s: exit %d, stderr %q, script:\n%s", shell, r.code, r.stderr, r.stdout)
		}
		if bin, err := exec.LookPath(shell); err == nil {
			f := filepath.Join(t.TempDir(), "awsrun."+shell)
			os.WriteFile(f, []byte(r.stdout), 0o644)
			if out, err := exec.Command(bin, "-n", f).CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v\n%s", shell, err, out)
			}
		}
	}
	if r := runAwsrun(t, h, nil, "completion", "tcsh"); r.code != exitUsage || !strings.Contains(r.stderr, `unknown shell "tcsh"`) {
		t.Errorf("unknown shell: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := runAwsrun(t, h, nil, "completion"); r.code != exitUsage {
		t.Errorf("no shell: exit %d, stderr %q", r.code, r.stderr)
	}
}

// "awsrun -- completion" runs a program called completion, like the other subcommands.
func TestCompletionAfterDashDashIsTheCommand(t *testing.T) {
	h := home(t, procConfig)
	r := runAwsrun(t, h, nil, "-p", "proc", "--", "completion", "bash")
	if r.code != 127 {
		t.Errorf("exit %d, want 127 (command not found); stderr %q", r.code, r.stderr)
	}
}
