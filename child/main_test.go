package child

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"
	"time"
)

// modeEnv turns the test binary into a fake child: TestMain runs the helper
// named by its value instead of the tests.
const modeEnv = "AWSRUN_CHILD_TEST_MODE"

// waitTimeout bounds every wait in these tests; it is a deadline for
// failure, never a delay the tests rely on.
const waitTimeout = 20 * time.Second

// helpers are the fake children, by mode. Each gets the arguments after the
// command and returns its exit code.
var helpers = map[string]func(args []string) int{
	"exit": func(args []string) int {
		n, err := strconv.Atoi(args[0])
		if err != nil {
			return 100
		}
		return n
	},
	"env": func([]string) int {
		for _, kv := range os.Environ() {
			fmt.Println(strconv.Quote(kv))
		}
		fmt.Println("end")
		return 0
	},
	"block": func([]string) int {
		fmt.Println("ready")
		return blockUntilKilled()
	},
}

// blockUntilKilled waits for a signal to end the helper; the bound only
// keeps a forgotten helper from outliving the test run.
func blockUntilKilled() int {
	<-time.After(time.Minute)
	return 99
}

func TestMain(m *testing.M) {
	if mode := os.Getenv(modeEnv); mode != "" {
		run, ok := helpers[mode]
		if !ok {
			fmt.Fprintf(os.Stderr, "unknown helper mode %q\n", mode)
			os.Exit(100)
		}
		os.Exit(run(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// helperEnv is the complete environment of a fake child.
func helperEnv(mode string) []string {
	// A race-enabled binary otherwise sleeps a second before exiting 0.
	env := []string{modeEnv + "=" + mode, "GORACE=atexit_sleep_ms=0"}
	// Keep coverage runs quiet: a cover-instrumented child warns without it.
	if d, ok := os.LookupEnv("GOCOVERDIR"); ok {
		env = append(env, "GOCOVERDIR="+d)
	}
	return env
}

func testExecutable(t testing.TB) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// startHelper starts the test binary as a fake child in mode with o's other
// settings; the child's stdout comes back as lines. The child is killed and
// reaped at the end of the test if it is still running.
func startHelper(t *testing.T, o Options, mode string, args ...string) (*Process, *lines) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	o.Command = testExecutable(t)
	o.Args = args
	if o.Env == nil {
		o.Env = helperEnv(mode)
	}
	o.Stdout = w
	o.Stderr = os.Stderr
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	err = p.Start()
	// Only the child may hold the write end, so that EOF means it is gone.
	_ = w.Close()
	if err != nil {
		_ = r.Close()
		t.Fatalf("start: %v", err)
	}
	out := newLines(r)
	t.Cleanup(func() {
		_ = p.Signal(os.Kill)
		waitDone(t, p)
		out.close()
	})
	return p, out
}

// waitDone waits for the process to be reaped and returns its status.
func waitDone(t testing.TB, p *Process) Status {
	t.Helper()
	select {
	case <-p.Done():
		return p.Status()
	case <-time.After(waitTimeout):
		t.Fatalf("pid %d: not done after %v", p.Pid(), waitTimeout)
		return Status{}
	}
}

// stopWithin calls Stop and fails the test if it does not return in time:
// several tests use an hour-long KillTimeout so that a missed stop signal
// shows up as a failure instead of a late SIGKILL that passes.
func stopWithin(t testing.TB, p *Process) Status {
	t.Helper()
	stopped := make(chan Status, 1)
	go func() { stopped <- p.Stop() }()
	select {
	case st := <-stopped:
		return st
	case <-time.After(waitTimeout):
		t.Fatalf("pid %d: Stop did not return after %v", p.Pid(), waitTimeout)
		return Status{}
	}
}

// lines reads a pipe line by line in one goroutine, so that a test can wait
// for output with a deadline on any platform.
type lines struct {
	r  io.Closer
	ch chan string
}

func newLines(r io.ReadCloser) *lines {
	l := &lines{r: r, ch: make(chan string)}
	go func() {
		defer close(l.ch)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			l.ch <- sc.Text()
		}
	}()
	return l
}

// next returns the next line; ok is false at EOF.
func (l *lines) next(t testing.TB) (line string, ok bool) {
	t.Helper()
	select {
	case line, ok = <-l.ch:
		return line, ok
	case <-time.After(waitTimeout):
		t.Fatalf("no output after %v", waitTimeout)
		return "", false
	}
}

// expect fails the test unless the next line is want.
func (l *lines) expect(t testing.TB, want string) {
	t.Helper()
	got, ok := l.next(t)
	if !ok {
		t.Fatalf("got EOF, want %q", want)
	}
	if got != want {
		t.Fatalf("got line %q, want %q", got, want)
	}
}

// close stops the reader; the goroutine ends once its read fails.
func (l *lines) close() {
	_ = l.r.Close()
	for range l.ch {
	}
}
