package wrapper

import (
	"slices"
	"testing"
)

func TestResolveChainEncodingIsUnambiguous(t *testing.T) {
	for _, chain := range [][]string{
		{"a,b"}, {"a", "b"}, {"a,b", "a"}, {"100%", "%2C"}, {"a b", "x\ny", ""}, {"ü", "dev&&touch${IFS}pwned"},
	} {
		enc := EncodeResolveChain(chain)
		if got := DecodeResolveChain(enc); !slices.Equal(got, chain) {
			t.Errorf("%q: encoded %q, decoded %q", chain, enc, got)
		}
	}
	if EncodeResolveChain([]string{"a,b"}) == EncodeResolveChain([]string{"a", "b"}) {
		t.Error(`"a,b" and "a","b" encode alike`)
	}
	if got := DecodeResolveChain("a%zz,%4"); !slices.Equal(got, []string{"a%zz", "%4"}) {
		t.Errorf("garbled escapes: %q", got)
	}
}

// TestResolveEnvIsTheResolutionsOwn: the chain a credential_process gets is the inherited one
// and the profile it resolves, whichever other profile the same awsrun resolves.
func TestResolveEnvIsTheResolutionsOwn(t *testing.T) {
	env := newEnviron([]string{ResolveChainVar + "=" + EncodeResolveChain([]string{"outer"})})
	for _, p := range []string{"a", "b,c"} {
		got := resolveEnv(env, p)
		want := []string{ResolveChainVar + "=" + EncodeResolveChain([]string{"outer", p})}
		if !slices.Equal(got, want) {
			t.Errorf("%q: %q, want %q", p, got, want)
		}
	}
	if got := resolveEnv(newEnviron(nil), "a"); !slices.Equal(got, []string{ResolveChainVar + "=a"}) {
		t.Errorf("nothing inherited: %q", got)
	}
}
