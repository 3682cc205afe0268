package wrapper

import (
	"context"
	"fmt"

	"github.com/awsrun/awsrun/internal/sigintake"
)

// runNestedOther runs awsrun for another profile inside an endpoint-mode child: the parent
// serves that profile over its socket, and the child's config already runs `awsrun export`
// (so, the parent) as its credential_process, so the command runs with AWS_PROFILE set to it
// and without the parent's endpoint, which would serve the parent's profile. The parent is
// asked once first, so a profile --profiles refuses, or one that does not resolve, stops here
// with its exit status instead of failing inside the command. The region stays the child's
// (the parent's profile's, or --region), as for `aws --profile NAME` in the child.
func runNestedOther(ctx context.Context, cfg Config, env environ, sigs *sigintake.Intake) (Exit, error) {
	if _, err := fromParentSocket(ctx, env[SocketVar], ResolveInput{Profile: cfg.Profile, Region: cfg.Region}); err != nil {
		return Exit{}, err
	}
	e := newEnviron(cfg.Env)
	e.unset("AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION", ResolveChainVar)
	e.set("AWS_PROFILE", cfg.Profile)
	if cfg.Region != "" {
		e.set("AWS_REGION", cfg.Region)
		e.set("AWS_DEFAULT_REGION", cfg.Region)
	}
	cfg.Logger.Debug("nested awsrun: another profile through the parent", "profile", cfg.Profile)
	return supervise(ctx, cfg, runOnce(e.list()), nil, sigs)
}

// NestedError refuses to run a second awsrun for a different profile inside a child of awsrun
// that has no parent socket to ask (env mode, Windows): there the profile cannot be served.
type NestedError struct{ Outer, Inner string }

func (e *NestedError) Error() string {
	return fmt.Sprintf("already running inside awsrun for profile %q; cannot switch to profile %q from here", e.Outer, e.Inner)
}

// runNested handles awsrun inside awsrun: the same profile needs nothing new, so the command
// runs with the inherited endpoint; a different one goes through the parent's socket, or is
// refused when there is none.
func runNested(ctx context.Context, cfg Config, env environ, sigs *sigintake.Intake) (Exit, error) {
	outer := env["AWSRUN_PROFILE"]
	if cfg.ProfileExplicit && cfg.Profile != outer {
		if env[SocketVar] != "" {
			return runNestedOther(ctx, cfg, env, sigs) // nested.go
		}
		return Exit{}, &NestedError{Outer: outer, Inner: cfg.Profile}
	}
	cfg.Logger.Debug("nested awsrun: reusing the outer endpoint", "profile", outer)
	return supervise(ctx, cfg, runOnce(cfg.Env), nil, sigs)
}
