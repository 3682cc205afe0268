package fakeaws

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// FaultKind is one way the fake can misbehave for an operation.
type FaultKind int

const (
	// FaultServerError answers 500: InternalFailure on STS, InternalServerException on the
	// REST-JSON services. SDKs retry it.
	FaultServerError FaultKind = iota + 1
	// FaultThrottle answers as AWS does when rate limited: STS 400 Throttling ("Rate
	// exceeded"), the REST-JSON services 429 TooManyRequestsException. SDKs retry it.
	FaultThrottle
	// FaultDelay holds each request for Fault.Delay, then serves it normally (or drops it if the
	// client hangs up or the server closes first).
	FaultDelay
	// FaultRefuse accepts the request and resets the connection without an answer, as a dead
	// load balancer would. For a port that refuses connections outright, see Door.
	FaultRefuse
	// FaultMalformed answers 200 with a body cut off mid-document in the operation's format.
	FaultMalformed
	// FaultExpired answers what the operation answers for a credential that has run out: STS
	// 403 ExpiredToken, the SSO portal 401 UnauthorizedException (an expired SSO access token),
	// OIDC CreateToken 400 InvalidGrantException (an expired refresh token), the sign-in
	// service's CreateOAuth2Token 400 AccessDeniedException TOKEN_EXPIRED (an ended login
	// session), Bedrock 403 ExpiredTokenException.
	FaultExpired
	// FaultSkew serves the operation as if the server clock were Fault.Skew ahead (behind when
	// negative): its Date header, the SigV4 time window and the expiry of what it issues.
	FaultSkew
)

// AnyOp as the op of SetFault matches every request; a fault set for the request's own
// operation wins over it.
const AnyOp = "*"

// Fault is what SetFault injects.
type Fault struct {
	Kind FaultKind
	// Delay is how long FaultDelay holds each request.
	Delay time.Duration
	// Skew is FaultSkew's clock offset.
	Skew time.Duration
	// Count limits the fault to the next Count matching requests, after which it clears
	// itself, so a test can say "fail twice, then recover" without racing the client. Zero
	// keeps it until ClearFault.
	Count int
}

// Codes recorded (Request.Code, Errors) for answers that carry no AWS error code.
const (
	// CodeMalformed marks a FaultMalformed answer (status 200, broken body).
	CodeMalformed = "fakeaws.Malformed"
	// CodeConnectionReset marks a FaultRefuse request (status 0, no answer).
	CodeConnectionReset = "fakeaws.ConnectionReset"
)

// faultState is the Server's fault switchboard; the zero value has no faults.
type faultState struct {
	// on is set while any fault or skew is configured, so requests skip the bookkeeping (and
	// the body read that finding an STS action needs) when none is.
	on atomic.Bool

	mu     sync.Mutex
	faults map[string]*Fault
	hits   map[string]int
	skew   time.Duration
	doors  []*Door
	closed chan struct{} // closed by Server.Close: delayed requests let go
}

func (f *faultState) closedCh() chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed == nil {
		f.closed = make(chan struct{})
	}
	return f.closed
}

// SetFault makes requests for op ("AssumeRole", "GetSessionToken", "GetCallerIdentity",
// "GetRoleCredentials", "CreateToken", "CreateOAuth2Token", or AnyOp) misbehave as f says, replacing any fault
// set for op before.
func (s *Server) SetFault(op string, f Fault) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.faults == nil {
		s.faults.faults = map[string]*Fault{}
		s.faults.hits = map[string]int{}
	}
	s.faults.faults[op] = &f
	s.faults.on.Store(true)
}

// ClearFault removes the fault set for op; the next request is served normally.
func (s *Server) ClearFault(op string) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	delete(s.faults.faults, op)
	s.faults.updateLocked()
}

// ClearFaults removes every fault and the clock skew.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	clear(s.faults.faults)
	s.faults.skew = 0
	s.faults.updateLocked()
}

