package creds

import (
	"errors"
	"strings"
	"testing"
)

func TestParseProfileFilter(t *testing.T) {
	for _, tc := range []struct {
		in      string
		str     string
		allowed []string
		refused []string
	}{
		{"", "all", []string{"dev", "prod", "all", "none"}, nil},
		{"all", "all", []string{"dev", "prod"}, nil},
		{" all ", "all", []string{"dev", "prod"}, nil},
		{"none", "none", nil, []string{"dev", "prod", "none"}},
		{"prod", "prod", []string{"prod"}, []string{"dev", "all"}},
		{"prod, dev ,prod", "prod,dev", []string{"prod", "dev"}, []string{"test"}},
		{"all,", "all,", []string{"all"}, []string{"dev"}},
		{"none,", "none,", []string{"none"}, []string{"dev"}},
		{"all,dev", "all,dev", []string{"all", "dev"}, []string{"prod"}},
		{"team/prod@x", "team/prod@x", []string{"team/prod@x"}, []string{"team"}},
	} {
		f, err := ParseProfileFilter(tc.in)
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if f.String() != tc.str {
			t.Errorf("%q: String() = %q, want %q", tc.in, f.String(), tc.str)
		}
		back, err := ParseProfileFilter(f.String())
		if err != nil || back.String() != f.String() {
			t.Errorf("%q: String() %q does not read back (%v)", tc.in, f.String(), err)
		}
		for _, n := range tc.allowed {
			if !f.Allows(n, "") {
				t.Errorf("%q refuses %q", tc.in, n)
			}
		}
		for _, n := range tc.refused {
			if f.Allows(n, "") {
				t.Errorf("%q allows %q", tc.in, n)
			}
			if !f.Allows(n, n) {
				t.Errorf("%q refuses %q, the profile awsrun serves", tc.in, n)
			}
		}
	}
	var zero ProfileFilter
	if !zero.AllowsAll() || !zero.Allows("anything", "") {
		t.Error("the zero ProfileFilter must allow all")
	}
}

func TestParseProfileFilterRefuses(t *testing.T) {
	for _, in := range []string{",", "a,,b", ",a", "a, ,b", "a,b,,", "a\nb", "a,b\x00"} {
		_, err := ParseProfileFilter(in)
		var le *ProfileListError
		if !errors.As(err, &le) {
			t.Errorf("%q: err = %v, want a *ProfileListError", in, err)
			continue
		}
		if !strings.Contains(err.Error(), "comma") || strings.Contains(err.Error(), in) && len(in) > 2 {
			t.Errorf("%q: %v: want the rule (names separated by commas) and not the value", in, err)
		}
	}
}

func TestProfileFilterCheck(t *testing.T) {
	f := mustFiles(t, "[profile dev]\nregion = us-east-1\n[profile prod]\nregion = us-east-1\n", "[a,b]\naws_access_key_id = x\n")
	for _, ok := range []string{"all", "none", "dev", "prod,dev"} {
		filter, _ := ParseProfileFilter(ok)
		if err := filter.Check(f); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	filter, _ := ParseProfileFilter("prod,staging,dve")
	err := filter.Check(f)
	var unknown *UnknownProfilesError
	if !errors.As(err, &unknown) {
		t.Fatalf("err = %v, want an *UnknownProfilesError", err)
	}
	if strings.Join(unknown.Unknown, ",") != "staging,dve" {
		t.Errorf("unknown = %v, want staging, dve", unknown.Unknown)
	}
	if !errors.Is(err, ErrNoProfile) {
		t.Error("an *UnknownProfilesError must wrap ErrNoProfile")
	}
	msg := err.Error()
	for _, want := range []string{`"staging"`, `"dve"`, "--profiles", "dev, prod", "a name with a comma cannot be listed"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestProfileNotAllowedError(t *testing.T) {
	none, _ := ParseProfileFilter("none")
	list, _ := ParseProfileFilter("test,dev")
	for _, tc := range []struct {
		f    ProfileFilter
		want string
	}{
		{none, "--profiles none"},
		{list, "not in --profiles (dev, test)"},
	} {
		err := error(&ProfileNotAllowedError{Name: "prod", Filter: tc.f})
		if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `"prod"`) {
			t.Errorf("%v: want the profile and %q", err, tc.want)
		}
		if !errors.Is(err, ErrProfileNotAllowed) {
			t.Errorf("%v does not wrap ErrProfileNotAllowed", err)
		}
	}
}
