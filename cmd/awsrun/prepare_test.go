package main

import "testing"

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
