package creds

import (
	"fmt"
	"strings"
)

// Every value awsrun writes into the child's config comes from outside (a flag, a variable, the
// user's files) and must stay one value on one line: a line break in it would end the line and
// let the rest set anything, a credential_process included, in the child's SDK. These checks
// run where the value enters (so the error can say where it came from) and again in the writer.

// maxRegionLen bounds a region name; real ones are at most 20 characters.
const maxRegionLen = 64

// RegionProblem says why r cannot be a region name, or "" when it can. A region is lowercase
// letters and digits in '-'-separated words, starting with a letter: us-east-1, us-gov-west-1,
// cn-north-1, eu-isoe-west-1, eusc-de-east-1, and the pseudo-regions aws-global and
// fips-us-east-1, as well as names S3-compatible stores use (garage, local).
func RegionProblem(r string) string {
	if p := valueProblem(r); p != "" {
		return p
	}
	ok := len(r) > 0 && len(r) <= maxRegionLen && r[0] >= 'a' && r[0] <= 'z' && r[len(r)-1] != '-' && !strings.Contains(r, "--")
	for i := 0; ok && i < len(r); i++ {
		c := r[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
	}
	if !ok {
		return "it is not a region name (lowercase letters, digits and '-', like us-east-1)"
	}
	return ""
}

// valueProblem says why v cannot be written as one value on one line of a config file, or "":
// no line break of any kind (CR and LF, and the Unicode ones some readers honour), no NUL and no
// other control character but tab.
func valueProblem(v string) string {
	for _, r := range v {
		switch {
		case r == '\n' || r == '\r':
			return "it holds a line break"
		case r == 0:
			return "it holds a NUL byte"
		case r == '\u0085' || r == '\u2028' || r == '\u2029':
			return "it holds a Unicode line break"
		case r < 0x20 && r != '\t' || r == 0x7f:
			return "it holds a control character"
		}
	}
	return ""
}

// UnsafeValueError is the writer refusing a value that would break the child's config: the
// last line of defence, after the checks where values enter. The value is not quoted.
type UnsafeValueError struct {
	Section string // e.g. "default", "services local"
	Setting string
	Problem string
}

func (e *UnsafeValueError) Error() string {
	return fmt.Sprintf("write the child's config: [%s] %s: %s", e.Section, e.Setting, e.Problem)
}

// CheckChildSettings checks every setting of the profile that the child's config would copy,
// with the [services] block it names: a value that cannot be written is a *ParseError naming
// the file and line, so the user learns where to fix it before anything starts.
func (p *Profile) CheckChildSettings() error {
	if p.config == nil {
		return nil
	}
	path := p.files.Config.Path
	check := func(s *Section, key, problem, name string) error {
		if problem == "" {
			return nil
		}
		line := s.lines[key]
		if line == 0 {
			line = s.Line
		}
		return &ParseError{Path: path, Line: line, Msg: name + ": " + problem}
	}
	checkSection := func(s *Section, keep func(string) bool) error {
		for _, k := range s.order {
			if !keep(k) {
				continue
			}
			// A bad setting name is not repeated: it is the bytes that are the problem.
			if problem := valueProblem(k); problem != "" {
				return check(s, k, problem, "a setting name")
			}
			problem := valueProblem(s.Keys[k])
			if k == "region" && s == p.config && s.Keys[k] != "" {
				problem = RegionProblem(s.Keys[k])
			}
			if err := check(s, k, problem, k); err != nil {
				return err
			}
			for _, nk := range sortedKeys(s.Nested[k]) {
				name := k + "." + nk
				if valueProblem(nk) != "" {
					name = k + ".(a sub-setting)"
				}
				if err := check(s, k+"."+nk, firstProblem(nk, s.Nested[k][nk]), name); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := checkSection(p.config, func(k string) bool { return childSettings[k] }); err != nil {
		return err
	}
	if svc := p.config.Keys["services"]; svc != "" {
		if s := p.files.Config.Section("services " + svc); s != nil {
			return checkSection(s, func(string) bool { return true })
		}
	}
	return nil
}

func firstProblem(vs ...string) string {
	for _, v := range vs {
		if p := valueProblem(v); p != "" {
			return p
		}
	}
	return ""
}
