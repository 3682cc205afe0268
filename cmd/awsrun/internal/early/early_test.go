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
		if got := MayRun(c.args); got != c.want {
			t.Errorf("MayRun(%q) = %v, want %v", c.args, got, c.want)
		}
	}
}

// TestGrowStack: the stack growth at start-up takes any argument count, however large, and
// leaves the stack usable (it runs during package initialisation of every awsrun command).
func TestGrowStack(t *testing.T) {
	for _, n := range []int{0, 1, 2, 24<<10 - 1, 24 << 10, 48<<10 + 1, 1 << 30} {
		if b := growStack(n); b > 1 {
			t.Fatalf("growStack(%d) = %d, want 0 or 1", n, b)
		}
	}
}
