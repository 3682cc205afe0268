package early

import "testing"

// TestMayRun: the intake starts for anything that may run a command, and not for a subcommand,
// help or the version named before any "--".
func TestMayRun(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{nil, true},
		{[]string{"--", "claude"}, true},
		{[]string{"-p", "dev", "--", "aws", "s3", "ls"}, true},
		{[]string{"-p", "dev", "claude"}, true},
		{[]string{"--", "export"}, true}, // a program called export
		{[]string{"--", "aws", "--version"}, true},
		{[]string{"export", "--profile", "dev"}, false},
		{[]string{"-p", "dev", "doctor"}, false},
		{[]string{"status", "--json"}, false},
		{[]string{"completion", "bash"}, false},
		{[]string{"--help"}, false},
		{[]string{"-h"}, false},
		{[]string{"--version"}, false},
	} {
		if got := mayRun(c.args); got != c.want {
			t.Errorf("mayRun(%q) = %v, want %v", c.args, got, c.want)
		}
	}
}
