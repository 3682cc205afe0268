package creds

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

// Section is one [section] of an AWS shared config or credentials file.
type Section struct {
	// Name is the section header without brackets, e.g. "profile dev", "default", "sso-session corp".
	Name string
	// Line is the 1-based line of the header, for messages that point the user at the file.
	Line int
	// Keys holds the simple key = value pairs, keys lower-cased as the SDKs treat them.
	Keys map[string]string
	// Nested holds indented sub-properties such as "s3 =\n  max_concurrent_requests = 10".
	Nested map[string]map[string]string
	// order keeps the keys in file order so generated files read like the original.
	order []string
	// lines holds the 1-based line of each key ("key", or "key.sub" for a sub-property), for
	// errors about a value.
	lines map[string]int
}

// File is a parsed AWS shared config or credentials file.
type File struct {
	Path     string
	Sections []*Section
}

// ParseError names the file and line of a malformed config, so the user can fix it without guessing.
type ParseError struct {
	Path string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
}

// Section returns the section with the exact name, or nil.
func (f *File) Section(name string) *Section {
	if f == nil {
		return nil
	}
	for _, s := range f.Sections {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// ReadFile parses path; a file that does not exist is an empty file, as it is for the SDKs.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return &File{Path: path}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return Parse(path, data)
}

// Parse reads the INI dialect of ~/.aws/config and ~/.aws/credentials: [sections], key = value,
// comments starting with # or ;, and indented sub-properties under a key with an empty value.
func Parse(path string, data []byte) (*File, error) {
	f := &File{Path: path}
	// botocore breaks lines at a lone CR too; so must we, or "region = x\rcredential_process = y"
	// would be one value here and a credential setting in the child's SDK.
	data = bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n"))
	var cur *Section
	var nestedKey string
	line := 0
	for rest := data; len(rest) > 0; {
		// The lines are sliced out of data as they come: a bufio.Scanner's 64 KiB buffer was
		// most of a start's parsing cost in page faults, for files of a few hundred bytes.
		next := bytes.IndexByte(rest, '\n')
		if next < 0 {
			next = len(rest)
		}
		line++
		if next > maxLine {
			return nil, &ParseError{path, line, "line is longer than 1 MiB"}
		}
		raw := string(rest[:next])
		rest = rest[min(next+1, len(rest)):]
		if line == 1 {
			raw = strings.TrimPrefix(raw, "\uFEFF")
		}
		trimmed := strings.TrimSpace(raw)
		if trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';' {
			continue
		}
		indented := raw[0] == ' ' || raw[0] == '\t'
		if trimmed[0] == '[' {
			end := strings.IndexByte(trimmed, ']')
			if end < 0 {
				return nil, &ParseError{path, line, "section header is missing its closing ']'"}
			}
			if rest := strings.TrimSpace(trimmed[end+1:]); rest != "" && rest[0] != '#' && rest[0] != ';' {
				return nil, &ParseError{path, line, "unexpected text after section header"}
			}
			name := strings.Join(strings.Fields(trimmed[1:end]), " ")
			if name == "" {
				return nil, &ParseError{path, line, "empty section name"}
			}
			cur = &Section{Name: name, Line: line, Keys: map[string]string{}, lines: map[string]int{}}
			f.Sections = append(f.Sections, cur)
			nestedKey = ""
			continue
		}
		eq := strings.IndexByte(trimmed, '=')
		if eq < 0 {
			// The line is not echoed: a malformed line may hold a secret key.
			return nil, &ParseError{path, line, "expected 'key = value' or '[section]'"}
		}
		if cur == nil {
			return nil, &ParseError{path, line, "key outside of any [section]"}
		}
		key := strings.ToLower(strings.TrimSpace(trimmed[:eq]))
		val := stripInlineComment(strings.TrimSpace(trimmed[eq+1:]))
		if key == "" {
			return nil, &ParseError{path, line, "missing key before '='"}
		}
		if indented && nestedKey != "" {
			if cur.Nested == nil {
				cur.Nested = map[string]map[string]string{}
			}
			cur.Nested[nestedKey][key] = val
			cur.lines[nestedKey+"."+key] = line
			continue
		}
		if val == "" {
			// An empty value opens a nested block (s3 =, then indented lines).
			nestedKey = key
			if cur.Nested == nil {
				cur.Nested = map[string]map[string]string{}
			}
			if cur.Nested[key] == nil {
				cur.Nested[key] = map[string]string{}
			}
		} else {
			nestedKey = ""
		}
		if _, seen := cur.Keys[key]; !seen {
			cur.order = append(cur.order, key)
		}
		cur.Keys[key] = val
		cur.lines[key] = line
	}
	return f, nil
}

// maxLine is the longest line Parse takes.
const maxLine = 1 << 20

// stripInlineComment removes " # ..." and " ; ..." as botocore does: only after whitespace,
// so values such as URLs with '#' fragments survive.
func stripInlineComment(v string) string {
	for i := 1; i < len(v); i++ {
		if (v[i] == '#' || v[i] == ';') && (v[i-1] == ' ' || v[i-1] == '\t') {
			return strings.TrimSpace(v[:i])
		}
	}
	return v
}
