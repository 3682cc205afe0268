//go:build unix

package child

import (
	"fmt"
	"os"
	"runtime"
	"syscall"
)

// spawn starts the process and its reaper goroutine.
//
// It forks with syscall.ForkExec, not os.StartProcess: the first os.StartProcess of a process
// checks that the kernel's pidfds work by forking a throwaway child of its own, 0.2 ms of every
// awsrun start. The pidfd comes from the same clone here; a kernel without them leaves it -1,
// and signals then go by pid, which is only ours to reuse once the reaper has waited for it.
func (p *Process) spawn(path string, argv []string, files []*os.File) (*handle, error) {
	pidfd := -1
	sys := &syscall.SysProcAttr{Setpgid: p.opts.Setpgid}
	setPdeathsig(sys, p.opts.Pdeathsig)
	setPidFD(sys, &pidfd)
	fds := make([]uintptr, len(files))
	for i, f := range files {
		fds[i] = f.Fd()
	}
	attr := &syscall.ProcAttr{Dir: p.opts.Dir, Env: p.opts.Env, Files: fds, Sys: sys}

	type result struct {
		h   *handle
		err error
	}
	started := make(chan result, 1)
	go func() {
		// Pdeathsig fires when the thread that forked the child exits, not
		// when awsrun does (go.dev/issue/27505). Forking on a thread locked
		// to this goroutine, which lives until the child is reaped, keeps
		// that thread alive for exactly as long as it must be.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		pid, err := syscall.ForkExec(path, argv, attr)
		if err == syscall.EINVAL && dropPidFD(sys) {
			// A kernel (or sandbox) that refuses clone's pidfd flag: start without one.
			pid, err = syscall.ForkExec(path, argv, attr)
		}
		runtime.KeepAlive(files) // their descriptors are the child's until the fork is done
		if err != nil {
			started <- result{err: &os.PathError{Op: "fork/exec", Path: path, Err: err}}
			return
		}
		started <- result{h: &handle{pid: pid, pidfd: pidfd}}
		p.reap(pid)
	}()
	r := <-started
	return r.h, r.err
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
		return p.proc.signal(sig)
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
