// Package endpoint serves AWS credentials to a child process over loopback HTTP in the
// container-credentials format, so the child's own SDK re-fetches them before they expire.
//
// The child finds the endpoint through AWS_CONTAINER_CREDENTIALS_FULL_URI and proves it may read
// it with AWS_CONTAINER_AUTHORIZATION_TOKEN (see Server.Env). Only 127.0.0.1 is used: it is the
// one address every SDK generation accepts for a plain-http URI.
//
// The endpoint holds no refresh policy. Each request asks Options.Provider, which must refresh
// synchronously when needed, collapse concurrent refreshes and return when its context is done
// (aws.CredentialsCache does all three).
package endpoint

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

const (
	// DefaultTimeout leaves headroom below the JS SDK's 1 s request timeout, so a slow provider
	// turns into a 503 the client retries rather than a client-side timeout.
	DefaultTimeout = 900 * time.Millisecond

	// These limits bound what a local process can make us hold: slow-loris connections,
	// huge headers, and idle keep-alive connections. The connections keep these limits
	// themselves (see timeouts in conns.go).
	readHeaderTimeout = 2 * time.Second
	// writeSlack is added to Options.Timeout so a 503 for a slow provider is always delivered.
	writeSlack = 5 * time.Second
	// idleTimeout is longer than the Go SDK transport's 90 s, so clients close idle
	// connections first and never race a server-side close.
	idleTimeout    = 2 * time.Minute
	maxHeaderBytes = 8 << 10
)

// Options configures a Server. Only Provider is required.
type Options struct {
	// Provider is asked for credentials on every authorised request, on the request's
	// goroutine. It must not return expired credentials (refreshing synchronously instead), must
	// collapse concurrent refreshes, and must return once its context is done: that is how
	// Timeout is kept. aws.CredentialsCache does all three, even over a provider that ignores
	// its context. The endpoint still answers 503 for credentials whose Expires has passed, as
	// a last guard.
	Provider aws.CredentialsProvider

	// Token is the value clients must send verbatim in the Authorization header. Empty means 32
	// random bytes in unpadded base64url. A given token must be printable ASCII without leading
	// or trailing spaces: SDKs refuse tokens with CR or LF, and HTTP strips surrounding spaces.
	Token string

	// Path is the URL path credentials are served on. Empty means "/" and 32 random hex digits,
	// so other local processes cannot guess the URL. Other paths get 404.
	Path string

	// Hint turns a provider error into the message of the 503 body, which SDKs show to the
	// user (for example "run: aws sso login --profile dev"). It must never return secrets.
	// Nil means a generic message; the error itself is never sent.
	Hint func(err error) string

	// Logger receives one debug record per request and never any token or key material.
	// Nil discards.
	Logger *slog.Logger

	// Timeout is the deadline of the context Provider gets, counted from the request's
	// arrival. Zero means DefaultTimeout.
	Timeout time.Duration

	// Listener, from Listen, is what Start serves on; nil means Start listens itself. It lets a
	// caller open the port beside other start-up work, before the provider exists. A Server
	// that New returned owns it, started or not: Close closes it.
	Listener net.Listener
}

// Stats counts answered requests by outcome.
type Stats struct {
	Served           uint64 // 200 with credentials
	Unauthorized     uint64 // 403: missing or wrong token, or a non-loopback Host
	Unavailable      uint64 // 503: provider error, timeout, or expired credentials
	NotFound         uint64 // 404: any path but Options.Path
	MethodNotAllowed uint64 // 405: an authorised request that is not GET or HEAD
	BadRequest       uint64 // 400: a request target that is not origin-form ("/path")
	// Evicted counts connections closed before their first authorised request, to stay
	// within the bound on such connections (see conns.go).
	Evicted uint64
}

// Server is a loopback container-credentials endpoint. Create it with New, then Start it.
type Server struct {
	provider aws.CredentialsProvider
	token    string
	path     string
	hint     func(error) string
	log      *slog.Logger
	timeout  time.Duration
	clock    func() time.Time // set by tests; nil means the request's arrival time
	handler  http.Handler

	// port is the decimal listener port, set by Start; the Host check needs it.
	port atomic.Pointer[string]
	// body caches the encoded answer for the credentials served last.
	body atomic.Pointer[body]

	served, unauthorized, unavailable, notFound, badMethod, badRequest atomic.Uint64

	// maxUntrusted bounds the connections that have made no authorised request yet; zero
	// means untrustedLimit of the process's file descriptor limit, read at Start.
	maxUntrusted int
	// headerTimeout is readHeaderTimeout; tests lengthen it to tell eviction from it.
	headerTimeout time.Duration
	// idleLimit is idleTimeout, or longer for a long Options.Timeout; tests shorten it.
	idleLimit time.Duration

	mu       sync.Mutex
	pre      net.Listener // Options.Listener until Start takes it
	srv      *http.Server
	ln       *limitListener
	addr     *net.TCPAddr
	url      string
	closed   bool
	done     chan struct{} // closed when the serve goroutine returns
	serveErr error
}

