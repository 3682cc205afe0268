package child

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewMissingCommand(t *testing.T) {
	if _, err := New(Options{}); !errors.Is(err, ErrMissingCommand) {
		t.Fatalf("New(Options{}) = %v, want ErrMissingCommand", err)
	}
	if _, err := New(Options{Command: "x", KillTimeout: -time.Second}); err == nil {
		t.Fatal("New with a negative KillTimeout succeeded")
	}
}

func TestExitCode(t *testing.T) {
	for _, code := range []int{0, 1, 42} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			p, _ := startHelper(t, Options{}, "exit", strconv.Itoa(code))
			st := waitDone(t, p)
			want := Status{Code: code}
			if st != want || st.ExitCode() != code {
				t.Fatalf("status %+v (exit code %d), want %+v", st, st.ExitCode(), want)
			}
		})
	}
}

func TestEnvPassedExactly(t *testing.T) {
	env := append(helperEnv("env"), "AWSRUN_TEST_A=1", "AWSRUN_TEST_EMPTY=", "AWSRUN_TEST_SPACES=a b =c")
	p, out := startHelper(t, Options{Env: env}, "env")
	var got []string
	for i := 0; i <= len(env)+10; i++ {
		line, ok := out.next(t)
		if !ok {
			t.Fatal("EOF before end marker")
		}
		if line == "end" {
			break
		}
		kv, err := strconv.Unquote(line)
		if err != nil {
			t.Fatalf("bad line %q: %v", line, err)
		}
		got = append(got, kv)
	}
	if strings.Join(got, "\n") != strings.Join(env, "\n") {
		t.Fatalf("child env:\n%q\nwant:\n%q", got, env)
	}
	if st := waitDone(t, p); st.ExitCode() != 0 {
		t.Fatalf("status %+v", st)
	}
}

func TestStartCommandNotFound(t *testing.T) {
	const name = "awsrun-child-test-no-such-command"
	p, err := New(Options{Command: name})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Start()
	var se *StartError
	if !errors.As(err, &se) {
		t.Fatalf("Start = %v, want *StartError", err)
	}
	if !se.NotFound || se.ExitCode() != 127 || !errors.Is(err, exec.ErrNotFound) {
		t.Fatalf("StartError %+v: NotFound %v, exit code %d", se, se.NotFound, se.ExitCode())
	}
	if want := `start "` + name + `": command not found`; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
	// A failed start still ends: Done closes and Stop does not wait.
	if st := waitDone(t, p); st.ExitCode() != 127 {
		t.Fatalf("status %+v, want exit code 127", st)
	}
	if st := p.Stop(); st.ExitCode() != 127 {
		t.Fatalf("Stop = %+v, want exit code 127", st)
	}
	if p.Pid() != 0 {
		t.Fatalf("Pid = %d after a failed start", p.Pid())
	}
}

func TestStartMissingPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing")
	p, err := New(Options{Command: path})
	if err != nil {
		t.Fatal(err)
	}
	var se *StartError
	if err := p.Start(); !errors.As(err, &se) || !se.NotFound || se.ExitCode() != 127 {
		t.Fatalf("Start = %v, want a not-found StartError", err)
	}
}

func TestStartMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	p, err := New(Options{Command: testExecutable(t), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Start()
	var se *StartError
	if !errors.As(err, &se) || se.NotFound || se.ExitCode() != 126 {
		t.Fatalf("Start = %v, want a StartError with exit code 126", err)
	}
	if !strings.Contains(err.Error(), "chdir "+dir) {
		t.Fatalf("message %q does not name the directory", err)
	}
}

func TestStartOnce(t *testing.T) {
	p, _ := startHelper(t, Options{}, "exit", "0")
	if err := p.Start(); err == nil {
		t.Fatal("second Start succeeded")
	}
	waitDone(t, p)
}

func TestStopBeforeStart(t *testing.T) {
	p, err := New(Options{Command: testExecutable(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Signal(nil); err == nil {
		t.Fatal("Signal before Start succeeded")
	}
	if st := p.Stop(); st != (Status{}) {
		t.Fatalf("Stop before Start = %+v", st)
	}
	waitDone(t, p)
	if err := p.Start(); err == nil {
		t.Fatal("Start after Stop succeeded")
	}
}

func TestStopAfterExit(t *testing.T) {
	p, _ := startHelper(t, Options{KillTimeout: time.Hour}, "exit", "3")
	waitDone(t, p)
	if st := stopWithin(t, p); st != (Status{Code: 3}) {
		t.Fatalf("Stop = %+v, want exit code 3", st)
	}
	if err := p.Signal(nil); err != nil {
		t.Fatalf("Signal after exit = %v, want nil", err)
	}
}

func TestDoneStable(t *testing.T) {
	p, err := New(Options{Command: testExecutable(t), Args: []string{"5"}, Env: helperEnv("exit")})
	if err != nil {
		t.Fatal(err)
	}
	before := p.Done()
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	if p.Done() != before {
		t.Fatal("Done changed at Start")
	}
	waitDone(t, p)
	if p.Done() != before {
		t.Fatal("Done changed at exit")
	}
	// Closed, and stays closed through further Stops (a second close
	// would panic).
	for i := 0; i < 3; i++ {
		<-p.Done()
		if st := p.Stop(); st.Code != 5 {
			t.Fatalf("Stop = %+v, want exit code 5", st)
		}
	}
}

func TestStopConcurrentAfterExit(t *testing.T) {
	p, _ := startHelper(t, Options{}, "exit", "4")
	var wg sync.WaitGroup
	results := make([]Status, 8)
	for i := range results {
		wg.Go(func() { results[i] = p.Stop() })
	}
	wg.Wait()
	for i, st := range results {
		// Stop may win the race with the exit; either way all agree.
		if st != results[0] {
			t.Fatalf("Stop #%d = %+v, Stop #0 = %+v", i, st, results[0])
		}
	}
}
