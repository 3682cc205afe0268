package wrapper

import (
	"sort"
	"strings"
)

// scrubbed are variables that would make the child's SDK pick credentials other than awsrun's:
// static and session keys, profile selection, web identity, other container endpoints, and
// Bedrock API keys that bypass SigV4 altogether.
var scrubbed = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_CREDENTIAL_EXPIRATION", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_ACCOUNT_ID",
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE",
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_CREDENTIAL_FILE", "AWS_BEARER_TOKEN_BEDROCK",
	"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
	ResolveChainVar, SocketVar,
}

// ResolveChainVar lists the profiles that awsrun processes up the process tree are resolving
// (openSource gives it, with the profile being resolved last, to the credential_process of that
// resolution only; see resolveEnv), so a credential_process that leads back to awsrun for the
// same profile is refused (cmd/awsrun checks it) instead of recursing. It marks resolution
// only: the supervised command and what it starts may run awsrun for any profile, so they
// never get it.
const ResolveChainVar = "AWSRUN_RESOLVE_CHAIN"

// environ is an ordered KEY=VALUE environment with set and unset.
type environ map[string]string

func newEnviron(base []string) environ {
	e := make(environ, len(base))
	for _, kv := range base {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			continue
		}
		e[k] = v
	}
	return e
}

func (e environ) unset(keys ...string) {
	for _, k := range keys {
		delete(e, k)
	}
}

func (e environ) set(k, v string) { e[k] = v }

// list returns the environment sorted, so the child's env is deterministic and testable.
func (e environ) list() []string {
	out := make([]string, 0, len(e))
	for k, v := range e {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// childEnvInput is what the child's environment is made of.
type childEnvInput struct {
	base            []string
	endpointEnv     []string // AWS_CONTAINER_CREDENTIALS_FULL_URI=..., AWS_CONTAINER_AUTHORIZATION_TOKEN=...
	configFile      string
	credentialsFile string
	region          string
	profile         string
	socket          string // the parent's socket for the child's other profiles; "" for none
}

// buildChildEnv implements the child-environment contract of design.md: hide every other
// credential source, point the SDK at awsrun's endpoint and a generated config, set both region
// variables (Claude Code reads only AWS_REGION, CLI v1 only AWS_DEFAULT_REGION), and mark the
// env so a nested awsrun knows where it is.
func buildChildEnv(in childEnvInput) []string {
	e := newEnviron(in.base)
	e.unset(scrubbed...)
	for _, kv := range in.endpointEnv {
		k, v, _ := strings.Cut(kv, "=")
		e.set(k, v)
	}
	e.set("AWS_CONFIG_FILE", in.configFile)
	e.set("AWS_SHARED_CREDENTIALS_FILE", in.credentialsFile)
	if in.region != "" {
		e.set("AWS_REGION", in.region)
		e.set("AWS_DEFAULT_REGION", in.region)
	}
	e.set("AWSRUN", "1")
	e.set("AWSRUN_PROFILE", in.profile)
	if in.socket != "" {
		e.set(SocketVar, in.socket)
	}
	return e.list()
}
