package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/awsrun/awsrun/creds"
	"golang.org/x/term"
)

// parseLevel accepts debug, info, warn and error.
func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToLower(s))); err != nil {
		return 0, fmt.Errorf("unknown --log-level %q: use debug, info, warn or error", s)
	}
	return l, nil
}

// gate keeps awsrun's log off the child's terminal: while a child runs on a terminal, records
// meant for that terminal are held back (only counted); a log file always gets everything.
type gate struct {
	closed  atomic.Bool
	held    atomic.Int64
	enabled bool // the sink is a terminal, so holding back applies
}

// gatedHandler drops records while the gate is closed.
type gatedHandler struct {
	slog.Handler
	g *gate
}

func (h gatedHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.g.enabled && h.g.closed.Load() {
		if r.Level >= slog.LevelWarn {
			h.g.held.Add(1)
		}
		return nil
	}
	return h.Handler.Handle(ctx, r)
}

func (h gatedHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return gatedHandler{h.Handler.WithAttrs(a), h.g}
}

func (h gatedHandler) WithGroup(n string) slog.Handler {
	return gatedHandler{h.Handler.WithGroup(n), h.g}
}

// newLogger builds awsrun's logger. With a log file everything at level goes there; otherwise
// to stderr, held back while the child owns a terminal.
func newLogger(level slog.Level, file string, stderr *os.File) (*slog.Logger, *gate, io.Closer, error) {
	g := &gate{}
	opts := &slog.HandlerOptions{Level: level}
	if file != "" {
		f, err := openLogFile(file) // logfile_unix.go: no symlink, no file others control
		if err != nil {
			return nil, nil, nil, fmt.Errorf("open --log-file %s: %w", file, err)
		}
		return slog.New(slog.NewTextHandler(&lockedWriter{w: f}, opts)), g, f, nil
	}
	g.enabled = term.IsTerminal(int(stderr.Fd()))
	h := slog.NewTextHandler(&lockedWriter{w: stderr}, opts)
	return slog.New(gatedHandler{h, g}), g, io.NopCloser(nil), nil
}

// lockedWriter serialises writes from the refresh loop and the endpoint. Each write is one
// whole record (slog's handlers write a record at once), so it is also where every secret
// awsrun knows of is scrubbed, whatever attribute carried it.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.w.Write(creds.ScrubBytes(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
