package main

import (
	"fmt"
	"strings"

	"github.com/awsrun/awsrun/wrapper"
)

// maxResolveDepth bounds nested resolutions: a profile whose credential_process runs awsrun for
// another profile, whose credential_process runs awsrun again, and so on. Real set-ups nest one
// or two deep; a cycle through several profiles stops here instead of at an outside limit.
const maxResolveDepth = 8

// checkResolving refuses to resolve profile when an awsrun up the process tree is resolving the
// same profile (its credential_process leads back to awsrun for it: that would never end) or
// when resolutions are already nested maxResolveDepth deep. The chain is the one this awsrun
// inherited (wrapper.ResolveChainVar); awsrun's own environment is left alone: wrapper hands
// each resolution's credential_process its own chain, the inherited one and the profile that
// process resolves, so profiles served side by side never see each other as a loop.
func checkResolving(environ []string, profile string) error {
	chain := wrapper.DecodeResolveChain(envLookup(environ)(wrapper.ResolveChainVar))
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
	return nil
}

// chainText shows a chain as awsrun for "a" -> "b" -> "a".
func chainText(chain []string) string {
	q := make([]string, len(chain))
	for i, p := range chain {
		q[i] = fmt.Sprintf("%q", p)
	}
	return "awsrun for " + strings.Join(q, " -> ")
}
