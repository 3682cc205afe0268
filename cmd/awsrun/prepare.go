package main

import (
	"github.com/awsrun/awsrun/cmd/awsrun/internal/early"
	"github.com/awsrun/awsrun/internal/sigintake"
	"github.com/awsrun/awsrun/wrapper"
)

// prepare starts endpoint mode's set-up (wrapper.Prepare) before the command line is parsed,
// when args may run a command that gets an endpoint; nil otherwise. It guesses from the words
// alone: wrong, it costs time, never behaviour (Run starts the set-up itself, or discards it).
func prepare(args, environ []string, sigs *sigintake.Intake) *wrapper.Prepared {
	if !early.MayRun(args) || !endpointMode(args, environ) {
		return nil
	}
	return wrapper.Prepare(sigs)
}

// endpointMode reports whether the run will serve the credential endpoint, as far as the words
// tell: not inside another awsrun (which serves its child itself), not with --inject env.
func endpointMode(args, environ []string) bool {
	for _, kv := range environ {
		if kv == "AWSRUN=1" || kv == "AWSRUN_INJECT="+wrapper.InjectEnv {
			return false
		}
	}
	for i, a := range args {
		switch a {
		case "--":
			return true
		case "--inject=" + wrapper.InjectEnv, "-inject=" + wrapper.InjectEnv:
			return false
		case "--inject", "-inject":
			if i+1 < len(args) && args[i+1] == wrapper.InjectEnv {
				return false
			}
		}
	}
	return true
}
