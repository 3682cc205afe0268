package fakeaws

import (
	"context"
	"errors"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Options configures a Server; the zero value behaves like AWS with
// one-hour credentials.
type Options struct {
	// Lifetime is how long every temporary credential lives, whatever
	// DurationSeconds the client asked for, so tests can use seconds.
	// Default one hour.
	Lifetime time.Duration
	// TokenLifetime is how long SSO access tokens minted by CreateToken live.
	// It is separate from Lifetime because SDKs refresh tokens early (botocore
	// 15 minutes before expiry), so tying it to a seconds-long Lifetime would
	// make every call a refresh. Default one hour.
	TokenLifetime time.Duration
	// AccountID is the account of the users AddUser registers; roles live
	// in the account their ARN names. Default "123456789012".
	AccountID string
	// Now is the server's clock for expiry, the SigV4 time window and the
	// Date header; tests pass a Clock to expire credentials without sleeping.
	// Clients sign with the host clock, so keep it within 5 minutes of real
	// time (short Lifetimes make that easy) unless a test wants the
	// "Signature expired" answer or the SDKs' clock-skew correction.
	// Default time.Now.
	Now func() time.Time
	// Logger receives one debug line per request and an info line per issued
	// credential, never secrets. Default: discard.
	Logger *slog.Logger
}

// Server fakes STS, the SSO portal and SSO OIDC behind one base URL; all
// methods are safe for concurrent use, including while clients are calling.
type Server struct {
	now     func() time.Time
	log     *slog.Logger
	account string

	mu            sync.Mutex
	lifetime      time.Duration
	tokenLifetime time.Duration
	users         map[string]*user
	temps         map[string]*tempCred
	ssoTokens     map[string]time.Time
	clients       map[string]string // client id -> client secret
	refreshTokens map[string]string // refresh token -> client id
	issued        []Credential
	ssoIssued     []SSOToken
	requests      []Request
	calls         map[string]int
	errors        map[string]int

	httpSrv *http.Server
	url     string
	served  chan struct{}
	unused  unusedConns // connections that never sent a request, closed at shutdown

	faults  faultState  // SetFault, SetClockSkew, doors: see faults.go
	signin  signinState // `aws login` sessions: see signin.go
	changes changes     // Changed, WaitFor: see changes.go
}

// New returns an unstarted Server, so tests can register users and tokens
// before any client can connect.
func New(o Options) *Server {
	if o.Lifetime <= 0 {
		o.Lifetime = time.Hour
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = time.Hour
	}
	if o.AccountID == "" {
		o.AccountID = "123456789012"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Server{
		now:           o.Now,
		log:           o.Logger,
		account:       o.AccountID,
		tokenLifetime: o.TokenLifetime,
		lifetime:      o.Lifetime,
		users:         map[string]*user{},
		temps:         map[string]*tempCred{},
		ssoTokens:     map[string]time.Time{},
		clients:       map[string]string{},
		refreshTokens: map[string]string{},
		calls:         map[string]int{},
		errors:        map[string]int{},
	}
}

// Start listens on a random loopback port (never beyond 127.0.0.1) and
// serves in a goroutine until Close.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.httpSrv != nil {
		return errors.New("fakeaws: server already started")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          s.errorLog(),
		ConnState:         s.unused.track,
	}
	srv.RegisterOnShutdown(s.unused.closeAll)
	done := make(chan struct{})
	s.httpSrv, s.served, s.url = srv, done, "http://"+ln.Addr().String()
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("fakeaws serve failed", "err", err)
		}
	}()
	s.log.Info("fakeaws listening", "url", s.url)
	return nil
}

func (s *Server) errorLog() *log.Logger {
	return slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)
}

// URL is the base URL to put in AWS_ENDPOINT_URL_STS, _SSO and _SSO_OIDC,
// e.g. "http://127.0.0.1:41234"; empty before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Close stops the server and waits for the serving goroutine, so no request
// is still being handled when a test's cleanup runs. It is safe to call more
// than once and before Start.
func (s *Server) Close() error {
	s.stopFaults()
	s.mu.Lock()
	srv, done := s.httpSrv, s.served
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	// Bounded so a client stuck mid-request cannot hang test teardown.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil {
		srv.Close()
	}
	<-done
	return err
}

// SetLifetime changes the lifetime of credentials issued from now on, so a
// test can issue a short-lived credential and then long-lived ones.
func (s *Server) SetLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lifetime = d
}

// SetTokenLifetime changes the lifetime of SSO access tokens CreateToken
// mints from now on, for tests that need a token to expire mid-run.
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenLifetime = d
}

// ServeHTTP routes one request by path, as the real endpoints would if they
// shared a host: "/" is STS, "/federation/credentials" the SSO portal, "/token"
// OIDC, and "/model/..." and "/inference-profiles" Bedrock (bedrock.go).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now, answered := s.applyFaults(w, r)
	if answered {
		return
	}
	x := &exchange{s: s, w: w, requestID: newRequestID(), rec: Request{Time: now}}
	// AWS's Date header is its clock; SDKs use it for clock-skew correction,
	// so it must follow Options.Now rather than the host clock.
	w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
	switch r.URL.Path {
	case "/", "":
		s.serveSTS(x, r)
	case "/federation/credentials":
		s.serveGetRoleCredentials(x, r)
	case "/token":
		s.serveCreateToken(x, r)
	case "/v1/token":
		s.serveCreateOAuth2Token(x, r)
	default:
		if isBedrockPath(r.URL.Path) {
			s.serveBedrock(x, r)
			return
		}
		x.sendJSONError(&apiError{status: http.StatusNotFound, code: "UnknownOperationException",
			message: "fakeaws has no operation at " + r.Method + " " + r.URL.Path})
	}
}

// exchange carries one request's bookkeeping to the single place that
// records it and writes the answer.
type exchange struct {
	s         *Server
	w         http.ResponseWriter
	requestID string
	rec       Request
}

func (x *exchange) now() time.Time { return x.rec.Time }

func (x *exchange) send(status int, contentType string, body []byte) {
	x.rec.Status = status
	x.s.record(x.rec)
	h := x.w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amzn-Requestid", x.requestID)
	x.w.WriteHeader(status)
	x.w.Write(body)
}
