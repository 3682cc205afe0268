//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// These tests load `awsrun completion SHELL` into a real bash, zsh and fish (each skipped when
// absent) with a throwaway HOME, and ask for completions the way the shell does. "awsrun" on
// PATH is a stub that runs the test binary as awsrun (stubAwsrun); zzfaketool, next to it, is
// a command with a completion of its own ("alpha beta"), to see the hand-over to the command's
// completion after the command to run.

const shellTestConfig = "[profile dev]\nregion = us-east-1\n" +
	"[profile prod]\nregion = eu-west-1\n" +
	"[profile sso-admin]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\n" +
	"[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"

// shellCase is a command line up to the cursor (a trailing space: the cursor is on a new, empty
// word) and what the completion must offer.
type shellCase struct {
	line  string
	want  []string // exactly these, in any order
	has   []string // at least these
	lacks []string // none of these
	// per shell: the expectation replaced, for the mechanisms that differ (zsh's _normal is a
	// recording stand-in; bash without bash-completion has no _command_offset)
	zsh, bash *shellCase
}

var awsrunFlagsSample = []string{"--profile", "--region", "--inject", "-p", "doctor", "export"}

var shellCases = []shellCase{
	{line: "awsrun --profile ", want: []string{"dev", "prod", "sso-admin"}},
	{line: "awsrun -p sso", want: []string{"sso-admin"}},
	{line: "awsrun --region us-east-1 -p ", want: []string{"dev", "prod", "sso-admin"}},
	{line: "awsrun doctor --profile p", want: []string{"prod"}},
	{line: "awsrun --pro", want: []string{"--profile", "--profiles"}},
	{line: "awsrun --no-se", want: []string{"--no-session"}},
	{line: "awsrun doc", has: []string{"doctor"}, lacks: []string{"--profile", "export"}},
	{line: "awsrun -p dev st", has: []string{"status"}, lacks: []string{"--profile"}},
	{line: "awsrun export --format ", want: []string{"env", "json", "credential-process", "claude"}},
	{line: "awsrun --inject ", want: []string{"endpoint", "env"}},
	{line: "awsrun completion ", want: []string{"bash", "zsh", "fish"}},
	{line: "awsrun status --j", want: []string{"--json"}},
	// After "--": the command to run, then that command's own completion; never awsrun's.
	{line: "awsrun -- zzf", want: []string{"zzfaketool"},
		zsh: &shellCase{want: []string{"<normal 1: zzf>"}}},
	{line: "awsrun -p dev -- zzf", want: []string{"zzfaketool"},
		zsh: &shellCase{want: []string{"<normal 1: zzf>"}}},
	{line: "awsrun -- --pro", lacks: awsrunFlagsSample,
		zsh: &shellCase{want: []string{"<normal 1: --pro>"}}},
	{line: "awsrun -p dev -- zzfaketool ", want: []string{"alpha", "beta"},
		zsh:  &shellCase{want: []string{"<normal 2: zzfaketool >"}},
		bash: &shellCase{want: nil}},
	{line: "awsrun -- zzfaketool -p ", lacks: []string{"dev", "prod", "sso-admin"},
		zsh: &shellCase{want: []string{"<normal 3: zzfaketool -p >"}}},
	{line: "awsrun -- zzfaketool --pro", lacks: awsrunFlagsSample,
		zsh: &shellCase{want: []string{"<normal 2: zzfaketool --pro>"}}},
	// Without "--", the first word that is not awsrun's starts the command.
	{line: "awsrun -p dev zzfaketool --pro", lacks: awsrunFlagsSample,
		zsh: &shellCase{want: []string{"<normal 2: zzfaketool --pro>"}}},
	{line: "awsrun -p dev zzfaketool ", want: []string{"alpha", "beta"},
		zsh:  &shellCase{want: []string{"<normal 2: zzfaketool >"}},
		bash: &shellCase{want: nil}},
}

// shellEnv is a temp HOME with shellTestConfig, a PATH with the awsrun stub and zzfaketool
// first, and the environment a shell gets there.
type shellEnv struct {
	home, bin string
	env       []string
}

