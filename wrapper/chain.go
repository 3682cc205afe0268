package wrapper

import (
	"fmt"
	"strings"
)

// resolveEnv is what every program that resolving profile runs (credential_process,
// mfa_process) gets as ResolveChainVar: the chain this awsrun inherited, then profile. Each
// resolution carries its own chain: a parent serving profile B to its child while it serves A
// itself gives B's credential_process "B", never "A", so B's credentials may come from
// `awsrun export --profile A` without being refused as a loop.
func resolveEnv(env environ, profile string) []string {
	return []string{ResolveChainVar + "=" + EncodeResolveChain(append(DecodeResolveChain(env[ResolveChainVar]), profile))}
}

// EncodeResolveChain joins profile names with commas, each percent-encoded so that no name can
// hold the separator: "a,b" is one profile, never two.
func EncodeResolveChain(names []string) string {
	enc := make([]string, len(names))
	for i, n := range names {
		var b strings.Builder
		for j := 0; j < len(n); j++ {
			c := n[j]
			if c == '%' || c == ',' || c <= ' ' || c >= 0x7f {
				fmt.Fprintf(&b, "%%%02X", c)
				continue
			}
			b.WriteByte(c)
		}
		enc[i] = b.String()
	}
	return strings.Join(enc, ",")
}

// DecodeResolveChain reverses EncodeResolveChain; an escape that is not one is kept as it is,
// so a garbled value never hides a name.
func DecodeResolveChain(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		if !strings.Contains(p, "%") {
			continue
		}
		var b strings.Builder
		for j := 0; j < len(p); j++ {
			if p[j] == '%' && j+2 < len(p) && isHex(p[j+1]) && isHex(p[j+2]) {
				b.WriteByte(unhex(p[j+1])<<4 | unhex(p[j+2]))
				j += 2
				continue
			}
			b.WriteByte(p[j])
		}
		parts[i] = b.String()
	}
	return parts
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}
