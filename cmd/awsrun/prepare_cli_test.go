//go:build unix

package main

import (
	"path/filepath"
	"testing"
)

// TestPreparedLeavesNothing: a start that ends before the command runs (a mistake on the
// command line, a profile that does not exist) removes the private directory made while the
// command line was parsed. TMPDIR is the test's HOME.
func TestPreparedLeavesNothing(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"unknown flag", []string{"--no-such-flag", "--", "true"}, exitUsage},
		{"bad inject", []string{"--inject", "both", "--", "true"}, exitUsage},
		{"no profile", []string{"-p", "nope", "--", "true"}, exitConfig},
		{"ran", []string{"-p", "proc", "--", "true"}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := home(t, procConfig)
			r := runAwsrun(t, h, nil, c.args...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, c.code, r.stderr)
			}
			if left, _ := filepath.Glob(filepath.Join(h, "awsrun-*")); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}
