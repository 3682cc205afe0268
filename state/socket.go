package state

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Provider is what a supervisor serves on its socket.
type Provider interface {
	// Credentials returns the credentials being served, refreshing them first when they are
	// no longer usable; it must return once ctx is done.
	Credentials(ctx context.Context) (aws.Credentials, error)
	// Status returns the supervisor's entry with its live fields filled in.
	Status() Entry
}

const (
	// maxSocketPath stays under the smallest sun_path (104 bytes on macOS and the BSDs).
	maxSocketPath = 100
	// connTimeout bounds one exchange on the server side; clients are local and quick.
	connTimeout = 10 * time.Second
	// maxConns bounds concurrent exchanges so a runaway client cannot pile up goroutines.
	maxConns = 16
	// DefaultTimeout is what a client waits when its context has no deadline.
	DefaultTimeout = 2 * time.Second
	maxMessage     = 64 << 10
)

type request struct {
	Op string `json:"op"` // "credentials" or "status"
	// Profile asks for another profile's credentials (op "credentials"); empty is the
	// supervisor's own. Only a ProfileProvider answers it.
	Profile string `json:"profile,omitempty"`
}

type wireCredentials struct {
	AccessKeyID     string    `json:"access_key_id"`
	SecretAccessKey string    `json:"secret_access_key"`
	SessionToken    string    `json:"session_token,omitempty"`
	CanExpire       bool      `json:"can_expire"`
	Expires         time.Time `json:"expires,omitzero"`
	AccountID       string    `json:"account_id,omitempty"`
	Source          string    `json:"source,omitempty"`
}

type response struct {
	Credentials *wireCredentials `json:"credentials,omitempty"`
	Region      string           `json:"region,omitempty"`
	Status      *Entry           `json:"status,omitempty"`
	// Error is the provider's error message; providers keep their errors free of secrets.
	Error string `json:"error,omitempty"`
	// Code says what kind of error, for the client's exit status (see ProfileError).
	Code string `json:"code,omitempty"`
}

// ErrNoSocket is returned by Serve and Listen when no socket path short enough for the OS could
// be found.
var ErrNoSocket = errors.New("socket path too long")

// Serve listens on the entry's socket (ID.sock, 0600) and answers p until Close. The entry
// records the socket so clients can find it.
func (h *Handle) Serve(p Provider) error {
	ln, path, remove, err := listenUnix(h.r.path(h.id, ".sock"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{ln: ln, remove: remove, p: p, ctx: ctx, cancel: cancel, region: func() string { return h.Entry().Region }}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		cancel()
		ln.Close()
		remove()
		return errors.New("serve state socket: registry entry already closed")
	}
	h.srv = s
	h.mu.Unlock()
	s.wg.Add(1)
	go s.acceptLoop()
	return h.Update(func(e *Entry) { e.Socket = path })
}

type server struct {
	ln     net.Listener
	remove func() // the socket's own directory, when it needed one (see listenUnix)
	p      Provider
	ctx    context.Context
	cancel context.CancelFunc
	region func() string
	wg     sync.WaitGroup
	queue  bool // a busy server makes new exchanges wait instead of closing them
}

func (s *server) acceptLoop() {
	defer s.wg.Done()
	sem := make(chan struct{}, maxConns)
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return // closed; a unix listener has no transient accept errors worth retrying
		}
		select {
		case sem <- struct{}{}:
		default:
			if !s.queue {
				c.Close() // busy: the client falls back to resolving by itself
				continue
			}
			// A child has no fallback: its request waits for a slot (within its own deadline).
			select {
			case sem <- struct{}{}:
			case <-s.ctx.Done():
				c.Close()
				return
			}
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() { <-sem }()
			s.handle(c)
		}()
	}
}

