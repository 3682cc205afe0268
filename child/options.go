package child

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// DefaultKillTimeout is how long Stop waits after the stop signal before it
// sends SIGKILL when Options.KillTimeout is zero.
const DefaultKillTimeout = 10 * time.Second

// Options describes the process to run and how to supervise it. The zero
// value of every field except Command is usable.
type Options struct {
	// Command is the program to run: a name looked up in awsrun's PATH the
	// way a shell does (exec.LookPath rules, so a match relative to the
	// current directory is refused), or a path, which is taken relative to
	// awsrun's working directory rather than Dir.
	Command string

	// Args are the arguments after the command; argv[0] is Command as given.
	Args []string

	// Env is the complete environment of the child. A nil Env gives the
	// child an empty environment rather than awsrun's, so that nothing
	// (stale AWS variables above all) leaks in by accident.
	Env []string

	// Dir is the working directory of the child; empty means awsrun's.
	Dir string

	// Stdin is handed to the child as its file descriptor 0 with no copying
	// goroutine in between, so a full-screen program keeps the real
	// terminal. Nil means the null device.
	Stdin *os.File

	// Stdout is handed to the child as its file descriptor 1, like Stdin.
	// Nil means the null device.
	Stdout *os.File

	// Stderr is handed to the child as its file descriptor 2, like Stdin.
	// Nil means the null device.
	Stderr *os.File

	// StopSignal is the signal Stop sends first. Zero means SIGTERM.
	StopSignal syscall.Signal

	// KillTimeout is how long Stop waits after StopSignal before it sends
	// SIGKILL. Zero means DefaultKillTimeout; negative values are invalid.
	KillTimeout time.Duration

	// KillGroup makes Stop send its signals to the child's whole process
	// group, so helpers the child started die with it. It only takes effect
	// together with Setpgid: otherwise the group is awsrun's own.
	KillGroup bool

	// Setpgid puts the child in a new process group of its own. It is off
	// by default because a child in awsrun's group receives the terminal's
	// SIGINT, SIGTSTP and SIGWINCH directly, without forwarding.
	Setpgid bool

	// Pdeathsig is the signal the kernel sends the child when awsrun dies,
	// even by SIGKILL, so that the child is not orphaned. Zero means none.
	// It is honoured on Linux only and ignored elsewhere.
	Pdeathsig syscall.Signal

	// JobControl makes the supervisor follow a child that stops itself
	// with SIGTSTP, SIGTTIN or SIGTTOU: OnStop is called, then the child
	// (its whole process group, with Setpgid) is sent SIGCONT. Without it,
	// a program that stops only its own pid (as Claude Code's Ctrl+Z does)
	// leaves awsrun running and the shell waiting for a job that never
	// reports itself stopped.
	JobControl bool

	// OnStop is called, when JobControl is set, with the signal that
	// stopped the child, and must return once awsrun may resume. Nil means
	// the default: stop awsrun itself with SIGSTOP so the shell sees the
	// job stopped, and return when the shell continues it. The hook runs on
	// the supervisor's goroutine and must not call Stop.
	OnStop func(sig syscall.Signal)
}

// withDefaults validates o and returns a copy with the defaults filled in.
func (o Options) withDefaults() (Options, error) {
	if o.Command == "" {
		return o, ErrMissingCommand
	}
	if o.KillTimeout < 0 {
		return o, errors.New("child: negative kill timeout")
	}
	if o.KillTimeout == 0 {
		o.KillTimeout = DefaultKillTimeout
	}
	if o.StopSignal == 0 {
		o.StopSignal = syscall.SIGTERM
	}
	if o.JobControl && o.OnStop == nil {
		o.OnStop = stopSelf
	}
	// Copy the slices so that a caller reusing its own cannot change a
	// process that is already configured.
	o.Args = append([]string(nil), o.Args...)
	o.Env = append([]string{}, o.Env...)
	return o, nil
}

// groupKill reports whether Stop's signals go to the whole process group.
func (o Options) groupKill() bool {
	return o.KillGroup && o.Setpgid
}
