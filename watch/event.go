package watch

import (
	"maps"
	"slices"
)

// Kind says what a watched path holds, so the receiver can react by kind instead of comparing
// paths. Options.Kinds labels the watched files and directories.
type Kind int

const (
	// KindOther is a path Options.Kinds does not label.
	KindOther Kind = iota
	// KindConfig is the AWS config file or the shared credentials file.
	KindConfig
	// KindSSOToken is an SSO token in ~/.aws/sso/cache (`aws sso login`).
	KindSSOToken
	// KindLoginToken is an `aws login` token in ~/.aws/login/cache, or AWS_LOGIN_CACHE_DIRECTORY
	// when set: a new `aws login` in another terminal, or a renewal written back by a process.
	KindLoginToken
	// KindCLICache is the AWS CLI's own credential cache, ~/.aws/cli/cache.
	KindCLICache
)

func (k Kind) String() string {
	switch k {
	case KindConfig:
		return "config"
	case KindSSOToken:
		return "sso-token"
	case KindLoginToken:
		return "login-token"
	case KindCLICache:
		return "cli-cache"
	}
	return "other"
}

// Event reports that watched files may have changed. It says nothing about their contents:
// the receiver re-reads what it cares about.
type Event struct {
	// Paths are the distinct watched paths that changed in the burst, sorted.
	Paths []string

	// Kinds holds the kind of each of Paths that Options.Kinds labels (directly, or through
	// the watched directory it is in); the others are KindOther.
	Kinds map[string]Kind

	// Overflow means events may have been missed (the kernel queue overflowed, or a watched
	// directory was lost or watched again), so the receiver should re-check everything.
	Overflow bool
}

// Has reports whether a path of kind k is among Paths.
func (e Event) Has(k Kind) bool {
	for _, p := range e.Paths {
		if e.Kinds[p] == k {
			return true
		}
	}
	return false
}

// Of returns the paths of kind k, sorted.
func (e Event) Of(k Kind) []string {
	var out []string
	for _, p := range e.Paths {
		if e.Kinds[p] == k {
			out = append(out, p)
		}
	}
	return out
}

// batch accumulates what changed since the last Event. Only the loop goroutine touches it.
type batch struct {
	paths    map[string]bool
	kinds    map[string]Kind
	overflow bool
}

func (b *batch) add(path string, k Kind) {
	if b.paths == nil {
		b.paths = map[string]bool{}
	}
	b.paths[path] = true
	if k != KindOther {
		if b.kinds == nil {
			b.kinds = map[string]Kind{}
		}
		b.kinds[path] = k
	}
}

func (b *batch) empty() bool { return len(b.paths) == 0 && !b.overflow }

// take returns the batch as an Event and empties it.
func (b *batch) take() Event {
	ev := Event{Paths: slices.Sorted(maps.Keys(b.paths)), Kinds: b.kinds, Overflow: b.overflow}
	*b = batch{}
	return ev
}

// merge folds an Event the receiver has not collected yet into a newer one, so that a slow
// receiver loses no path and never makes the loop wait.
func merge(older, newer Event) Event {
	b := batch{overflow: older.Overflow || newer.Overflow}
	for _, p := range older.Paths {
		b.add(p, older.Kinds[p])
	}
	for _, p := range newer.Paths {
		b.add(p, newer.Kinds[p])
	}
	return b.take()
}