func (s *server) handle(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(connTimeout))
	if uc, ok := c.(*net.UnixConn); !ok || !peerAllowed(uc) {
		return
	}
	line, err := bufio.NewReader(io.LimitReader(c, maxMessage)).ReadBytes('\n')
	if err != nil {
		return
	}
	var req request
	if json.Unmarshal(line, &req) != nil {
		return
	}
	var resp response
	switch req.Op {
	case "credentials":
		ctx, cancel := context.WithTimeout(s.ctx, connTimeout)
		cr, region, err := s.credentials(ctx, req.Profile)
		cancel()
		if err != nil {
			resp.Error, resp.Code = err.Error(), errorCode(err)
			break
		}
		resp.Credentials = &wireCredentials{
			AccessKeyID: cr.AccessKeyID, SecretAccessKey: cr.SecretAccessKey, SessionToken: cr.SessionToken,
			CanExpire: cr.CanExpire, Expires: cr.Expires, AccountID: cr.AccountID, Source: cr.Source,
		}
		resp.Region = region
	case "status":
		e := s.p.Status()
		e.Live = true
		resp.Status = &e
	default:
		resp.Error = "unknown op " + req.Op
	}
	data, err := json.Marshal(resp)
	if err != nil {
		return
	}
	c.Write(append(data, '\n'))
}

// close stops accepting, cancels exchanges in flight and waits for them.
func (s *server) close() {
	s.cancel()
	s.ln.Close()
	s.wg.Wait()
	s.remove()
}

// Served is what a supervisor answered to a credentials request.
type Served struct {
	Credentials aws.Credentials
	Region      string
}

// FetchCredentials asks the supervisor listening on socket for its current credentials.
func FetchCredentials(ctx context.Context, socket string) (Served, error) {
	return FetchProfileCredentials(ctx, socket, "")
}

// FetchProfileCredentials asks the supervisor listening on socket for profile's credentials
// ("" is its own). A refusal with a code is a *ProfileError.
func FetchProfileCredentials(ctx context.Context, socket, profile string) (Served, error) {
	resp, err := exchange(ctx, socket, request{Op: "credentials", Profile: profile})
	if err != nil {
		return Served{}, err
	}
	if resp.Credentials == nil {
		return Served{}, errors.New("ask supervisor for credentials: empty answer")
	}
	w := resp.Credentials
	return Served{
		Credentials: aws.Credentials{
			AccessKeyID: w.AccessKeyID, SecretAccessKey: w.SecretAccessKey, SessionToken: w.SessionToken,
			CanExpire: w.CanExpire, Expires: w.Expires, AccountID: w.AccountID, Source: w.Source,
		},
		Region: resp.Region,
	}, nil
}

// FetchStatus asks the supervisor listening on socket for its live entry.
func FetchStatus(ctx context.Context, socket string) (Entry, error) {
	resp, err := exchange(ctx, socket, request{Op: "status"})
	if err != nil {
		return Entry{}, err
	}
	if resp.Status == nil {
		return Entry{}, errors.New("ask supervisor for status: empty answer")
	}
	return *resp.Status, nil
}

func exchange(ctx context.Context, socket string, r request) (*response, error) {
	op := r.Op
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", socket)
	if err != nil {
		return nil, fmt.Errorf("ask supervisor for %s: %w", op, err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	req, _ := json.Marshal(r)
	if _, err := c.Write(append(req, '\n')); err != nil {
		return nil, fmt.Errorf("ask supervisor for %s: %w", op, err)
	}
	line, err := bufio.NewReader(io.LimitReader(c, maxMessage)).ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("ask supervisor for %s: %w", op, err)
	}
	var resp response
	if err := json.Unmarshal(line, &resp); err != nil {
		return nil, fmt.Errorf("ask supervisor for %s: bad answer", op)
	}
	if resp.Error != "" && resp.Code != "" {
		return nil, &ProfileError{Code: resp.Code, Message: resp.Error}
	}
	if resp.Error != "" {
		return nil, fmt.Errorf("supervisor: %s", resp.Error)
	}
	return &resp, nil
}
