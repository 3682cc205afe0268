package creds

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// ProfileFilter says which of the user's profiles a child may use (--profiles, AWSRUN_PROFILES):
// all of them, none, or a list. The zero value allows all, the default: the same as running
// without awsrun. The profile awsrun serves as the child's [default] is never refused: the
// child holds its credentials anyway.
type ProfileFilter struct {
	none  bool
	names map[string]bool // nil: all (unless none)
	list  []string        // names in the order given, for messages
}

// ParseProfileFilter reads a --profiles value: "all" (or empty), "none", or a comma-separated
// list of profile names. "all" and "none" alone are keywords; a list that ends with a comma is
// always a list of names, so "all," allows only a profile named all. A name cannot hold a
// comma, and an empty name is refused.
func ParseProfileFilter(s string) (ProfileFilter, error) {
	trimmed := strings.TrimSpace(s)
	switch trimmed {
	case "", "all":
		return ProfileFilter{}, nil
	case "none":
		return ProfileFilter{none: true}, nil
	}
	parts := strings.Split(strings.TrimSuffix(trimmed, ","), ",")
	f := ProfileFilter{names: map[string]bool{}}
	for i, p := range parts {
		name := strings.TrimSpace(p)
		if name == "" {
			return ProfileFilter{}, &ProfileListError{Position: i + 1, Problem: "it is empty (two commas in a row, or a comma at the start)"}
		}
		if problem := valueProblem(name); problem != "" {
			return ProfileFilter{}, &ProfileListError{Position: i + 1, Problem: problem}
		}
		if !f.names[name] {
			f.names[name] = true
			f.list = append(f.list, name)
		}
	}
	return f, nil
}

// ProfileListError is a --profiles value that is not a list of names. The value itself is not
// quoted: it came from a flag or a variable.
type ProfileListError struct {
	Position int // 1-based position of the bad name in the list
	Problem  string
}

func (e *ProfileListError) Error() string {
	return fmt.Sprintf("read --profiles: name %d of the list: %s (the value is all, none, or profile names separated by commas; a name with a comma cannot be listed)", e.Position, e.Problem)
}

// AllowsAll reports whether the filter is "all".
func (f ProfileFilter) AllowsAll() bool { return !f.none && f.names == nil }

// Allows reports whether the child may use profile name. chosen, the profile awsrun serves as
// the child's [default], is always allowed.
func (f ProfileFilter) Allows(name, chosen string) bool {
	switch {
	case name == chosen && chosen != "":
		return true
	case f.none:
		return false
	case f.names == nil:
		return true
	}
	return f.names[name]
}

// Names returns the listed names in the order given; nil for all and none.
func (f ProfileFilter) Names() []string { return append([]string(nil), f.list...) }

// String renders the filter as a --profiles value that ParseProfileFilter reads back.
func (f ProfileFilter) String() string {
	switch {
	case f.none:
		return "none"
	case f.names == nil:
		return "all"
	case len(f.list) == 1 && (f.list[0] == "all" || f.list[0] == "none"):
		return f.list[0] + ","
	}
	return strings.Join(f.list, ",")
}

// Check refuses a list that names a profile the user's files do not have: a typo would
// otherwise refuse a profile the user meant to allow, found only later inside the child.
// The error is an *UnknownProfilesError.
func (f ProfileFilter) Check(files *Files) error {
	if f.names == nil {
		return nil
	}
	var unknown []string
	for _, n := range f.list {
		if !files.Has(n) {
			unknown = append(unknown, n)
		}
	}
	if unknown == nil {
		return nil
	}
	return &UnknownProfilesError{Unknown: unknown, Available: files.Profiles()}
}

// UnknownProfilesError is a --profiles list naming profiles that do not exist; cmd/awsrun
// exits 78 (configuration) on it, as for a missing --profile. It wraps ErrNoProfile.
type UnknownProfilesError struct {
	Unknown   []string
	Available []string
}

func (e *UnknownProfilesError) Error() string {
	which := "profile"
	if len(e.Unknown) > 1 {
		which = "profiles"
	}
	quoted := make([]string, len(e.Unknown))
	for i, n := range e.Unknown {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	msg := fmt.Sprintf("check --profiles: %s %s not found", which, strings.Join(quoted, ", "))
	if len(e.Available) == 0 {
		return msg + "; the config and credentials files hold no profiles"
	}
	msg += "; profiles that exist: " + strings.Join(e.Available, ", ")
	for _, n := range e.Available {
		if strings.Contains(n, ",") {
			return msg + " (a name with a comma cannot be listed in --profiles)"
		}
	}
	return msg
}

func (e *UnknownProfilesError) Unwrap() error { return ErrNoProfile }

// ProfileNotAllowedError is a profile the --profiles filter refuses: what the parent answers
// when a child's `awsrun export --profile NAME` asks for it (cmd/awsrun exits 78). It wraps
// ErrProfileNotAllowed.
type ProfileNotAllowedError struct {
	Name   string
	Filter ProfileFilter
}

// ErrProfileNotAllowed is wrapped by ProfileNotAllowedError so callers can test with errors.Is.
var ErrProfileNotAllowed = errors.New("profile not allowed by --profiles")

func (e *ProfileNotAllowedError) Error() string {
	if e.Filter.none {
		return fmt.Sprintf("profile %q is not available inside this awsrun: it runs with --profiles none", e.Name)
	}
	allowed := append([]string(nil), e.Filter.list...)
	sort.Strings(allowed)
	return fmt.Sprintf("profile %q is not available inside this awsrun: it is not in --profiles (%s)", e.Name, strings.Join(allowed, ", "))
}

func (e *ProfileNotAllowedError) Unwrap() error { return ErrProfileNotAllowed }
