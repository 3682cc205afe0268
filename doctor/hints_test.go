package doctor

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/internal/testutil"
)

// TestFixLinesQuoteHostileNames: every fix that is a command naming the profile, pasted into a
// shell, passes the name as one argument and runs nothing else.
func TestFixLinesQuoteHostileNames(t *testing.T) {
	for _, name := range testutil.HostileNames {
		d := newDoctor(Options{Profile: name})
		cases := []struct {
			fix  string
			want []string
		}{
			{d.fixFor(&creds.LoginRequiredError{Profile: name}), []string{"aws", "sso", "login", "--profile", name}},
			{d.fixFor(&creds.LoginRequiredError{Profile: name, Login: true}), []string{"aws", "login", "--profile", name}},
			{d.fixFor(&creds.ProfileNotFoundError{Name: name}), []string{"aws", "configure", "sso", "--profile", name}},
			{d.fixFor(&creds.IncompleteProfileError{Profile: name}), []string{"aws", "configure", "sso", "--profile", name}},
			{d.fixFor(errors.New("something else")), []string{"aws", "sts", "get-caller-identity", "--profile", name, "--debug"}},
			{d.fixFor(&creds.AccessError{Profile: name, Code: "InvalidClientTokenId", Err: errors.New("x")}), []string{"aws", "configure", "--profile", name}},
			{configureFix(name), []string{"aws", "configure", "sso", "--profile", name}},
		}
		for _, c := range cases {
			line, _, _ := strings.Cut(c.fix, "   (")
			line = strings.TrimPrefix(line, "the access key is unknown or deactivated: ")
			if got := testutil.ShellWords(t, line); !slices.Equal(got, c.want) {
				t.Errorf("fix for %q: %s\nthe shell passed %q, want %q", name, c.fix, got, c.want)
			}
		}
	}
}

// TestRegionFixQuotesHostileNames: the region check's fix names the profile too.
func TestRegionFixQuotesHostileNames(t *testing.T) {
	for _, name := range testutil.HostileNames {
		home := writeHome(t, map[string]string{".aws/config": "[profile x]\ncredential_process = x\n"})
		rep := Run(context.Background(), Options{Env: []string{"HOME=" + home}, Profile: name, Transport: stsDate{}})
		fix := find(t, rep, "region").Fix
		if got := testutil.ShellWords(t, fix); !slices.Equal(got, []string{"aws", "configure", "set", "region", "us-east-1", "--profile", name}) {
			t.Errorf("region fix for %q: %s\nthe shell passed %q", name, fix, got)
		}
	}
}
