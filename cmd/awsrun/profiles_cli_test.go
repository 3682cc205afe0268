//go:build unix

package main

import (
	"strings"
	"testing"

	"github.com/awsrun/awsrun/internal/fakeaws"
)

// TestProfilesFlag: --profiles (and AWSRUN_PROFILES) is read at start: a list that is not one
// is a usage error, a list naming a profile the files lack stops awsrun with exit 78 naming the
// profiles that exist, before the command runs.
func TestProfilesFlag(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	marker := "command-ran"
	for _, tc := range []struct {
		env  []string
		args []string
		code int
		want []string
	}{
		{nil, []string{"--profiles", "sso,,role"}, exitUsage, []string{"--profiles: name 2 of the list", "usage: awsrun"}},
		{[]string{"AWSRUN_PROFILES=,"}, nil, exitUsage, []string{"--profiles: name 1 of the list"}},
		{nil, []string{"--profiles", "role,prdo"}, exitConfig, []string{`check --profiles: profile "prdo" not found; profiles that exist: `, "base", "role", "awsrun: try: aws configure list-profiles"}},
		{[]string{"AWSRUN_PROFILES=nosuch"}, nil, exitConfig, []string{`profile "nosuch" not found`}},
		{nil, []string{"--profiles", "role,base"}, 0, []string{marker}},
		{nil, []string{"--profiles", "none"}, 0, []string{marker}},
		{[]string{"AWSRUN_PROFILES=all"}, nil, 0, []string{marker}},
	} {
		args := append(append([]string{"-p", "sso"}, tc.args...), "--", "sh", "-c", "echo "+marker)
		r := w.run(tc.env, args...)
		got := r.stdout + r.stderr
		if r.code != tc.code {
			t.Errorf("%v awsrun %q: exit %d, want %d: %s", tc.env, args, r.code, tc.code, got)
			continue
		}
		for _, s := range tc.want {
			if !strings.Contains(got, s) {
				t.Errorf("%v awsrun %q: output lacks %q: %s", tc.env, args, s, got)
			}
		}
		if tc.code != 0 && strings.Contains(r.stdout, marker) {
			t.Errorf("%v awsrun %q ran the command", tc.env, args)
		}
	}
}
