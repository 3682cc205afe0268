package main

import (
	"path/filepath"
	"testing"
)

// TestEndpointMode: the set-up started before the command line is parsed is for runs that will
// serve the endpoint; --inject env in any spelling before "--", AWSRUN_INJECT=env and a
// nested awsrun say otherwise, and words after "--" are the command's.
func TestEndpointMode(t *testing.T) {
	for _, c := range []struct {
		args, env []string
		want      bool
	}{
		{[]string{"--", "claude"}, nil, true},
		{[]string{"-p", "dev", "--inject", "endpoint", "--", "aws"}, nil, true},
		{[]string{"--inject", "env", "--", "aws"}, nil, false},
		{[]string{"--inject=env", "--", "aws"}, nil, false},
		{[]string{"-inject", "env", "--", "aws"}, nil, false},
		{[]string{"-inject=env", "--", "aws"}, nil, false},
		{[]string{"--inject"}, nil, true},
		{[]string{"--", "tool", "--inject", "env"}, nil, true},
		{[]string{"--", "aws"}, []string{"AWSRUN_INJECT=env"}, false},
		{[]string{"--", "aws"}, []string{"AWSRUN=1"}, false},
		{[]string{"--", "aws"}, []string{"AWSRUN=0", "AWSRUN_INJECT=endpoint"}, true},
	} {
		if got := endpointMode(c.args, c.env); got != c.want {
			t.Errorf("endpointMode(%q, %q) = %v, want %v", c.args, c.env, got, c.want)
		}
	}
}

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
