package wrapper

import (
	"fmt"
	"log/slog"
	"net"
	"path/filepath"

	"github.com/awsrun/awsrun/endpoint"
	"github.com/awsrun/awsrun/state"
)

// endpointPrep is the part of endpoint mode's set-up that needs nothing of the profile: the
// private directory with the child's (empty) credentials file, the child's socket and the
// endpoint's port. Run starts it before the profile is loaded, so that it runs on the other
// CPU while the SDK reads the configuration; serveEndpoint then only writes the child's config
// and starts answering.
type endpointPrep struct {
	done chan struct{} // closed once the fields below are set; they are only read after

	dir       *privateDir
	credsPath string
	sock      *state.Socket // nil: sockErr says why, and the child goes without its other profiles
	sockErr   error
	ln        net.Listener
	err       error // the set-up failed, and what it made is undone
}

func startEndpointPrep(log *slog.Logger) *endpointPrep {
	p := &endpointPrep{done: make(chan struct{})}
	go func() {
		defer close(p.done)
		defer func() {
			if v := recover(); v != nil {
				p.undo()
				p.err = internalError(log, v)
			}
		}()
		if p.err = p.run(); p.err != nil {
			p.undo()
		}
	}()
	return p
}

func (p *endpointPrep) run() error {
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
func (p *endpointPrep) wait() error {
	<-p.done
	return p.err
}

// discard undoes the set-up: when the run ends before serveEndpoint took it over, and when a
// signal ends awsrun before the child starts (on the signal intake's goroutine, beside
// serveEndpoint).
func (p *endpointPrep) discard() {
	if p.wait() == nil {
		p.undo()
	}
}

// undo closes and removes what the set-up made. It only reads the fields and each step may be
// repeated, so it is also serveEndpoint's last clean-up step, after the endpoint and the socket
// server have closed what they took over.
func (p *endpointPrep) undo() {
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
