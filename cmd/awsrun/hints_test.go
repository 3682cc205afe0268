package main

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/internal/testutil"
	"github.com/awsrun/awsrun/wrapper"
)

// commandPart is the command of a try: line without the prose around it: "... (or, ...)" and
// a trailing " ..." for "the rest of your command line".
func commandPart(hint string) string {
	hint, _, _ = strings.Cut(hint, "   (")
	return strings.TrimSuffix(hint, " ...")
}

// TestTryLinesQuoteHostileNames: every try: line that names a profile or a directory, pasted
// into a shell, passes the name as one argument and runs nothing else.
func TestTryLinesQuoteHostileNames(t *testing.T) {
	for _, name := range testutil.HostileNames {
		cases := []struct {
			err  error
			want []string
		}{
			{&creds.ProfileNotFoundError{Name: name + "x", Available: []string{name}}, []string{"awsrun", "--profile", name}},
			{&creds.ProfileNotFoundError{Name: name, Available: []string{"zzzzzzzzzzzzzzzzzzzzzzzz"}}, []string{"aws", "configure", "sso", "--profile", name}},
			{&creds.IncompleteProfileError{Profile: name, Missing: []string{"sso_region"}}, []string{"aws", "configure", "sso", "--profile", name}},
			{&creds.IncompleteProfileError{Profile: name}, []string{"aws", "configure", "sso", "--profile", name}},
			{&wrapper.NestedError{Outer: "dev", Inner: name}, []string{"awsrun", "--profile", name}},
			{&creds.LoginRequiredError{Profile: name, Err: errors.New("expired")}, []string{"aws", "sso", "login", "--profile", name}},
			{&creds.AccessError{Profile: name, Err: errors.New("denied")}, []string{"awsrun", "doctor", "--profile", name}},
			{&creds.ResolveError{Profile: name, Err: errors.New("failed")}, []string{"awsrun", "doctor", "--profile", name}},
		}
		for _, c := range cases {
			_, hint := classify(c.err)
			if got := testutil.ShellWords(t, commandPart(hint)); !slices.Equal(got, c.want) {
				t.Errorf("%T for %q: try: %s\nthe shell passed %q, want %q", c.err, name, hint, got, c.want)
			}
		}
		// The setup hint names a directory: "check that DIR is writable and has room: ls -ld DIR; ..."
		_, hint := classify(&wrapper.SetupError{Dir: "/tmp/" + name, Err: errors.New("no space")})
		_, cmd, _ := strings.Cut(hint, "has room: ")
		cmd, _, _ = strings.Cut(cmd, "; df -h ")
		if got := testutil.ShellWords(t, cmd); !slices.Equal(got, []string{"ls", "-ld", "/tmp/" + name}) {
			t.Errorf("setup hint for %q: %s\nthe shell passed %q", name, hint, got)
		}
	}
}

// TestTryLinesOfPlainNamesUnchanged: everyday names are not quoted, so hints read as before.
func TestTryLinesOfPlainNamesUnchanged(t *testing.T) {
	_, hint := classify(&creds.LoginRequiredError{Profile: "dev-admin", Err: errors.New("expired")})
	if hint != "aws sso login --profile dev-admin" {
		t.Errorf("try: %s", hint)
	}
}