func newShellEnv(t *testing.T) shellEnv {
	t.Helper()
	h := home(t, shellTestConfig)
	bin := stubAwsrun(t, h)
	if err := os.WriteFile(filepath.Join(bin, "zzfaketool"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return shellEnv{home: h, bin: bin, env: []string{
		"PATH=" + bin + ":" + os.Getenv("PATH"),
		"HOME=" + h,
		"TMPDIR=" + h,
		"XDG_CONFIG_HOME=" + filepath.Join(h, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(h, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(h, ".cache"),
		"LANG=C.UTF-8",
		"TERM=dumb",
	}}
}

// completionScriptFor is `awsrun completion shell`, from the awsrun under test.
func completionScriptFor(t *testing.T, e shellEnv, shell string) string {
	t.Helper()
	r := runAwsrun(t, e.home, nil, "completion", shell)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("awsrun completion %s: exit %d, stderr %q", shell, r.code, r.stderr)
	}
	return r.stdout
}

// lookShell finds a shell or skips, naming the package that provides it.
func lookShell(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (apt-get install -y %s)", name, name)
	}
	return p
}

// runShell runs a shell program with a time limit and returns its output lines.
func runShell(t *testing.T, e shellEnv, args ...string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = e.env
	cmd.Dir = e.home
	cmd.Stdin = nil
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", args[0], err, out)
	}
	return lines(string(out))
}

// words splits a command line as the shells do for these simple lines: at spaces, a trailing
// space making an empty last word.
func words(line string) []string {
	ws := strings.Fields(line)
	if strings.HasSuffix(line, " ") {
		ws = append(ws, "")
	}
	return ws
}

func checkCandidates(t *testing.T, shell string, tc shellCase, got []string) {
	t.Helper()
	want := tc
	if o := tc.zsh; shell == "zsh" && o != nil {
		want = *o
	}
	if o := tc.bash; shell == "bash" && o != nil {
		want = *o
	}
	if want.want != nil || (want.has == nil && want.lacks == nil) {
		if !sameSet(got, want.want) {
			t.Errorf("%s: %q: got %q, want %q", shell, tc.line, got, want.want)
		}
	}
	for _, w := range want.has {
		if !contains(got, w) {
			t.Errorf("%s: %q: %q lacks %q", shell, tc.line, got, w)
		}
	}
	for _, w := range want.lacks {
		if contains(got, w) {
			t.Errorf("%s: %q: %q offers %q", shell, tc.line, got, w)
		}
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !contains(b, x) {
			return false
		}
	}
	return true
}

// TestCompletionShellBash drives _awsrun_complete as bash's programmable completion does:
// COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT set, the function called, COMPREPLY read.
// With bash-completion installed, its _command_offset completes the command's arguments.
func TestCompletionShellBash(t *testing.T) {
	bash := lookShell(t, "bash")
	e := newShellEnv(t)
	script := filepath.Join(e.home, "awsrun.bash")
	os.WriteFile(script, []byte(completionScriptFor(t, e, "bash")), 0o644)
	bashCompletion := ""
	for _, f := range []string{"/usr/share/bash-completion/bash_completion", "/usr/local/share/bash-completion/bash_completion", "/opt/homebrew/share/bash-completion/bash_completion"} {
		if _, err := os.Stat(f); err == nil {
			bashCompletion = f
			break
		}
	}
	for _, tc := range shellCases {
		var prog strings.Builder
		if bashCompletion != "" {
			// compopt works only while bash runs a completion for real.
			prog.WriteString("shopt -s extglob progcomp\nsource " + shellQuote(bashCompletion) + "\ncompopt() { :; }\n")
		}
		prog.WriteString("source " + shellQuote(script) + "\n")
		prog.WriteString("complete -W 'alpha beta' zzfaketool\n")
		prog.WriteString("COMP_WORDS=(")
		for _, w := range words(tc.line) {
			prog.WriteString(shellQuote(w) + " ")
		}
		prog.WriteString(")\nCOMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n")
		prog.WriteString("COMP_LINE=" + shellQuote(tc.line) + "\nCOMP_POINT=${#COMP_LINE}\n")
		prog.WriteString("_awsrun_complete\n[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\\n' \"${COMPREPLY[@]}\"\n")
		got := runShell(t, e, bash, "--norc", "--noprofile", "-c", prog.String())
		tc := tc
		if bashCompletion != "" {
			tc.bash = nil // _command_offset is there: the command's completion works
		}
		checkCandidates(t, "bash", tc, got)
	}
}

// zshPrelude loads the script after compinit, as ~/.zshrc would, and replaces the completion
// system's builtins that only work inside a completion widget: compadd prints its candidates,
// _normal (the hand-over to the command's completion) what it was given.
const zshPrelude = `autoload -Uz compinit && compinit -u -D
source %s
print -r -- "<compdef ${_comps[awsrun]}>"
compadd() { local -a a; a=("$@"); print -rl -- "${(@)a[${a[(i)--]}+1,-1]}" }
_files() { print -r -- "<files>" }
_command_names() { print -r -- "<commands>" }
_normal() { print -r -- "<normal $CURRENT: ${(j: :)words}>" }
`

// TestCompletionShellZsh calls _awsrun as zsh's completion system would, with words and
// CURRENT set.
func TestCompletionShellZsh(t *testing.T) {
	zsh := lookShell(t, "zsh")
	e := newShellEnv(t)
	script := filepath.Join(e.home, "awsrun.zsh")
	os.WriteFile(script, []byte(completionScriptFor(t, e, "zsh")), 0o644)
	// One zsh for all cases: compinit takes a second.
	var prog strings.Builder
	prog.WriteString(strings.Replace(zshPrelude, "%s", shellQuote(script), 1))
	for i, tc := range shellCases {
		fmt.Fprintf(&prog, "print -r -- '<case %d>'\nwords=(", i)
		for _, w := range words(tc.line) {
			prog.WriteString(shellQuote(w) + " ")
		}
		prog.WriteString(")\nCURRENT=${#words}\n_awsrun\n")
	}
	out := runShell(t, e, zsh, "-f", "-c", prog.String())
	if len(out) == 0 || out[0] != "<compdef _awsrun>" {
		t.Fatalf("zsh: the script did not register _awsrun for awsrun: %q", out)
	}
	results := map[int][]string{}
	n := -1
	for _, l := range out[1:] {
		if _, err := fmt.Sscanf(l, "<case %d>", &n); err == nil {
			results[n] = []string{}
			continue
		}
		if n < 0 {
			t.Fatalf("zsh: output before the first case: %q", out)
		}
		results[n] = append(results[n], l)
	}
	for i, tc := range shellCases {
		got, ok := results[i]
		if !ok {
			t.Fatalf("zsh: no output for case %d (%q): %q", i, tc.line, out)
		}
		if tc.zsh == nil {
			// _command_names adds the commands at a command position; the rest is awsrun's.
			if i := indexOf(got, "<commands>"); i >= 0 {
				got = append(got[:i:i], got[i+1:]...)
				if len(tc.has) == 0 {
					t.Errorf("zsh: %q: commands offered: %q", tc.line, got)
				}
			}
		}
		checkCandidates(t, "zsh", tc, got)
	}
}

// TestCompletionShellZshAutoload installs the script as _awsrun in $fpath, the packaged way
// (make completion: bin/completion/_awsrun): compinit finds it by its #compdef line.
func TestCompletionShellZshAutoload(t *testing.T) {
	zsh := lookShell(t, "zsh")
	e := newShellEnv(t)
	dir := filepath.Join(e.home, "zfunc")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "_awsrun"), []byte(completionScriptFor(t, e, "zsh")), 0o644)
	prog := "fpath=(" + shellQuote(dir) + " $fpath)\nautoload -Uz compinit && compinit -u -D\n" +
		`print -r -- "<compdef ${_comps[awsrun]}>"` + "\n" +
		`compadd() { local -a a; a=("$@"); print -rl -- "${(@)a[${a[(i)--]}+1,-1]}" }` + "\n" +
		"words=(awsrun --profile '')\nCURRENT=3\n_awsrun\n"
	got := runShell(t, e, zsh, "-f", "-c", prog)
	if want := []string{"<compdef _awsrun>", "dev", "prod", "sso-admin"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("zsh autoload: got %q, want %q", got, want)
	}
}

// TestCompletionShellFish installs the script where fish looks for it
// (~/.config/fish/completions/awsrun.fish) and asks fish itself: complete -C 'LINE'.
func TestCompletionShellFish(t *testing.T) {
	fish := lookShell(t, "fish")
	e := newShellEnv(t)
	dir := filepath.Join(e.home, ".config", "fish", "completions")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "awsrun.fish"), []byte(completionScriptFor(t, e, "fish")), 0o644)
	os.WriteFile(filepath.Join(dir, "zzfaketool.fish"), []byte("complete -c zzfaketool -f -a 'alpha beta'\n"), 0o644)
	for _, tc := range shellCases {
		prog := "complete --do-complete=" + fishQuote(tc.line)
		var got []string
		for _, l := range runShell(t, e, fish, "-c", prog) {
			cand, _, _ := strings.Cut(l, "\t")
			got = append(got, cand)
		}
		checkCandidates(t, "fish", tc, got)
	}
}

func indexOf(ss []string, s string) int {
	for i, x := range ss {
		if x == s {
			return i
		}
	}
	return -1
}
