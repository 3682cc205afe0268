package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/awsrun/awsrun/wrapper"
)

// maxResolveDepth bounds nested resolutions: a profile whose credential_process runs awsrun for
// another profile, whose credential_process runs awsrun again, and so on. Real set-ups nest one
// or two deep; a cycle through several profiles stops here instead of at an outside limit.
const maxResolveDepth = 8

// markResolving records, in awsrun's own environment (which every credential_process it starts
// inherits, and which the supervised command never gets: wrapper scrubs the variable), that
// this process resolves profile. It refuses when an awsrun up the process tree is resolving the
// same profile (its credential_process leads back to awsrun for it: that would never end) or
// when resolutions are already nested maxResolveDepth deep.
func markResolving(environ []string, profile string) error {
	chain := decodeChain(envLookup(environ)(wrapper.ResolveChainVar))
	next := append(chain, profile)
	for _, p := range chain {
		if p == profile {
			return &codedError{code: exitConfig,
				msg:  fmt.Sprintf("profile %q: its credential_process runs awsrun for the same profile again (%s), which would never end", profile, chainText(next)),
				hint: fmt.Sprintf("move that credential_process to a profile of its own in ~/.aws/config, e.g. [profile %s-awsrun], and give [profile %s] its real credential settings", profile, profile)}
		}
	}
	if len(chain) >= maxResolveDepth {
		return &codedError{code: exitConfig,
			msg:  fmt.Sprintf("profile %q: credential_process runs awsrun nested more than %d deep (%s)", profile, maxResolveDepth, chainText(next)),
			hint: "let one of these profiles get its credentials without awsrun (sso_session, role_arn with source_profile, or access keys)"}
	}
	return os.Setenv(wrapper.ResolveChainVar, encodeChain(next))
}

// chainText shows a chain as awsrun for "a" -> "b" -> "a".
func chainText(chain []string) string {
	q := make([]string, len(chain))
	for i, p := range chain {
		q[i] = fmt.Sprintf("%q", p)
	}
	return "awsrun for " + strings.Join(q, " -> ")
}

// encodeChain joins profile names with commas, each percent-encoded so that no name can hold
// the separator: "a,b" is one profile, never two.
func encodeChain(names []string) string {
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

// decodeChain reverses encodeChain; an escape that is not one is kept as it is, so a garbled
// value never hides a name.
func decodeChain(s string) []string {
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
