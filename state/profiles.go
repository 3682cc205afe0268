package state

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// ProfileProvider is a Provider that also serves profiles other than its own: the parent
// awsrun answering its child's `awsrun export --profile NAME`.
type ProfileProvider interface {
	Provider
	// ProfileCredentials returns profile's credentials and region. A refusal the client should
	// report with its own exit status is a *ProfileError.
	ProfileCredentials(ctx context.Context, profile string) (aws.Credentials, string, error)
}

// Codes of a ProfileError: what the client turns into its exit status without reading text.
const (
	CodeNotAllowed    = "not_allowed"    // --profiles refuses the profile
	CodeNotFound      = "not_found"      // no such profile, or it lacks settings
	CodeMFARequired   = "mfa_required"   // it needs an MFA code and has no mfa_process
	CodeLoginRequired = "login_required" // its SSO session has ended
	CodeAccessDenied  = "access_denied"  // AWS refused its credentials
)

// ProfileError is a supervisor's refusal to serve a profile, with a machine-readable Code.
// Message is the supervisor's text, free of secrets.
type ProfileError struct {
	Code    string
	Message string
}

func (e *ProfileError) Error() string { return e.Message }

func errorCode(err error) string {
	var pe *ProfileError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// credentials answers a credentials request: the provider's own for "", else the named
// profile's when the provider serves other profiles.
func (s *server) credentials(ctx context.Context, profile string) (aws.Credentials, string, error) {
	if profile == "" {
		c, err := s.p.Credentials(ctx)
		return c, s.region(), err
	}
	pp, ok := s.p.(ProfileProvider)
	if !ok {
		return aws.Credentials{}, "", fmt.Errorf("this awsrun serves only its own profile")
	}
	return pp.ProfileCredentials(ctx, profile)
}

// Listener is a socket outside the registry that answers like an entry's: the one a
// supervisor hands its own child (AWSRUN_SOCKET), which must work before the registry entry
// is written and even when the registry cannot be.
type Listener struct {
	s    *server
	path string
}

// Listen serves p on a new socket at path (0600), or near it when path is too long for a
// socket (see Path), until Close; region is what a request for p's own credentials reports.
func Listen(path string, p Provider, region func() string) (*Listener, error) {
	sock, err := OpenSocket(path)
	if err != nil {
		return nil, err
	}
	return sock.Serve(p, region), nil
}

// Socket is a listening socket that answers nobody yet: opened before its provider exists
// (awsrun opens its child's beside the profile's loading), then served or closed.
type Socket struct {
	ln     net.Listener
	path   string
	remove func()
}

// OpenSocket listens on a new socket at path (0600), or near it when path is too long for a
// socket (see Listener.Path). Connections wait in the backlog until Serve.
func OpenSocket(path string) (*Socket, error) {
	ln, at, remove, err := listenUnix(path)
	if err != nil {
		return nil, err
	}
	return &Socket{ln: ln, path: at, remove: remove}, nil
}

// Serve answers p on the socket until the Listener's Close, as Listen does.
func (k *Socket) Serve(p Provider, region func() string) *Listener {
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{ln: k.ln, remove: k.remove, p: p, ctx: ctx, cancel: cancel, region: region, queue: true}
	s.wg.Add(1)
	go s.acceptLoop()
	return &Listener{s: s, path: k.path}
}

// Close closes a socket that was never served, and removes what OpenSocket made for it. It
// may be called more than once, and beside Serve's Listener's Close.
func (k *Socket) Close() {
	k.ln.Close()
	k.remove()
}

// Path is where the listener listens: the path asked for, or, when that was too long for a
// socket, one in a directory of its own that Close removes.
func (l *Listener) Path() string { return l.path }

// Close stops the listener and waits for exchanges in flight.
func (l *Listener) Close() { l.s.close() }
