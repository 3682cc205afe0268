// Package child runs one supervised OS process: it starts it with the real
// standard files, forwards signals on request, stops it gracefully (stop
// signal, grace period, then SIGKILL) and reports how it ended.
//
// One goroutine per process owns the pid and reaps it; Done is closed once,
// when that has happened, and never changes. The package knows nothing about
// why a process is started or stopped, and it never subscribes to signals:
// which signals to forward is the caller's policy.
package child

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Process is one supervised OS process. It is created with New, runs once,
// and is safe for concurrent use.
type Process struct {
	opts Options
	done chan struct{}

	mu       sync.Mutex
	started  bool    // Start (or Stop before Start) has run; Start is once only
	stopping bool    // one Stop owns the escalation, the others wait for done
	proc     *handle // nil until the process is running
	pid      int
	reaped   bool // set before done closes; no signal is sent after it, so a recycled pid is never hit
	status   Status
}

// New checks o and returns a Process that is ready to Start. It returns
// ErrMissingCommand when o.Command is empty.
func New(o Options) (*Process, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Process{opts: o, done: make(chan struct{})}, nil
}

// Start starts the process. It may be called once; a failure to run the
// command is returned as a *StartError, and then Done is closed and Status
// carries the StartError's exit code.
func (p *Process) Start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return errStarted
	}
	p.started = true
	proc, se := p.start()
	if se != nil {
		p.finishLocked(Status{Code: se.ExitCode()})
		return se
	}
	p.proc, p.pid = proc, proc.pid
	return nil
}

// start resolves the command and runs it.
func (p *Process) start() (*handle, *StartError) {
	o := p.opts
	path, err := exec.LookPath(o.Command)
	if err != nil {
		return nil, lookupError(o.Command, err)
	}
	// The exec happens after the chdir to Dir, so a relative path would be
	// resolved against Dir there although it was checked against awsrun's
	// working directory here.
	if path, err = filepath.Abs(path); err != nil {
		return nil, &StartError{Command: o.Command, Err: err}
	}
	if o.Dir != "" {
		if err := checkDir(o.Dir); err != nil {
			return nil, &StartError{Command: o.Command, Err: err}
		}
	}
	files, closeFiles, err := stdio(o.Stdin, o.Stdout, o.Stderr)
	if err != nil {
		return nil, &StartError{Command: o.Command, Err: err}
	}
	defer closeFiles()
	argv := append([]string{o.Command}, o.Args...)
	proc, err := p.spawn(path, argv, files)
	if err != nil {
		return nil, &StartError{Command: o.Command, Err: err}
	}
	return proc, nil
}

// checkDir fails early for a missing working directory: the chdir in the
// child would fail with a bare errno that reads like a problem with the
// command itself.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return &fs.PathError{Op: "chdir", Path: dir, Err: err}
	}
	if !fi.IsDir() {
		return &fs.PathError{Op: "chdir", Path: dir, Err: syscall.ENOTDIR}
	}
	return nil
}

// stdio returns the child's standard files, with the null device in place
// of the missing ones, and a function that closes what it opened. The child
// receives its own copies of the descriptors, so ours can be closed as soon
// as it has started.
func stdio(in, out, errOut *os.File) ([]*os.File, func(), error) {
	files := []*os.File{in, out, errOut}
	var opened []*os.File
	closeAll := func() {
		for _, f := range opened {
			_ = f.Close()
		}
	}
	for i, f := range files {
		if f != nil {
			continue
		}
		flag := os.O_WRONLY
		if i == 0 {
			flag = os.O_RDONLY
		}
		f, err := os.OpenFile(os.DevNull, flag, 0)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		opened = append(opened, f)
		files[i] = f
	}
	return files, closeAll, nil
}

// Pid returns the process id, or 0 if the process never started.
func (p *Process) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pid
}

// Signal sends sig to the process (not to its group). It returns nil without
// doing anything once the process has exited, and an error before Start.
func (p *Process) Signal(sig os.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.reaped:
		return nil
	case p.proc == nil:
		return errNotStarted
	}
	return p.sendLocked(sig, false)
}

// Stop ends the process: it sends Options.StopSignal (and SIGCONT, in case
// the process is stopped), waits up to Options.KillTimeout for the process to
// exit, then sends SIGKILL; with KillGroup and Setpgid these signals go to the
// whole process group. It does not wait for the rest of the group. The
// process has been reaped when Stop returns, and Stop returns how it ended.
// Stop returns at once if the process has already exited; concurrent and
// repeated calls all wait for the same end, and only the first one signals.
// Stop before Start closes Done with a zero Status, and Start then fails.
func (p *Process) Stop() Status {
	p.mu.Lock()
	if !p.started {
		p.started = true
		p.finishLocked(Status{})
	}
	if p.reaped || p.stopping {
		p.mu.Unlock()
		<-p.done
		return p.Status()
	}
	p.stopping = true
	group := p.opts.groupKill()
	err := p.requestStopLocked(group)
	p.mu.Unlock()

	// A stop signal that cannot be delivered (Windows has no SIGTERM) would
	// only make us wait the whole KillTimeout for nothing.
	if err == nil {
		t := time.NewTimer(p.opts.KillTimeout)
		select {
		case <-p.done:
			t.Stop()
			return p.Status()
		case <-t.C:
		}
	}
	p.mu.Lock()
	if !p.reaped {
		_ = p.sendLocked(syscall.SIGKILL, group)
	}
	p.mu.Unlock()
	<-p.done
	return p.Status()
}

// Done returns a channel that is closed once the process has been reaped, or
// Start has failed. It is the same channel for the whole life of p.
func (p *Process) Done() <-chan struct{} {
	return p.done
}

// Status returns how the process ended. It is the zero Status until Done is
// closed.
func (p *Process) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// finish records the final status; only the reaper calls it.
func (p *Process) finish(st Status) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finishLocked(st)
}

func (p *Process) finishLocked(st Status) {
	p.reaped = true
	p.status = st
	if p.proc != nil {
		p.proc.release() // the pid is gone; so goes its pidfd
	}
	close(p.done)
}
