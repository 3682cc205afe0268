package wrapper

import (
	"log/slog"
	"os"
	"sync/atomic"

	"github.com/awsrun/awsrun/internal/shellquote"
)

// processStderr is where a credential_process that awsrun runs writes its standard error.
// Before the command starts that is the terminal, as without awsrun (a process may say
// "touch your security key"); once the command runs, the terminal is the command's (Claude
// Code's screen, say) and a renewal must not write into it, so the output is dropped and the
// log says once where to see it. The bytes are not logged: they are the process's own output
// and may hold secrets (design.md, Trust boundary).
//
// The child's other profiles (profiles.go) keep awsrun's own stderr: the refusal of a profile
// whose credential_process leads back to itself is said there, to the user who asked.
type processStderr struct {
	started *atomic.Bool
	log     *slog.Logger
	profile string
	told    atomic.Bool
}

func newProcessStderr(started *atomic.Bool, log *slog.Logger, profile string) *processStderr {
	return &processStderr{started: started, log: log, profile: profile}
}

func (w *processStderr) Write(p []byte) (int, error) {
	if !w.started.Load() {
		return os.Stderr.Write(p)
	}
	if w.told.CompareAndSwap(false, true) {
		w.log.Warn("a credential_process wrote to its standard error while the command ran; not shown there or here",
			"profile", w.profile, "see", shellquote.Join("awsrun", "export", "--profile", w.profile))
	}
	return len(p), nil
}
