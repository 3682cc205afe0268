package wrapper

import (
	"fmt"
	"net"
	"path/filepath"
	"runtime/debug"
	"sync/atomic"

	"github.com/awsrun/awsrun/endpoint"
	"github.com/awsrun/awsrun/internal/sigintake"
	"github.com/awsrun/awsrun/state"
)

// Prepared is the part of endpoint mode's set-up that needs nothing of the profile: the
// private directory with the child's (empty) credentials file, the child's socket and the
// endpoint's port. It runs on a goroutine of its own, beside the parsing of the command line
// and the SDK's reading of the configuration; serveEndpoint then only writes the child's config
// and starts answering.
//
// The caller of Run starts it (Prepare) before it parses the command line and hands it over in
// Config.Prepared. Started by Run itself, the goroutine only began 0.1 ms later (another thread
// had to be woken) and was the last part ready: serveEndpoint waited 0.14 ms for it (traced,
// static keys). One binary, started before the parsing or by Run as a temporary environment
// variable said, alternated pairs of 8 runs of `awsrun --no-session -- /bin/true` in three
// sittings on a drifting VM: 0.10 ms less a start (100 pairs, 90% interval 0.07-0.14), 0.02
// and 0.01 (80 and 100 pairs, within the noise); traced, the child was ready to start 0.09 ms
// sooner.
type Prepared struct {
	done  chan struct{} // closed once the fields below are set; they are only read after
	taken atomic.Bool   // handed to Run or discarded

	dir       *privateDir
	credsPath string
	sock      *state.Socket // nil: sockErr says why, and the child goes without its other profiles
	sockErr   error
	ln        net.Listener
	err       error // the set-up failed, and what it made is undone
}

// Prepare starts endpoint mode's set-up. The caller hands it to Run, or calls Discard when it
// will not run a command; Discard after Run took it does nothing. sigs, when set, is the
// caller's signal intake: a signal that ends awsrun before the command starts removes what the
// set-up made first, as it does once Run has it.
func Prepare(sigs *sigintake.Intake) *Prepared {
	p := startEndpointPrep()
	if sigs != nil {
		sigs.BeforeDeath(p.discard)
	}
	return p
}

// Discard removes what the set-up made, unless Run took it over. Nil does nothing.
func (p *Prepared) Discard() {
	if p != nil && p.taken.CompareAndSwap(false, true) {
		p.discard()
	}
}

// take hands p to Run: nil when there is none or it was taken or discarded already.
func (p *Prepared) take() *Prepared {
	if p == nil || !p.taken.CompareAndSwap(false, true) {
		return nil
	}
	return p
}

func startEndpointPrep() *Prepared {
	p := &Prepared{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer func() {
			if v := recover(); v != nil {
				p.undo()
				// Logged by serveEndpoint: the set-up may run before there is a logger.
				p.err = &InternalError{Value: v, Stack: debug.Stack()}
			}
		}()
		if p.err = p.run(); p.err != nil {
			p.undo()
		}
	}()
	return p
}

func (p *Prepared) run() error {
	dir, err := newPrivateDir()
	if err != nil {
		return &SetupError{Dir: privateDirBase(), Err: err}
	}
	p.dir = dir
	if p.credsPath, err = dir.create("credentials", nil); err != nil {
		return &SetupError{Dir: dir.path, Err: err}
	}
	p.sock, p.sockErr = state.OpenSocket(filepath.Join(dir.path, "sock"))
	if p.ln, err = endpoint.Listen(); err != nil {
		return &SetupError{Err: fmt.Errorf("start credential endpoint: %w", err)}
	}
	return nil
}

// wait returns once the set-up is done, with its error.
func (p *Prepared) wait() error {
	<-p.done
	return p.err
}

// discard undoes the set-up: when the run ends before serveEndpoint took it over, and when a
// signal ends awsrun before the child starts (on the signal intake's goroutine, beside
// serveEndpoint).
func (p *Prepared) discard() {
	if p.wait() == nil {
		p.undo()
	}
}

// undo closes and removes what the set-up made. It only reads the fields and each step may be
// repeated, so it is also serveEndpoint's last clean-up step, after the endpoint and the socket
// server have closed what they took over.
func (p *Prepared) undo() {
	if p.ln != nil {
		p.ln.Close()
	}
	if p.sock != nil {
		p.sock.Close()
	}
	if p.dir != nil {
		_ = p.dir.remove()
	}
}
