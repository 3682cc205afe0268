// Package phases records when awsrun reaches each step of a run (main, flags parsed, profile
// files read, source opened, credentials resolved and endpoint up side by side, ready, child
// started, child reaped, exit), for the start-up figures of `make bench`. It is off unless
// AWSRUN_TRACE_PHASES names a file; then the marks are kept in memory and appended to that
// file, one "name nanoseconds" line each on the system-wide monotonic clock, when Flush is
// called on the way out. Off, a mark costs a load and a compare.
package phases

import (
	"os"
	"strconv"
	"sync"
)

// Env is the variable that turns tracing on.
const Env = "AWSRUN_TRACE_PHASES"

var (
	path  = os.Getenv(Env)
	mu    sync.Mutex
	marks []byte
)

// Mark records that name (one word) was reached now.
func Mark(name string) {
	if path == "" {
		return
	}
	ns := Now()
	mu.Lock()
	marks = strconv.AppendInt(append(append(marks, name...), ' '), ns, 10)
	marks = append(marks, '\n')
	mu.Unlock()
}

// Flush appends the marks so far to the file and forgets them. Errors are ignored: tracing is a
// measurement aid and never changes how awsrun ends.
func Flush() {
	if path == "" {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	if len(marks) == 0 {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	_, _ = f.Write(append(marks, "end 0\n"...))
	_ = f.Close()
	marks = marks[:0]
}
