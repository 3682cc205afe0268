// Package shellquote writes values into command lines that awsrun suggests to the user
// ("try: aws sso login --profile dev"), so that pasting one into a POSIX shell passes each value
// as exactly one argument, whatever it holds: a profile name is the user's, but it is still text
// from a file (design.md "Trust boundary").
package shellquote

import "strings"

// Quote returns s as one POSIX shell word. Plain words (letters, digits and @%+:,./_-) are
// left as they are, so everyday hints read as before; anything else is single-quoted, and a
// single quote inside ends the quoting, is written backslash-escaped, and reopens it. The empty
// string is a pair of single quotes.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	if plain(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Join quotes each word and joins them with spaces: a whole command line.
func Join(words ...string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = Quote(w)
	}
	return strings.Join(q, " ")
}

// plain reports a word no shell users paste into treats specially anywhere in it: not '~' or
// '#' (tilde expansion, a comment at the start of a word), nor '=' (zsh expands "=name" to a
// command's path).
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("@%+:,./_-", c) >= 0:
		default:
			return false
		}
	}
	return true
}
