package main

import (
	"os"
	"testing"

	"github.com/awsrun/awsrun/wrapper"
)

func TestCheckResolving(t *testing.T) {
	env := func(chain ...string) []string {
		return []string{"AWSRUN_RESOLVE_CHAIN=" + wrapper.EncodeResolveChain(chain)}
	}
	t.Setenv("AWSRUN_RESOLVE_CHAIN", "")
	if err := checkResolving(env("a,b"), "a"); err != nil {
		t.Errorf(`"a" inside "a,b": %v`, err)
	}
	if err := checkResolving(env("x", "a,b"), "a,b"); err == nil {
		t.Error(`"a,b" inside "a,b" not refused`)
	}
	deep := env("p1", "p2", "p3", "p4", "p5", "p6", "p7")
	if err := checkResolving(deep, "p8"); err != nil {
		t.Errorf("8 deep refused: %v", err)
	}
	deep = env("p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8")
	err := checkResolving(deep, "p9")
	if ce, ok := err.(*codedError); !ok || ce.code != exitConfig {
		t.Errorf("9 deep: %v", err)
	}
	// The chain is each resolution's (wrapper gives it to that resolution's credential_process):
	// awsrun's own environment, which every profile it serves shares, never carries it.
	if v := os.Getenv("AWSRUN_RESOLVE_CHAIN"); v != "" {
		t.Errorf("checkResolving set awsrun's own environment: %q", v)
	}
}
