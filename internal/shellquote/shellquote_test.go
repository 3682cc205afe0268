package shellquote

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestQuoteKeepsPlainWords(t *testing.T) {
	for _, s := range []string{"dev", "my-profile_2", "a.b@c", "arn:aws:iam::123456789012:role/x", "a,b", "100%"} {
		if got := Quote(s); got != s {
			t.Errorf("Quote(%q) = %q, want it unchanged", s, got)
		}
	}
	for s, want := range map[string]string{
		"":                      "''",
		"dev&&touch${IFS}pwned": `'dev&&touch${IFS}pwned'`,
		"it's":                  `'it'\''s'`,
		"a b":                   `'a b'`,
		"~root":                 `'~root'`,
		"#x":                    `'#x'`,
		"=ls":                   `'=ls'`,
	} {
		if got := Quote(s); got != want {
			t.Errorf("Quote(%q) = %s, want %s", s, got, want)
		}
	}
}

// hostile are values a profile name could hold (from a file the user may have been handed).
var hostile = []string{
	"dev&&touch${IFS}pwned", "dev;touch pwned", "$(touch pwned)", "`touch pwned`", "a'b", `a"b`,
	"a\\b", "x\ntouch pwned", "x|touch pwned", "x>pwned", "*", "?", "~", "-", "#c", "a b\tc",
	"'", "''", "\"$HOME\"", "!!", "{a,b}", "[ab]", "x\rtouch pwned", "ü", "", "=ls",
}

// TestQuoteSurvivesTheShell runs each quoted value through sh -c (and bash and zsh -c where
// installed) as printf's argument, in an empty directory: every value arrives as exactly one
// intact argument, and nothing is created.
func TestQuoteSurvivesTheShell(t *testing.T) {
	ran := 0
	for _, shell := range []string{"sh", "bash", "zsh"} {
		sh, err := exec.LookPath(shell)
		if err != nil {
			continue
		}
		ran++
		for _, v := range hostile {
			dir := t.TempDir()
			cmd := exec.Command(sh, "-c", "printf '%s\\0' "+Join("cmd", v)+" end")
			cmd.Dir = dir
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
			out, err := cmd.Output()
			if err != nil {
				t.Errorf("%s: %q: %v", shell, v, err)
				continue
			}
			got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
			if len(got) != 3 || got[0] != "cmd" || got[1] != v || got[2] != "end" {
				t.Errorf("%s: %q: the shell passed %q", shell, v, got)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("%s: %q: the shell created %s", shell, v, filepath.Join(dir, entries[0].Name()))
			}
		}
	}
	if ran == 0 {
		t.Skip("no shell")
	}
}
