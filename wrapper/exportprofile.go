package wrapper

import (
	"context"
	"errors"
	"fmt"

	"github.com/awsrun/awsrun/state"
)

// ParentRefusedError is the parent awsrun's refusal to serve a profile to its child: Code (one
// of state's Code* constants) says why, so cmd/awsrun picks the exit status without reading
// the text.
type ParentRefusedError struct {
	Profile string
	Code    string
	Message string
}

func (e *ParentRefusedError) Error() string { return e.Message }

// fromParentSocket asks the awsrun this process runs under for another profile. There is no
// fallback: the child's config has no credentials of its own to resolve from.
func fromParentSocket(ctx context.Context, socket string, in ResolveInput) (Resolved, error) {
	// The parent may have to call AWS for the profile first; it bounds that by upstreamBudget.
	ctx, cancel := context.WithTimeout(ctx, upstreamBudget+localBudget)
	defer cancel()
	served, err := state.FetchProfileCredentials(ctx, socket, in.Profile)
	var pe *state.ProfileError
	if errors.As(err, &pe) {
		return Resolved{}, &ParentRefusedError{Profile: in.Profile, Code: pe.Code, Message: pe.Message}
	}
	if err != nil {
		return Resolved{}, fmt.Errorf("get profile %q from the parent awsrun: %w", in.Profile, err)
	}
	region := in.Region
	if region == "" {
		region = served.Region
	}
	return Resolved{Credentials: served.Credentials, Region: region, From: "parent awsrun"}, nil
}
