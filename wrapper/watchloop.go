package wrapper

import (
	"context"
	"os"
	"path/filepath"

	"github.com/awsrun/awsrun/watch"
)

// startWatch watches the user's AWS files for the session. Watching is an optimisation on top
// of the timer-driven refresh, so a failure to watch is logged and awsrun carries on.
func (s *session) startWatch() *watch.Watcher {
	files := []string{s.configPath, s.credsPath}
	if p := s.ssoTokenPath(); p != "" {
		files = append(files, p)
	}
	var dirs []string
	if s.home != "" {
		dirs = append(dirs, filepath.Join(s.home, ".aws", "cli", "cache"))
	}
	w, err := watch.New(watch.Options{Files: files, Dirs: dirs, Logger: s.log.With("component", "watch")})
	if err == nil {
		err = w.Start()
	}
	if err != nil {
		s.log.Warn("not watching ~/.aws for changes; credentials still renew on schedule", "error", err)
		return nil
	}
	return w
}

// watchLoop turns file events into reactions until ctx ends.
func (s *session) watchLoop(ctx context.Context, w *watch.Watcher) error {
	if w == nil {
		<-ctx.Done()
		return nil
	}
	defer w.Close()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events():
			if !ok {
				return nil
			}
			s.react(ctx, ev)
		}
	}
}

// react decides what a change means: an edited config or credentials file reloads the profile;
// a new SSO token renews at once; anything else (the CLI's own cache) needs nothing.
func (s *session) react(ctx context.Context, ev watch.Event) {
	profileChanged, tokenChanged := ev.Overflow, ev.Overflow
	token := s.ssoTokenPath()
	for _, p := range ev.Paths {
		switch p {
		case s.configPath, s.credsPath:
			profileChanged = true
		case token:
			tokenChanged = true
		default:
			s.log.Debug("file changed; nothing to do", "path", p)
		}
	}
	if profileChanged {
		s.reloadProfile(ctx)
	}
	if tokenChanged && !profileChanged {
		s.tokenChanged(ctx)
	}
}

// fileStamps identify the versions of files: a replaced or rewritten file stamps differently.
type fileStamps []os.FileInfo

// stampFiles stamps paths now; a missing file stamps as nil.
func stampFiles(paths ...string) fileStamps {
	st := make(fileStamps, len(paths))
	for i, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			st[i] = fi
		}
	}
	return st
}

func (a fileStamps) same(b fileStamps) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if (x == nil) != (y == nil) {
			return false
		}
		if x != nil && (!os.SameFile(x, y) || !x.ModTime().Equal(y.ModTime()) || x.Size() != y.Size()) {
			return false
		}
	}
	return true
}

// catchUp reacts, once the watch is up, to what changed between awsrun reading the files and
// the watch starting (it starts after the child has settled): a new login or an edit made then
// is picked up as the watch would have.
func (s *session) catchUp(ctx context.Context) {
	if !s.readStamps.same(stampFiles(s.configPath, s.credsPath)) {
		s.log.Debug("the AWS files changed before the watch started; re-reading them")
		s.react(ctx, watch.Event{Paths: []string{s.configPath}})
		return
	}
	s.tokenChanged(ctx) // compares the token's fingerprint; nothing happens when it is the same
}