// SetClockSkew offsets the server clock for every operation (Date header, SigV4 window,
// expiries), on top of Options.Now: the fake's view of "AWS's clock is d ahead of yours".
func (s *Server) SetClockSkew(d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.skew = d
	s.faults.updateLocked()
}

// Faulted reports how many requests the fault set under op (as passed to SetFault) has
// touched so far, including those of faults since cleared.
func (s *Server) Faulted(op string) int {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return s.faults.hits[op]
}

func (f *faultState) updateLocked() {
	f.on.Store(len(f.faults) > 0 || f.skew != 0)
}

// take picks the fault for op, counts the hit and uses up one of its Count.
func (f *faultState) take(op string) (Fault, time.Duration, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := op
	ft := f.faults[op]
	if ft == nil {
		key, ft = AnyOp, f.faults[AnyOp]
	}
	if ft == nil {
		return Fault{}, f.skew, false
	}
	f.hits[key]++
	got := *ft
	if ft.Count > 0 {
		if ft.Count--; ft.Count == 0 {
			delete(f.faults, key)
			f.updateLocked()
		}
	}
	return got, f.skew, true
}

// applyFaults runs before routing. It returns the server time the request is to be served at
// and whether a fault already answered (or dropped) it.
func (s *Server) applyFaults(w http.ResponseWriter, r *http.Request) (time.Time, bool) {
	if !s.faults.on.Load() {
		return s.now(), false
	}
	op := requestOp(r)
	f, skew, faulted := s.faults.take(op)
	if !faulted {
		return s.now().Add(skew), false
	}
	s.changes.signal() // Faulted moved on, before a FaultDelay holds the request
	switch f.Kind {
	case FaultDelay:
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			panic(http.ErrAbortHandler) // the client is gone
		case <-s.faults.closedCh():
			// Dropped without an answer: net/http would send an empty 200 for a handler that
			// returns without writing, and SDKs read that as a success with no result.
			panic(http.ErrAbortHandler)
		}
		return s.now().Add(skew), false
	case FaultSkew:
		return s.now().Add(skew + f.Skew), false
	}
	now := s.now().Add(skew)
	x := &exchange{s: s, w: w, requestID: newRequestID(), rec: Request{Time: now, Op: op}}
	w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
	x.answerFault(f.Kind, r)
	return now, true
}

// answerFault writes the fault's answer in the protocol of the path asked for.
func (x *exchange) answerFault(kind FaultKind, r *http.Request) {
	sts := r.URL.Path == "/" || r.URL.Path == ""
	if kind == FaultExpired && isBedrockPath(r.URL.Path) {
		x.sendBedrockError(errBedrockExpired)
		return
	}
	switch kind {
	case FaultServerError:
		if sts {
			x.sendSTSError(stsErr(http.StatusInternalServerError, "InternalFailure",
				"An internal error has occurred. Try your request again."))
		} else {
			x.sendJSONError(&apiError{status: http.StatusInternalServerError, code: "InternalServerException",
				message: "An internal error has occurred. Try your request again."})
		}
	case FaultThrottle:
		if sts {
			x.sendSTSError(stsErr(http.StatusBadRequest, "Throttling", "Rate exceeded"))
		} else {
			x.sendJSONError(&apiError{status: http.StatusTooManyRequests, code: "TooManyRequestsException",
				message: "Too many requests"})
		}
	case FaultMalformed:
		x.rec.Code = CodeMalformed
		if sts {
			x.send(http.StatusOK, "text/xml", []byte(`<`+x.rec.Op+`Response xmlns="`+stsNamespace+`"><`+
				x.rec.Op+`Result><Credentials><AccessKeyId>ASIA`))
		} else {
			x.send(http.StatusOK, "application/json", []byte(`{"roleCredentials":{"accessKeyId":"ASIA`))
		}
	case FaultExpired:
		switch x.rec.Op {
		case "GetRoleCredentials":
			x.sendJSONError(&apiError{status: http.StatusUnauthorized, code: "UnauthorizedException",
				message: "Session token not found or invalid"})
		case "CreateToken":
			x.sendJSONError(oauthError(http.StatusBadRequest, "InvalidGrantException", "invalid_grant",
				"Refresh token has expired"))
		case "CreateOAuth2Token":
			x.signinError(http.StatusBadRequest, "AccessDeniedException", "TOKEN_EXPIRED",
				"Your session has expired. Please reauthenticate.")
		default:
			x.sendSTSError(errExpiredToken)
		}
	case FaultRefuse:
		x.rec.Code = CodeConnectionReset
		x.s.record(x.rec)
		resetConnection(x.w)
	default:
		x.sendJSONError(&apiError{status: http.StatusInternalServerError, code: "InternalServerException",
			message: "fakeaws: unknown fault kind"})
	}
}

