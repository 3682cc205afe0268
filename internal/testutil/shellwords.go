package testutil

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// ShellWords runs a suggested command line through sh -c as a user pasting it would, but with
// printf in front of it, in an empty directory: it returns the words the shell passed (the
// command's name first) and fails the test if the line made the shell do anything else, such as
// create a file.
func ShellWords(t testing.TB, line string) []string {
	t.Helper()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	dir := t.TempDir()
	cmd := exec.Command(sh, "-c", `printf '%s\0' `+line)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	out, err := cmd.Output()
	if err != nil {
		t.Errorf("sh -c %q: %v", line, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("sh -c %q created %s", line, entries[0].Name())
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}

// HostileNames are profile names that do something when pasted into a shell unquoted.
var HostileNames = []string{
	"dev&&touch${IFS}pwned", "dev;touch pwned", "$(touch pwned)", "`touch pwned`", "it's",
	`a"b`, "a\\b", "x|touch pwned", "x>pwned", "a b", "*", "~", "#c", "'", "!!",
}
