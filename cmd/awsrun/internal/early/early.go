// Package early does what awsrun needs done during package initialisation, before the SDK's
// packages are initialised and long before main: it grows the main goroutine's stack
// (stack.go), and it starts awsrun's signal intake. It needs only the standard library's os
// and os/signal, so it is initialised among the first packages, about
// 1.5 ms before main on the machine of `make bench`, and the registration (a round trip to the
// runtime's signal thread per signal) is over before the command is forked. Started from
// wrapper.Run instead, it ended after the rest of the start-up was ready: one binary, the early
// start switched off by a temporary environment variable, 100 alternated pairs of 8 runs each:
// 0.12 ms a start (90% interval 0.06-0.20 ms).
//
// Only cmd/awsrun imports it. An invocation that cannot run a command (a subcommand, help,
// version) does not start it; guessing wrong either way costs time, never behaviour: the
// intake gives every signal its default action until it is handed over.
package early

import (
	"os"
	"os/signal"
	"sync"

	"github.com/awsrun/awsrun/internal/sigintake"
)

var (
	mu      sync.Mutex
	intake  *sigintake.Intake // until taken
	started *sigintake.Intake
)

func init() {
	if MayRun(os.Args[1:]) {
		started = sigintake.Start()
		intake = started
	}
}

// IgnoredAtStart reports whether sig was ignored when awsrun started (SIGHUP under nohup),
// which signal.Ignored no longer tells for a signal the intake registered.
func IgnoredAtStart(sig os.Signal) bool {
	if started != nil {
		return started.IgnoredAtStart(sig)
	}
	return signal.Ignored(sig)
}

// Take returns the intake started at initialisation, once; nil when none was started or it
// was already taken (tests run awsrun's main more than once in one process).
func Take() *sigintake.Intake {
	mu.Lock()
	defer mu.Unlock()
	in := intake
	intake = nil
	return in
}

// MayRun reports whether args, awsrun's arguments, may run a command: not when a subcommand,
// help or the version comes before any "--".
func MayRun(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return true
		case "export", "doctor", "status", "completion", "help", "h", "--help", "-h", "--version", "-v":
			return false
		}
	}
	return true
}