// resetConnection drops the connection under w without an answer; with SO_LINGER 0 the client
// sees a reset rather than a clean EOF.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // net/http closes the connection without answering
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// requestOp names the operation a request asks for, as Request.Op does. For STS it reads the
// form body and puts it back for the handler.
func requestOp(r *http.Request) string {
	switch r.URL.Path {
	case "/federation/credentials":
		return "GetRoleCredentials"
	case "/token":
		return "CreateToken"
	case "/v1/token":
		return "CreateOAuth2Token"
	case "/", "":
		if a := r.URL.Query().Get("Action"); a != "" {
			return a
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		return form.Get("Action")
	}
	op, _ := bedrockRoute(r.Method, r.URL.Path)
	return op
}

// stopFaults releases delayed requests and shuts every Door; Close calls it.
func (s *Server) stopFaults() {
	ch := s.faults.closedCh()
	s.faults.mu.Lock()
	select {
	case <-ch:
	default:
		close(ch)
	}
	doors := s.faults.doors
	s.faults.mu.Unlock()
	for _, d := range doors {
		d.Shut()
	}
}

// Door is a second listener onto the same Server, on a port of its own, that a test can shut
// so clients pointed at it get "connection refused", and open again on the same port. Point
// one client (say awsrun's SSO portal calls, through AWS_ENDPOINT_URL_SSO) at the Door and the
// rest at URL, and only that client loses AWS.
type Door struct {
	s    *Server
	addr string

	mu   sync.Mutex
	srv  *http.Server
	done chan struct{}
}

// OpenDoor starts a Door on a new loopback port; Server.Close shuts it.
func (s *Server) OpenDoor() (*Door, error) {
	d := &Door{s: s, addr: "127.0.0.1:0"}
	if err := d.Reopen(); err != nil {
		return nil, err
	}
	s.faults.mu.Lock()
	s.faults.doors = append(s.faults.doors, d)
	s.faults.mu.Unlock()
	return d, nil
}

// URL is the Door's base URL, fixed for its life.
func (d *Door) URL() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return "http://" + d.addr
}

// Shut closes the listener and every connection through it: new connections are refused
// until Reopen. Shutting a shut Door does nothing.
func (d *Door) Shut() error {
	d.mu.Lock()
	srv, done := d.srv, d.done
	d.srv = nil
	d.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Close()
	<-done
	return err
}

// Reopen listens on the Door's port again (a new port the first time). It fails if another
// process took the port meanwhile, which on loopback within a test is next to impossible.
func (d *Door) Reopen() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.srv != nil {
		return errors.New("fakeaws: door already open")
	}
	select {
	case <-d.s.faults.closedCh():
		return errors.New("fakeaws: server closed")
	default:
	}
	ln, err := net.Listen("tcp4", d.addr)
	if err != nil {
		return err
	}
	d.addr = ln.Addr().String()
	srv := &http.Server{Handler: d.s, ReadHeaderTimeout: 10 * time.Second, ErrorLog: d.s.errorLog()}
	done := make(chan struct{})
	d.srv, d.done = srv, done
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	return nil
}
