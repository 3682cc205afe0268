//go:build unix

package child

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"
)

// spawn starts the process and its reaper goroutine.
func (p *Process) spawn(path string, argv []string, files []*os.File) (*os.Process, error) {
	sys := &syscall.SysProcAttr{Setpgid: p.opts.Setpgid}
	setPdeathsig(sys, p.opts.Pdeathsig)
	attr := &os.ProcAttr{Dir: p.opts.Dir, Env: p.opts.Env, Files: files, Sys: sys}

	type result struct {
		proc *os.Process
		err  error
	}
	started := make(chan result, 1)
	go func() {
		// Pdeathsig fires when the thread that forked the child exits, not
		// when awsrun does (go.dev/issue/27505). Forking on a thread locked
		// to this goroutine, which lives until the child is reaped, keeps
		// that thread alive for exactly as long as it must be.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		proc, err := os.StartProcess(path, argv, attr)
		started <- result{proc, err}
		if err == nil {
			p.reap(proc.Pid)
		}
	}()
	r := <-started
	return r.proc, r.err
}

// reap is the only waiter for pid. It runs until the process has exited and
// also sees it stop, which exec.Cmd.Wait never reports.
func (p *Process) reap(pid int) {
	ws, _, err := wait(pid, 0)
	for {
		switch {
		case err != nil:
			// ECHILD: someone else collected the status, typically because
			// SIGCHLD is set to SIG_IGN. The process is gone all the same.
			p.finish(Status{Code: lostStatusCode})
			return
		case ws.Exited():
			p.finish(Status{Code: ws.ExitStatus()})
			return
		case ws.Signaled():
			p.finish(Status{Signal: ws.Signal(), Signaled: true})
			return
		case ws.Stopped() && p.followsStop(ws.StopSignal()):
			// When the child stopped its whole group (kill(0, SIGTSTP), as
			// vim does) awsrun was stopped too, and the shell's SIGCONT has
			// resumed both by the time this report is read. Whatever
			// happened since is newer; acting on the stale stop would stop
			// awsrun a second time.
			if next, ok, nerr := wait(pid, syscall.WNOHANG); ok || nerr != nil {
				ws, err = next, nerr
				continue
			}
			p.opts.OnStop(ws.StopSignal())
			p.mu.Lock()
			if !p.reaped {
				_ = p.sendLocked(syscall.SIGCONT, p.opts.Setpgid)
			}
			p.mu.Unlock()
		}
		ws, _, err = wait(pid, 0)
	}
}

// wait reports the next change of state of pid: exit, death, stop or
// continue. With WNOHANG, ok is false when there is none.
func wait(pid, options int) (ws syscall.WaitStatus, ok bool, err error) {
	for {
		wpid, err := syscall.Wait4(pid, &ws, options|syscall.WUNTRACED|syscall.WCONTINUED, nil)
		if err == syscall.EINTR {
			continue
		}
		return ws, err == nil && wpid == pid, err
	}
}

// followsStop reports whether a stop by sig is one awsrun must follow: the
// job-control stops, not a SIGSTOP someone sent on purpose (a debugger, or
// kill -STOP), after which the child must stay stopped.
func (p *Process) followsStop(sig syscall.Signal) bool {
	if !p.opts.JobControl {
		return false
	}
	switch sig {
	case syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU:
		return true
	}
	return false
}

// sendLocked sends sig to the process, or to its process group. Callers
// hold p.mu and have checked that the process has not been reaped.
func (p *Process) sendLocked(sig os.Signal, group bool) error {
	if !group {
		// os.Process signals through a pidfd where the kernel has them, so
		// even a pid recycled behind our back cannot be hit.
		if err := p.proc.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("signal pid %d: %w", p.pid, err)
		}
		return nil
	}
	s, ok := sig.(syscall.Signal)
	if !ok {
		return fmt.Errorf("signal process group %d: unsupported signal %v", p.pid, sig)
	}
	if err := syscall.Kill(-p.pid, s); err != nil && err != syscall.ESRCH {
		return fmt.Errorf("signal process group %d: %w", p.pid, err)
	}
	return nil
}

// requestStopLocked sends the stop signal, followed by SIGCONT: a stopped
// process keeps the stop signal pending until it is continued, and would
// otherwise always end in SIGKILL (systemd does the same).
func (p *Process) requestStopLocked(group bool) error {
	sig := p.opts.StopSignal
	if err := p.sendLocked(sig, group); err != nil {
		return err
	}
	if sig != syscall.SIGKILL && sig != syscall.SIGCONT {
		_ = p.sendLocked(syscall.SIGCONT, group)
	}
	return nil
}
