package main

import (
	"fmt"
	"strings"
)

// The roff (man(7)) side of the man page: manWriter and the escaping and font helpers that
// manPage (manpage.go) writes awsrun(1) with.

// manWriter builds roff source. Text goes through escape; raw takes roff as it is.
type manWriter struct {
	b    strings.Builder
	last string // the request last written, "" after text
}

// macro writes a request; each argument is escaped and quoted when it has spaces. A paragraph
// right after a heading is left out: the heading starts one.
func (m *manWriter) macro(name string, args ...string) {
	if name == "PP" && (m.last == "SH" || m.last == "SS") {
		return
	}
	m.last = name
	m.b.WriteString("." + name)
	for _, a := range args {
		a = strings.ReplaceAll(escape(a), `"`, `\(dq`)
		if strings.ContainsAny(a, " \t") || a == "" {
			a = `"` + a + `"`
		}
		m.b.WriteString(" " + a)
	}
	m.b.WriteString("\n")
}

// raw writes one line of roff; a line that would read as a request is protected.
func (m *manWriter) raw(line string) {
	if strings.HasPrefix(line, ".") || strings.HasPrefix(line, "'") {
		line = `\&` + line
	}
	m.last = ""
	m.b.WriteString(line + "\n")
}

// text writes running text, filled: one output line per input line, leading blanks dropped
// (in roff they would break the line).
func (m *manWriter) text(s string) {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			m.raw(escape(l))
		}
	}
}

// paragraphs writes text whose paragraphs are separated by blank lines. A paragraph with
// indented lines (a table, examples) keeps its layout.
func (m *manWriter) paragraphs(s string) {
	for _, p := range strings.Split(strings.TrimSpace(s), "\n\n") {
		p = strings.Trim(p, "\n")
		if strings.TrimSpace(p) == "" {
			continue
		}
		m.macro("PP")
		if !strings.Contains(p, "\n ") {
			m.text(p)
			continue
		}
		m.macro("nf")
		for _, l := range strings.Split(p, "\n") {
			m.raw(escape(strings.TrimRight(l, " \t")))
		}
		m.macro("fi")
	}
}

// example writes command lines unfilled and indented.
func (m *manWriter) example(lines []string) {
	m.macro("PP")
	m.macro("RS", "4")
	m.macro("nf")
	for _, l := range lines {
		m.raw(escape(l))
	}
	m.macro("fi")
	m.macro("RE")
}

// synopsis writes a usage line with the program name (and subcommand) in bold.
func (m *manWriter) synopsis(usage string) {
	words := strings.Fields(usage)
	n := 1
	if len(words) > 1 && !strings.HasPrefix(words[1], "-") && !strings.HasPrefix(words[1], "[") && strings.ToLower(words[1]) == words[1] {
		n = 2 // "awsrun doctor ..."
	}
	if n > len(words) {
		n = len(words)
	}
	line := bold(strings.Join(words[:n], " "))
	if rest := strings.Join(words[n:], " "); rest != "" {
		line += " " + escape(rest)
	}
	m.raw(line)
}

func bold(s string) string   { return `\fB` + escape(s) + `\fR` }
func italic(s string) string { return `\fI` + escape(s) + `\fR` }

// boldList sets each of a comma-separated list in bold.
func boldList(s string) string {
	parts := strings.Split(s, ", ")
	for i, p := range parts {
		parts[i] = bold(p)
	}
	return strings.Join(parts, ", ")
}

// escape makes s safe as roff text: backslashes, hyphens as minus signs (so options can be
// copied), and non-ASCII characters as named code points (groff reads its input as Latin-1).
// Lines that start with a dot or an apostrophe are protected where they are written.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\(rs`)
		case r == '-':
			b.WriteString(`\-`)
		case r == '\t':
			b.WriteString(" ")
		case r < ' ' || r == 0x7f:
			// control characters have no place in a man page
		case r > 0x7e:
			fmt.Fprintf(&b, `\[u%04X]`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
