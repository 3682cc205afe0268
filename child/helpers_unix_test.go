//go:build unix

package child

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

func init() {
	helpers["trap"] = trapHelper
	helpers["ignore"] = ignoreHelper
	helpers["usr1"] = usr1Helper
	helpers["kill-self"] = killSelfHelper
	helpers["tstp"] = tstpHelper
	helpers["group"] = groupHelper
	helpers["pdeathsig-middle"] = pdeathsigMiddleHelper
	helpers["jobcontrol-middle"] = jobControlMiddleHelper
}

// trapHelper exits with args[0] when it gets SIGTERM.
func trapHelper(args []string) int {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM)
	fmt.Println("ready")
	select {
	case <-c:
		n, _ := strconv.Atoi(args[0])
		return n
	case <-time.After(time.Minute):
		return 99
	}
}

// ignoreHelper can only be ended by SIGKILL.
func ignoreHelper([]string) int {
	signal.Ignore(syscall.SIGTERM)
	fmt.Println("ready")
	return blockUntilKilled()
}

// usr1Helper reports the first SIGUSR1 it gets and exits 0.
func usr1Helper([]string) int {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	fmt.Println("ready")
	select {
	case sig := <-c:
		fmt.Printf("got %d\n", sig.(syscall.Signal))
		return 0
	case <-time.After(time.Minute):
		return 99
	}
}

func killSelfHelper([]string) int {
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	return blockUntilKilled()
}

// tstpHelper stops itself with SIGTSTP, as Claude Code's Ctrl+Z does, and
// exits 7 once continued. With the argument "trap" it instead waits, once
// continued, for the SIGTERM it expects to be pending and exits 3: a Go
// program's default death by SIGTERM races with its main goroutine.
func tstpHelper(args []string) int {
	term := make(chan os.Signal, 1)
	trap := len(args) > 0 && args[0] == "trap"
	if trap {
		signal.Notify(term, syscall.SIGTERM)
	}
	fmt.Println("stopping")
	if err := stopOwnThread(syscall.SIGTSTP); err != nil {
		return 101
	}
	fmt.Println("continued")
	if trap {
		select {
		case <-term:
			return 3
		case <-time.After(time.Minute):
			return 99
		}
	}
	return 7
}

// groupHelper starts a grandchild in its own process group, reports its pid
// and blocks. It never waits for the grandchild: that is the point.
func groupHelper([]string) int {
	exe, err := os.Executable()
	if err != nil {
		return 101
	}
	cmd := exec.Command(exe)
	cmd.Env = helperEnv("block")
	if err := cmd.Start(); err != nil {
		return 102
	}
	fmt.Printf("pid %d\n", cmd.Process.Pid)
	return blockUntilKilled()
}

// pdeathsigMiddleHelper starts a grandchild with Pdeathsig SIGKILL, reports
// its pid and waits for it.
func pdeathsigMiddleHelper([]string) int {
	exe, err := os.Executable()
	if err != nil {
		return 101
	}
	p, err := New(Options{Command: exe, Env: helperEnv("block"), Pdeathsig: syscall.SIGKILL})
	if err != nil {
		return 102
	}
	if err := p.Start(); err != nil {
		return 103
	}
	fmt.Printf("pid %d\n", p.Pid())
	<-p.Done()
	return 98
}

// jobControlMiddleHelper runs a tstp grandchild with the default OnStop and
// exits with its exit code.
func jobControlMiddleHelper([]string) int {
	exe, err := os.Executable()
	if err != nil {
		return 101
	}
	p, err := New(Options{Command: exe, Env: helperEnv("tstp"), Stdout: os.Stdout, JobControl: true})
	if err != nil {
		return 102
	}
	if err := p.Start(); err != nil {
		return 103
	}
	fmt.Printf("pid %d\n", p.Pid())
	<-p.Done()
	return p.Status().ExitCode()
}
