// Package wrapper runs one command under awsrun's supervision: it resolves credentials, hands
// them to the child (loopback endpoint or environment), renews them before they expire, and
// reports how the child ended. It holds the policy; the leaf packages hold the mechanisms.
package wrapper

import (
	"errors"
	"fmt"
	"log/slog"

	"os"
	"syscall"
	"time"

	"github.com/awsrun/awsrun/internal/sigintake"

	"github.com/awsrun/awsrun/creds"
)

// Injection modes.
const (
	InjectEndpoint = "endpoint"
	InjectEnv      = "env"
)

// Config is everything Run needs, parsed and validated by cmd/awsrun.
type Config struct {
	// Profile to use; empty means DefaultProfile unless no such profile exists and the environment
	// holds keys (then the SDK's environment chain is used).
	Profile string
	// ProfileExplicit says the user named the profile (flag or AWS_PROFILE), so a missing one is an
	// error rather than a reason to fall back to environment keys.
	ProfileExplicit bool
	// Region overrides the profile's region for awsrun and the child.
	Region string
	// Profiles says which of the user's other profiles the child may use (--profiles); the zero
	// value allows all of them.
	Profiles creds.ProfileFilter
	// Executable is awsrun's absolute path, which the child's config runs as every other
	// profile's credential_process (endpoint mode); empty keeps the child to [default] alone.
	Executable string
	// Inject is InjectEndpoint (default) or InjectEnv.
	Inject string
	// RefreshBefore is the most awsrun renews ahead of expiry; see renewAt.
	RefreshBefore time.Duration
	// Duration is the assume-role / session-token length asked for.
	Duration time.Duration
	// NoSession serves long-term keys as they are instead of GetSessionToken credentials.
	NoSession bool
	// CABundle is AWS_CA_BUNDLE when the caller took it out of the process environment, so the
	// SDK reads it on its first request rather than parsing it before the child starts.
	CABundle string
	// KillTimeout is how long a stopping child gets after StopSignal before SIGKILL (--stop-timeout).
	KillTimeout time.Duration
	// StopSignal is what a restart (env mode) sends the child first; default SIGTERM.
	StopSignal syscall.Signal
	// RestartCommand, when set, is the argv used for restarts in env mode (e.g. claude --continue).
	RestartCommand []string
	// RestartSplay is the upper bound of a random delay before each restart, so many awsrun
	// processes renewing at the same moment do not restart their children all at once.
	RestartSplay time.Duration
	// Command is the child's argv.
	Command []string
	// Login says what to do when the SSO or `aws login` session has ended: LoginNever,
	// LoginPrompt (default: tell the user the command) or LoginAuto (run LoginCommand, one login
	// per user at a time).
	Login string
	// LoginCommand is the login's argv; default aws sso login --profile PROFILE, or for an
	// `aws login` profile (or a role on one) aws login --profile LOGIN-PROFILE.
	LoginCommand []string
	// WarnBefore lists how long before the SSO session ends to warn; default 30m and 5m. An
	// `aws login` session's end is not known ahead, so it gets no warning (see startWarnings).
	WarnBefore []time.Duration
	// Notify sends warnings as desktop notifications too (notify-send, osascript).
	Notify bool
	// Env is awsrun's own environment (os.Environ() when nil); the child's is built from it.
	Env []string
	// Stdin, Stdout and Stderr are handed to the child as they are.
	Stdin, Stdout, Stderr *os.File
	// Logger receives awsrun's own log; never nil after Validate.
	Logger *slog.Logger
	// ChildRunning, when set, is called with true just before the child starts and false after
	// it has been reaped, so the caller can keep log output off the child's terminal.
	ChildRunning func(bool)
	// Signals holds the forwarded signals, registered by the caller as early as it could (see
	// sigintake); Run hands it to the supervisor and closes it. Nil: Run registers them itself.
	Signals *sigintake.Intake
	// Prepared is endpoint mode's set-up, started by the caller before it parsed the command
	// line (Prepare); Run takes it over, and discards it when it serves no endpoint. Nil: Run
	// starts it itself.
	Prepared *Prepared
}

// Login modes.
const (
	LoginNever  = "never"
	LoginPrompt = "prompt"
	LoginAuto   = "auto"
)

// Defaults.
const (
	DefaultRefreshBefore = 20 * time.Minute
	DefaultKillTimeout   = 10 * time.Second
)

// ErrNoCommand is returned when there is nothing to run.
var ErrNoCommand = errors.New("no command given")

// Validate fills defaults and rejects impossible combinations.
func (c *Config) Validate() error {
	if len(c.Command) == 0 || c.Command[0] == "" {
		return ErrNoCommand
	}
	switch c.Inject {
	case "":
		c.Inject = InjectEndpoint
	case InjectEndpoint, InjectEnv:
	default:
		return fmt.Errorf("unknown --inject mode %q: use endpoint or env", c.Inject)
	}
	if c.RefreshBefore <= 0 {
		c.RefreshBefore = DefaultRefreshBefore
	}
	if c.KillTimeout <= 0 {
		c.KillTimeout = DefaultKillTimeout
	}
	switch c.Login {
	case "":
		c.Login = LoginPrompt
	case LoginNever, LoginPrompt, LoginAuto:
	default:
		return fmt.Errorf("unknown --login %q: use never, prompt or auto", c.Login)
	}
	if c.WarnBefore == nil {
		c.WarnBefore = []time.Duration{30 * time.Minute, 5 * time.Minute}
	}
	if c.StopSignal == 0 {
		c.StopSignal = syscall.SIGTERM
	}
	if c.RestartSplay < 0 {
		return fmt.Errorf("--restart-splay must not be negative")
	}
	if c.Env == nil {
		c.Env = os.Environ()
	}
	if c.Stdin == nil {
		c.Stdin = os.Stdin
	}
	if c.Stdout == nil {
		c.Stdout = os.Stdout
	}
	if c.Stderr == nil {
		c.Stderr = os.Stderr
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}