// New checks o and returns a Server that is not yet listening.
func New(o Options) (*Server, error) {
	if o.Provider == nil {
		return nil, errors.New("endpoint: no credentials provider")
	}
	if o.Timeout < 0 {
		return nil, fmt.Errorf("endpoint: negative timeout %v", o.Timeout)
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Token == "" {
		o.Token = randomToken()
	} else if err := checkToken(o.Token); err != nil {
		return nil, fmt.Errorf("endpoint: %w", err)
	}
	if o.Path == "" {
		o.Path = randomPath()
	} else if err := checkPath(o.Path); err != nil {
		return nil, fmt.Errorf("endpoint: %w", err)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		provider: o.Provider,
		token:    o.Token,
		path:     o.Path,
		hint:     o.Hint,
		log:      o.Logger,
		timeout:  o.Timeout,
		pre:      o.Listener,

		headerTimeout: readHeaderTimeout,
		// A request must be answered before its connection counts as idle (conns.go).
		idleLimit: max(idleTimeout, o.Timeout+writeSlack),
	}
	s.handler = http.HandlerFunc(s.serveHTTP)
	return s, nil
}

// Start listens on 127.0.0.1 with a kernel-chosen port and serves in a goroutine until Close.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("endpoint: start after close")
	}
	if s.srv != nil {
		return errors.New("endpoint: already started")
	}
	ln := s.pre
	s.pre = nil
	if ln == nil {
		var err error
		if ln, err = Listen(); err != nil {
			return err
		}
	}
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok || !addr.IP.IsLoopback() {
		ln.Close()
		return fmt.Errorf("endpoint: listener on %s is not a loopback TCP port from Listen", ln.Addr())
	}
	if s.maxUntrusted == 0 {
		s.maxUntrusted = untrustedLimit(nofileLimit())
	}
	s.ln = newLimitListener(ln, s.maxUntrusted, timeouts{
		header: s.headerTimeout,
		write:  s.timeout + writeSlack,
		idle:   s.idleLimit,
	})
	s.addr = addr
	port := strconv.Itoa(s.addr.Port)
	s.port.Store(&port)
	s.url = "http://127.0.0.1:" + port + s.path
	s.srv = &http.Server{
		Handler: s.handler,
		// No ReadHeaderTimeout, ReadTimeout, WriteTimeout or IdleTimeout: each connection keeps
		// its own time limits, at a fraction of the cost per request (conns.go).
		MaxHeaderBytes: maxHeaderBytes,
		// Without this, "OPTIONS *" is answered by net/http itself, bypassing our checks.
		DisableGeneralOptionsHandler: true,
		// The connection bound (conns.go) needs to know which connection a request came on
		// and when net/http is busy with one.
		ConnContext: connContext,
		ConnState:   connState,
		// The default logger writes to stderr, which belongs to the child's terminal.
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	// Shutdown waits for a connection that has sent nothing for up to 5 s, as long as a
	// client's spare connection it never uses: those have no request to finish.
	s.srv.RegisterOnShutdown(s.ln.closeUnused)
	s.done = make(chan struct{})
	go s.serve(s.srv, s.ln)
	return nil
}

// Listen opens a listener for Options.Listener: 127.0.0.1 with a kernel-chosen port.
func Listen() (net.Listener, error) {
	// tcp4 with an explicit address: never the wildcard address, never ::1 (which some SDK
	// versions reject). Multipath TCP means nothing on loopback, and Go's default for listeners
	// probes the kernel for it with a socket of its own on every start.
	var lc net.ListenConfig
	lc.SetMultipathTCP(false)
	ln, err := lc.Listen(context.Background(), "tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on loopback: %w", err)
	}
	return ln, nil
}

func (s *Server) serve(srv *http.Server, ln net.Listener) {
	defer close(s.done)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		s.mu.Lock()
		s.serveErr = fmt.Errorf("serve credentials endpoint: %w", err)
		s.mu.Unlock()
	}
}

// Close stops accepting connections, closes idle ones and those that have not begun a
// request, waits for in-flight requests until ctx is done (then drops them), and returns once
// the serve goroutine has exited. A provider call that ignores its context may outlive Close.
// Close before Start only closes Options.Listener; a second Close is a no-op.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	srv, done, already, pre := s.srv, s.done, s.closed, s.pre
	s.closed, s.pre = true, nil
	s.mu.Unlock()
	if pre != nil {
		pre.Close()
	}
	if srv == nil || already {
		return nil
	}
	err := srv.Shutdown(ctx)
	if err != nil {
		// Shutdown gave up on connections that are still busy; cut them.
		err = errors.Join(fmt.Errorf("shut down credentials endpoint: %w", err), srv.Close())
	}
	<-done
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(err, s.serveErr)
}

// URL is the value for AWS_CONTAINER_CREDENTIALS_FULL_URI, or "" before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Token is the value for AWS_CONTAINER_AUTHORIZATION_TOKEN.
func (s *Server) Token() string { return s.token }

// Env returns the KEY=VALUE pairs that point a child's SDK at this endpoint, or nil before
// Start. The caller still has to remove variables that outrank it (see the design notes).
func (s *Server) Env() []string {
	u := s.URL()
	if u == "" {
		return nil
	}
	return []string{
		"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + u,
		"AWS_CONTAINER_AUTHORIZATION_TOKEN=" + s.token,
	}
}

// Stats returns the request counters so far.
func (s *Server) Stats() Stats {
	return Stats{
		Served:           s.served.Load(),
		Unauthorized:     s.unauthorized.Load(),
		Unavailable:      s.unavailable.Load(),
		NotFound:         s.notFound.Load(),
		MethodNotAllowed: s.badMethod.Load(),
		BadRequest:       s.badRequest.Load(),
		Evicted:          s.evicted(),
	}
}

func (s *Server) evicted() uint64 {
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	if ln == nil {
		return 0
	}
	return ln.evicted.Load()
}

// Handler returns the request handler without a listener, for tests and benchmarks. Before
// Start only a bare "127.0.0.1" or "localhost" Host is accepted, since the port is unknown.
func (s *Server) Handler() http.Handler { return s.handler }
