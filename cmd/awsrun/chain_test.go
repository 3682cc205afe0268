package main

import (
	"slices"
	"testing"
)

func TestChainEncodingIsUnambiguous(t *testing.T) {
	for _, chain := range [][]string{
		{"a,b"}, {"a", "b"}, {"a,b", "a"}, {"100%", "%2C"}, {"a b", "x\ny", ""}, {"ü", "dev&&touch${IFS}pwned"},
	} {
		enc := encodeChain(chain)
		if got := decodeChain(enc); !slices.Equal(got, chain) {
			t.Errorf("%q: encoded %q, decoded %q", chain, enc, got)
		}
	}
	if encodeChain([]string{"a,b"}) == encodeChain([]string{"a", "b"}) {
		t.Error(`"a,b" and "a","b" encode alike`)
	}
	if got := decodeChain("a%zz,%4"); !slices.Equal(got, []string{"a%zz", "%4"}) {
		t.Errorf("garbled escapes: %q", got)
	}
}

func TestMarkResolving(t *testing.T) {
	env := func(chain ...string) []string { return []string{"AWSRUN_RESOLVE_CHAIN=" + encodeChain(chain)} }
	t.Setenv("AWSRUN_RESOLVE_CHAIN", "")
	if err := markResolving(env("a,b"), "a"); err != nil {
		t.Errorf(`"a" inside "a,b": %v`, err)
	}
	if err := markResolving(env("x", "a,b"), "a,b"); err == nil {
		t.Error(`"a,b" inside "a,b" not refused`)
	}
	deep := env("p1", "p2", "p3", "p4", "p5", "p6", "p7")
	if err := markResolving(deep, "p8"); err != nil {
		t.Errorf("8 deep refused: %v", err)
	}
	deep = env("p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8")
	err := markResolving(deep, "p9")
	if ce, ok := err.(*codedError); !ok || ce.code != exitConfig {
		t.Errorf("9 deep: %v", err)
	}
}
