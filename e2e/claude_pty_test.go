//go:build linux

package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode"

	"golang.org/x/sys/unix"
)

// term is a pseudo-terminal with a process running on it as the session leader (a user's
// terminal window): the test types into the master and reads the screen output from it.
type term struct {
	t      *testing.T
	master *os.File
	cmd    *exec.Cmd
	mu     sync.Mutex
	out    []byte        // everything written to the terminal so far
	mark   int           // start of the output the next wait looks at
	grew   chan struct{} // handed out by changed, closed when out grows
	done   chan struct{}
	read   chan struct{} // closed when the master read loop ends
}

// openTerm starts argv on a new pty of rows x cols, in dir with env.
func openTerm(t *testing.T, argv []string, dir string, env []string, rows, cols uint16) *term {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, master: master, done: make(chan struct{}), read: make(chan struct{})}
	tm.resize(rows, cols)
	tm.cmd = exec.Command(argv[0], argv[1:]...)
	tm.cmd.Dir, tm.cmd.Env = dir, env
	tm.cmd.Stdin, tm.cmd.Stdout, tm.cmd.Stderr = slave, slave, slave
	tm.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := tm.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	go func() {
		defer func() {
			tm.mu.Lock()
			defer tm.mu.Unlock()
			close(tm.read) // under mu: changed hands out tm.read from now on
			if tm.grew != nil {
				close(tm.grew)
				tm.grew = nil
			}
		}()
		buf := make([]byte, 32<<10)
		for {
			n, err := master.Read(buf)
			if n > 0 {
				tm.mu.Lock()
				tm.out = append(tm.out, buf[:n]...)
				if tm.grew != nil {
					close(tm.grew)
					tm.grew = nil
				}
				tm.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	go func() { tm.cmd.Wait(); close(tm.done) }()
	t.Cleanup(func() {
		select {
		case <-tm.done:
		default:
			syscall.Kill(-tm.cmd.Process.Pid, syscall.SIGKILL)
			<-tm.done
		}
		master.Close()
		<-tm.read
	})
	return tm
}

// resize sets the window size as a terminal emulator does; the kernel then sends SIGWINCH
// to the terminal's foreground process group.
func (tm *term) resize(rows, cols uint16) {
	tm.t.Helper()
	if err := unix.IoctlSetWinsize(int(tm.master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols}); err != nil {
		tm.t.Fatal(err)
	}
}

// typeKeys writes s to the terminal as typed input.
func (tm *term) typeKeys(s string) {
	tm.t.Helper()
	if _, err := tm.master.Write([]byte(s)); err != nil {
		tm.t.Fatalf("type %q: %v", s, err)
	}
}

// ansi matches terminal control sequences (CSI, OSC, charset and keypad modes).
var ansi = regexp.MustCompile(`\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78MDEc]`)

// cursorForward matches CSI n C, which TUIs use instead of writing spaces.
var cursorForward = regexp.MustCompile(`\x1b\[(\d*)C`)

// plain is terminal output without control sequences; a cursor-forward becomes the spaces it
// skips, so text drawn word by word reads as written.
func plain(b []byte) string {
	s := cursorForward.ReplaceAllStringFunc(string(b), func(m string) string {
		n, err := strconv.Atoi(m[2 : len(m)-1])
		if err != nil || n < 1 {
			n = 1
		}
		return strings.Repeat(" ", min(n, 500))
	})
	return ansi.ReplaceAllString(s, "")
}

// since is the terminal output after the mark, without control sequences.
func (tm *term) since() string {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return plain(tm.out[tm.mark:])
}

// raw is all terminal output so far, control sequences included.
func (tm *term) raw() []byte {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return append([]byte(nil), tm.out...)
}

// setMark makes later waits look only at output from now on.
func (tm *term) setMark() {
	tm.mu.Lock()
	tm.mark = len(tm.out)
	tm.mu.Unlock()
}

// changed returns a channel closed when the terminal next writes output (or the read loop
// ends). Take it before reading the output, and no chunk in between is missed.
func (tm *term) changed() <-chan struct{} {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	select {
	case <-tm.read:
		return tm.read // no more output will come
	default:
	}
	if tm.grew == nil {
		tm.grew = make(chan struct{})
	}
	return tm.grew
}

// waitFor waits until cond holds for the output since the mark, failing t after limit.
func (tm *term) waitFor(what string, limit time.Duration, cond func(screen string) bool) string {
	tm.t.Helper()
	s, err := tm.waitOr(limit, nil, cond)
	if err != nil {
		tm.t.Fatalf("waiting for %s: %v; terminal since the mark:\n%q", what, err, tail(s, 3000))
	}
	return s
}

// errStopped is waitOr's answer when its stop channel closed before the condition held.
var errStopped = errors.New("stopped before the condition held")

// waitOr waits until cond holds for the output since the mark, checking it once and then
// again on each chunk the terminal writes. It gives up when limit passes, when the terminal's
// output ends (the master closed) or when stop closes (nil never does; errStopped then). It
// returns the output since the mark either way.
func (tm *term) waitOr(limit time.Duration, stop <-chan struct{}, cond func(screen string) bool) (string, error) {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		grew := tm.changed() // before the read, so no chunk after it is missed
		s := tm.since()
		if cond(s) {
			return s, nil
		}
		select {
		case <-grew:
			if grew == tm.read { // no more output will come; it was checked above
				return tm.since(), errors.New("the terminal's output ended")
			}
		case <-stop:
			if s = tm.since(); cond(s) {
				return s, nil
			}
			return s, errStopped
		case <-deadline.C:
			return s, fmt.Errorf("not within %v", limit)
		}
	}
}

// waitText waits until text appears in the output since the mark. Spacing is ignored: a TUI
// may skip a blank with a cursor move of any kind.
func (tm *term) waitText(text string, limit time.Duration) string {
	tm.t.Helper()
	return tm.waitFor(strconv.Quote(text), limit, func(s string) bool { return hasText(s, text) })
}

// hasText reports whether screen shows text, whitespace aside.
func hasText(screen, text string) bool {
	return strings.Contains(squash(screen), squash(text))
}

func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// exit waits for the terminal's session leader to end and returns its exit status.
func (tm *term) exit(limit time.Duration) (int, error) {
	tm.t.Helper()
	select {
	case <-tm.done:
	case <-time.After(limit):
		tm.t.Fatalf("the program on the terminal did not exit; terminal:\n%q", tail(tm.since(), 3000))
	}
	// Wait ran in openTerm's goroutine; ProcessState is set once done is closed.
	ps := tm.cmd.ProcessState
	if ps == nil {
		return -1, errors.New("no exit status")
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return ps.ExitCode(), nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// procState is the state letter of pid from /proc (R, S, T for stopped, Z...), "" if gone.
func procState(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return ""
	}
	return s[i+2 : i+3]
}
