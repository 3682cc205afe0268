package wrapper

import (
	"bufio"
	"context"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/awsrun/awsrun/child"
	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/internal/shellquote"
	"github.com/awsrun/awsrun/watch"
)

// loginTimeout bounds one login: the browser flow waits for a person.
const loginTimeout = 10 * time.Minute

// loginArgv is the command that starts a new session for the profile: --login-command, else
// `aws login --profile P` for an `aws login` profile (P the login profile, which for a role is
// its source), else `aws sso login --profile P`.
func (s *session) loginArgv() []string {
	if len(s.cfg.LoginCommand) > 0 {
		return s.cfg.LoginCommand
	}
	s.mu.Lock()
	kind, loginProfile := s.token.kind, s.token.loginProfile
	s.mu.Unlock()
	if kind == watch.KindLoginToken {
		return []string{"aws", "login", "--profile", loginProfile}
	}
	return []string{"aws", "sso", "login", "--profile", s.cfg.Profile}
}

// sessionName is how messages name the session behind the profile.
func (s *session) sessionName() string {
	if s.loginSession() {
		return "aws login session"
	}
	return "SSO session"
}

// sessionEnded is called when upstream says the SSO or `aws login` session is over. It tells the user what to
// run (prompt, never) or runs the login itself (auto), at most one at a time in this process.
func (s *session) sessionEnded(ctx context.Context, cause error) {
	if !isLoginRequired(cause) {
		return
	}
	s.mu.Lock()
	fp := s.token.fp
	repeat := s.token.endedFP == fp && fp != ""
	s.token.endedFP = fp
	s.mu.Unlock()
	if repeat && !(s.cfg.Login == LoginAuto && !s.loggingIn.Load()) {
		return
	}
	cmd := shellquote.Join(s.loginArgv()...)
	if s.cfg.Login != LoginAuto {
		s.log.Warn("the "+s.sessionName()+" has ended; credentials cannot be renewed until you log in", "profile", s.cfg.Profile, "run", cmd)
		s.notify("AWS "+s.sessionName()+" ended", "Profile "+s.cfg.Profile+": run "+cmd)
		return
	}
	if !s.loggingIn.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.loggingIn.Store(false)
		defer s.recoverInternal()
		if s.login(ctx, false) {
			if k, _ := s.tokenCache(); k != watch.KindOther {
				s.tokenChanged(ctx, k)
			}
		}
	}()
}

// login runs the login command under a per-user lock, so that N awsrun processes whose session
// ended together open one browser tab, not N; the others find the new token when they get the
// lock and skip their own login. In the foreground (before the child starts) the command gets
// the terminal; later its output goes to the log and its first URL to a desktop notification,
// never to the child's screen. It reports whether a new token may now be there.
func (s *session) login(ctx context.Context, foreground bool) bool {
	before := s.currentTokenFingerprint()
	lock, ok, err := lockUser(ctx, "sso-login", loginTimeout)
	if err != nil || !ok {
		s.log.Warn("could not take the login lock; log in yourself", "run", shellquote.Join(s.loginArgv()...), "error", err)
		return false
	}
	defer lock.release()
	if fp := s.readTokenFingerprint(); fp != "" && fp != before {
		s.log.Info("another process logged in already; using its new session token", "session", s.sessionName())
		return true
	}
	argv := s.loginArgv()
	s.log.Info(s.sessionName()+" ended; running the login command", "command", shellquote.Join(argv...))
	opts := child.Options{Command: argv[0], Args: argv[1:], Env: s.cfg.Env, KillTimeout: 5 * time.Second}
	var r, w *os.File
	if foreground {
		opts.Stdin, opts.Stdout, opts.Stderr = s.cfg.Stdin, s.cfg.Stderr, s.cfg.Stderr
	} else {
		if r, w, err = os.Pipe(); err != nil {
			s.log.Warn("login: could not capture output", "error", err)
			return false
		}
		opts.Stdout, opts.Stderr = w, w
	}
	p, err := child.New(opts)
	if err == nil {
		err = p.Start()
	}
	if w != nil {
		w.Close() // the login holds its own copy; the pipe ends when it (and what it started) exits
	}
	if err != nil {
		if r != nil {
			r.Close()
		}
		s.log.Warn("login command could not start; check --login-command", "command", shellquote.Join(argv...), "error", err)
		return false
	}
	if r != nil {
		go func() {
			defer r.Close()
			defer s.recoverInternal()
			s.relayLoginOutput(r)
		}()
	}
	t := time.NewTimer(loginTimeout)
	defer t.Stop()
	select {
	case <-p.Done():
	case <-t.C:
		s.log.Warn("login command did not finish in time; stopping it", "command", shellquote.Join(argv...), "timeout", loginTimeout.String())
		p.Stop()
	case <-ctx.Done():
		p.Stop()
		return false
	}
	if code := p.Status().ExitCode(); code != 0 {
		s.log.Warn("login command failed; run it yourself", "run", shellquote.Join(argv...), "exit", code)
		return false
	}
	return true
}

// relayLoginOutput logs the login's lines and sends the first URL (the device or browser link
// a person must open) as a notification.
func (s *session) relayLoginOutput(r *os.File) {
	sc := bufio.NewScanner(r)
	notified := false
	for i := 0; sc.Scan() && i < 1000; i++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		s.log.Info("login", "output", line)
		if !notified && strings.Contains(line, "https://") {
			notified = s.notify("AWS login for "+s.cfg.Profile, line)
		}
	}
}

func (s *session) currentTokenFingerprint() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token.fp
}

func (s *session) readTokenFingerprint() string {
	v, err := readTokenCache(s.tokenCache())
	if err != nil {
		return ""
	}
	return v.fingerprint
}

// notify sends a desktop notification when enabled.
func (s *session) notify(title, msg string) bool {
	if s.notifier == nil {
		return false
	}
	return s.notifier.Notify(title, msg)
}

// isLoginRequired reports an ended SSO or `aws login` session.
func isLoginRequired(err error) bool {
	var lr *creds.LoginRequiredError
	return errors.As(err, &lr)
}
