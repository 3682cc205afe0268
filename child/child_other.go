//go:build !unix

package child

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// spawn starts the process with os/exec and waits for it in one goroutine.
// Process groups, the parent-death signal and job control are Unix notions
// and are ignored here.
func (p *Process) spawn(path string, argv []string, files []*os.File) (*handle, error) {
	cmd := &exec.Cmd{
		Path:   path,
		Args:   argv,
		Env:    p.opts.Env,
		Dir:    p.opts.Dir,
		Stdin:  files[0],
		Stdout: files[1],
		Stderr: files[2],
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		// With *os.File standard files there is nothing to copy, so the
		// only outcome worth reading is ProcessState.
		_ = cmd.Wait()
		st := Status{Code: lostStatusCode}
		if ps := cmd.ProcessState; ps != nil && ps.ExitCode() >= 0 {
			st.Code = ps.ExitCode()
		}
		p.finish(st)
	}()
	return &handle{p: cmd.Process, pid: cmd.Process.Pid}, nil
}

// handle is the started process as os/exec gives it.
type handle struct {
	p   *os.Process
	pid int
}

func (h *handle) release() { _ = h.p.Release() }

// stopSelf is the default OnStop; job control does not exist here.
func stopSelf(syscall.Signal) {}

// sendLocked sends sig to the process; there are no process groups here.
func (p *Process) sendLocked(sig os.Signal, _ bool) error {
	if err := p.proc.p.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal pid %d: %w", p.pid, err)
	}
	return nil
}

// requestStopLocked sends the stop signal. Windows cannot deliver SIGTERM,
// so the error makes Stop kill at once.
func (p *Process) requestStopLocked(group bool) error {
	return p.sendLocked(p.opts.StopSignal, group)
}
