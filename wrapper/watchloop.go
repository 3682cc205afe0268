package wrapper

import (
	"context"
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
