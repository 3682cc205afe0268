package endpoint

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

const (
	testToken = "test-token-0123456789abcdefghijklmnopqrstu" // 42 bytes
	testPath  = "/creds-path"
)

// The clock tests run at, and credentials that expire an hour and a bit later. Expires has a
// fraction so the tests see it cut, never rounded up.
var (
	testNow   = time.Date(2030, 1, 2, 14, 0, 0, 0, time.UTC)
	testCreds = aws.Credentials{
		AccessKeyID:     "ASIATESTACCESSKEY123",
		SecretAccessKey: "sEcReT/Key+Material0123456789abcdefghij",
		SessionToken:    "SeSsIoN-token-FwoGZXIvYXdzEXAMPLE",
		CanExpire:       true,
		Expires:         time.Date(2030, 1, 2, 15, 4, 5, 600_000_000, time.FixedZone("CET", 3600)),
		AccountID:       "123456789012",
	}
	testJSON = `{"AccessKeyId":"ASIATESTACCESSKEY123","SecretAccessKey":"sEcReT/Key+Material0123456789abcdefghij",` +
		`"Token":"SeSsIoN-token-FwoGZXIvYXdzEXAMPLE","Expiration":"2030-01-02T14:04:05Z","AccountId":"123456789012"}`
)

// jsExpiration is the pattern the JS SDK's parseRfc3339DateTime accepts.
var jsExpiration = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[tT]\d{2}:\d{2}:\d{2}(\.\d+)?[zZ]$`)

func fixed(c aws.Credentials) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil })
}

func failing(err error) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, err
	})
}

// newServer builds a Server on the test clock, with the fixed token and path unless o sets
// them.
func newServer(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Provider == nil {
		o.Provider = fixed(testCreds)
	}
	if o.Token == "" {
		o.Token = testToken
	}
	if o.Path == "" {
		o.Path = testPath
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	s.clock = func() time.Time { return testNow }
	return s
}

// startServer also starts it, and closes it when the test ends.
func startServer(t testing.TB, o Options) *Server {
	t.Helper()
	s := newServer(t, o)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return s
}

// request is one request, sent either to Handler() or over the listener.
type request struct {
	method string
	target string   // path and query
	host   string   // "{port}" is replaced; empty means 127.0.0.1:{port}
	auth   []string // Authorization header values; nil sends none
	header http.Header
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (q request) prepare(s *Server) (method, target, host string) {
	method, target, host = q.method, q.target, q.host
	if method == "" {
		method = http.MethodGet
	}
	if target == "" {
		target = s.path
	}
	if host == "" {
		host = "127.0.0.1:{port}"
	}
	if p := s.port.Load(); p != nil {
		host = strings.ReplaceAll(host, "{port}", *p)
	}
	return method, target, host
}

func (q request) headers(h http.Header) {
	for k, v := range q.header {
		h[k] = v
	}
	if q.auth != nil {
		h["Authorization"] = q.auth
	}
}

func viaHandler(t testing.TB, s *Server, q request) response {
	t.Helper()
	method, target, host := q.prepare(s)
	r := httptest.NewRequest(method, target, nil)
	r.Host = host
	q.headers(r.Header)
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return response{w.Code, w.Result().Header, w.Body.Bytes()}
}

func viaListener(t testing.TB, s *Server, q request) response {
	t.Helper()
	method, target, host := q.prepare(s)
	u := strings.TrimSuffix(s.URL(), s.path) + target
	r, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Host = host
	q.headers(r.Header)
	resp, err := testClient(t).Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

func testClient(t testing.TB) *http.Client {
	tr := &http.Transport{Proxy: nil}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// leaks reports which credential strings appear in b.
func leaks(b []byte) []string {
	var found []string
	for _, secret := range []string{testCreds.AccessKeyID, testCreds.SecretAccessKey, testCreds.SessionToken} {
		if bytes.Contains(b, []byte(secret)) {
			found = append(found, secret)
		}
	}
	return found
}

func TestRequests(t *testing.T) {
	ok := []string{testToken}
	tests := []struct {
		name   string
		req    request
		status int
		code   string // the JSON "code" of an error answer
	}{
		{"right token", request{auth: ok}, 200, ""},
		{"localhost host", request{auth: ok, host: "localhost:{port}"}, 200, ""},
		{"localhost in capitals", request{auth: ok, host: "LocalHost:{port}"}, 200, ""},
		{"host without port", request{auth: ok, host: "127.0.0.1"}, 200, ""},
		{"query string ignored", request{auth: ok, target: testPath + "?x=1"}, 200, ""},
		{"head", request{auth: ok, method: http.MethodHead}, 200, ""},

		{"missing token", request{}, 403, "AccessDenied"},
		{"empty token", request{auth: []string{""}}, 403, "AccessDenied"},
		{"wrong token same length", request{auth: []string{strings.Repeat("x", len(testToken))}}, 403, "AccessDenied"},
		{"wrong token shorter", request{auth: []string{testToken[:len(testToken)-1]}}, 403, "AccessDenied"},
		{"wrong token longer", request{auth: []string{testToken + "x"}}, 403, "AccessDenied"},
		{"bearer scheme", request{auth: []string{"Bearer " + testToken}}, 403, "AccessDenied"},
		{"token twice", request{auth: []string{testToken, testToken}}, 403, "AccessDenied"},
		{"token in query", request{target: testPath + "?token=" + testToken + "&Authorization=" + testToken}, 403, "AccessDenied"},
		{"token in other header", request{header: http.Header{"X-Aws-Ec2-Metadata-Token": ok}}, 403, "AccessDenied"},

		{"foreign host", request{auth: ok, host: "evil.example:{port}"}, 403, "AccessDenied"},
		{"foreign host without port", request{auth: ok, host: "evil.example"}, 403, "AccessDenied"},
		{"wrong port", request{auth: ok, host: "127.0.0.1:1"}, 403, "AccessDenied"},
		{"other loopback address", request{auth: ok, host: "127.0.0.2:{port}"}, 403, "AccessDenied"},
		{"ipv6 loopback", request{auth: ok, host: "[::1]:{port}"}, 403, "AccessDenied"},
		{"localhost with dot", request{auth: ok, host: "localhost.:{port}"}, 403, "AccessDenied"},
		{"ecs address", request{auth: ok, host: "169.254.170.2"}, 403, "AccessDenied"},
		{"empty port", request{auth: ok, host: "127.0.0.1:"}, 403, "AccessDenied"},

		{"root path", request{auth: ok, target: "/"}, 404, "NotFound"},
		{"trailing slash", request{auth: ok, target: testPath + "/"}, 404, "NotFound"},
		{"path prefix", request{auth: ok, target: testPath[:len(testPath)-1]}, 404, "NotFound"},
		{"wrong path no token", request{target: "/latest/meta-data/"}, 404, "NotFound"},

		{"post", request{auth: ok, method: http.MethodPost}, 405, "MethodNotAllowed"},
		{"put", request{auth: ok, method: http.MethodPut}, 405, "MethodNotAllowed"},
		{"delete", request{auth: ok, method: http.MethodDelete}, 405, "MethodNotAllowed"},
		{"patch", request{auth: ok, method: http.MethodPatch}, 405, "MethodNotAllowed"},
		{"options", request{auth: ok, method: http.MethodOptions}, 405, "MethodNotAllowed"},
		{"post no token", request{method: http.MethodPost}, 403, "AccessDenied"},
	}
	s := startServer(t, Options{})
	for _, via := range []struct {
		name string
		do   func(testing.TB, *Server, request) response
	}{{"handler", viaHandler}, {"listener", viaListener}} {
		t.Run(via.name, func(t *testing.T) {
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := via.do(t, s, tt.req)
					if r.status != tt.status {
						t.Fatalf("status %d, want %d; body %s", r.status, tt.status, r.body)
					}
					if ct := r.header.Get("Content-Type"); ct != "application/json" {
						t.Errorf("Content-Type %q", ct)
					}
					if cc := r.header.Get("Cache-Control"); cc != "no-store" {
						t.Errorf("Cache-Control %q", cc)
					}
					if tt.status == 200 {
						checkCredentials(t, tt.req.method, r)
						return
					}
					if l := leaks(r.body); l != nil {
						t.Fatalf("a %d answer holds credentials %q", r.status, l)
					}
					if l := leaks([]byte(headerText(r.header))); l != nil {
						t.Fatalf("a %d answer's headers hold credentials %q", r.status, l)
					}
					var e struct{ Code, Message string }
					if err := json.Unmarshal(r.body, &e); err != nil {
						t.Fatalf("error body %q: %v", r.body, err)
					}
					if e.Code != tt.code || e.Message == "" {
						t.Errorf("error body %s, want code %q and a message", r.body, tt.code)
					}
				})
			}
		})
	}
}

// TestContentLength: every credentials answer over a connection is counted, never chunked,
// also one longer than net/http holds back before it must choose.
func TestContentLength(t *testing.T) {
	long := testCreds
	long.SessionToken = strings.Repeat("t", 2*countedBody)
	for _, c := range []aws.Credentials{testCreds, long} {
		s := startServer(t, Options{Provider: fixed(c)})
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			u := s.URL()
			r, err := http.NewRequest(method, u, nil)
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("Authorization", testToken)
			resp, err := testClient(t).Do(r)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			want := s.body.Load().json
			if resp.StatusCode != http.StatusOK || len(resp.TransferEncoding) != 0 || resp.ContentLength != int64(len(want)) {
				t.Errorf("%s of a %d-byte answer: status %d, Transfer-Encoding %q, Content-Length %d",
					method, len(want), resp.StatusCode, resp.TransferEncoding, resp.ContentLength)
			}
			if method == http.MethodGet && !bytes.Equal(body, want) {
				t.Errorf("GET of a %d-byte answer: body of %d bytes", len(want), len(body))
			}
		}
	}
}

func checkCredentials(t *testing.T, method string, r response) {
	t.Helper()
	if method == http.MethodHead {
		if len(r.body) != 0 {
			t.Errorf("HEAD answer has a body: %q", r.body)
		}
		if cl, want := r.header.Get("Content-Length"), strconv.Itoa(len(testJSON)); cl != want {
			t.Errorf("HEAD Content-Length %q, want %s", cl, want)
		}
		return
	}
	if string(r.body) != testJSON {
		t.Fatalf("body\n%s\nwant\n%s", r.body, testJSON)
	}
	var w map[string]string
	if err := json.Unmarshal(r.body, &w); err != nil {
		t.Fatal(err)
	}
	if !jsExpiration.MatchString(w["Expiration"]) {
		t.Errorf("Expiration %q does not parse in the JS SDK", w["Expiration"])
	}
	exp, err := time.Parse(time.RFC3339, w["Expiration"])
	if err != nil {
		t.Fatal(err)
	}
	if exp.After(testCreds.Expires) || testCreds.Expires.Sub(exp) >= time.Second {
		t.Errorf("Expiration %v, want %v cut to the second", exp, testCreds.Expires)
	}
}

func headerText(h http.Header) string {
	var b strings.Builder
	h.Write(&b)
	return b.String()
}

func TestUnavailable(t *testing.T) {
	upstream := errors.New("sso session expired")
	expired := testCreds
	expired.Expires = testNow.Add(-time.Minute)
	sameSecond := testCreds
	sameSecond.Expires = testNow.Add(500 * time.Millisecond) // would be served as testNow
	tests := []struct {
		name     string
		provider aws.CredentialsProvider
		hint     bool
		want     error  // what Hint must be given
		message  string // the 503 message
	}{
		{"provider error with hint", failing(upstream), true, upstream, "hint: sso session expired"},
		{"provider error without hint", failing(upstream), false, nil, genericHint},
		{"expired credentials", fixed(expired), true, ErrExpired, "hint: " + ErrExpired.Error()},
		{"expiring this second", fixed(sameSecond), true, ErrExpired, "hint: " + ErrExpired.Error()},
		{"empty keys", fixed(aws.Credentials{CanExpire: true, Expires: testCreds.Expires}), true, errNoKeys, "hint: " + errNoKeys.Error()},
		{"provider panics", aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			panic("boom")
		}), false, nil, genericHint},
		// An error that wraps a secret must still not reach the client.
		{"secret in error", failing(errors.New("bad " + testCreds.SecretAccessKey)), false, nil, genericHint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan error, 1)
			o := Options{Provider: tt.provider}
			if tt.hint {
				o.Hint = func(err error) string {
					got <- err
					return "hint: " + err.Error()
				}
			}
			s := startServer(t, o)
			r := viaListener(t, s, request{auth: []string{testToken}})
			if r.status != http.StatusServiceUnavailable {
				t.Fatalf("status %d, body %s", r.status, r.body)
			}
			if l := leaks(r.body); l != nil {
				t.Fatalf("503 holds credentials %q", l)
			}
			var e struct{ Code, Message string }
			if err := json.Unmarshal(r.body, &e); err != nil {
				t.Fatal(err)
			}
			if e.Code != "CredentialsUnavailable" || e.Message != tt.message {
				t.Errorf("body %s, want message %q", r.body, tt.message)
			}
			if tt.want != nil {
				if err := <-got; !errors.Is(err, tt.want) {
					t.Errorf("Hint got %v, want %v", err, tt.want)
				}
			}
			if st := s.Stats(); st.Unavailable != 1 || st.Served != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// blocking is a provider that waits on release, ignoring its context the way a careless
// provider might; entered is signalled on each call.
func blocking(entered chan<- struct{}, release <-chan struct{}) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		entered <- struct{}{}
		<-release
		return testCreds, nil
	})
}

func TestSlowProvider(t *testing.T) {
	const limit = 100 * time.Millisecond
	tests := []struct {
		name     string
		provider func(entered chan<- struct{}, release <-chan struct{}) aws.CredentialsProvider
	}{
		{"provider honours its context", func(entered chan<- struct{}, release <-chan struct{}) aws.CredentialsProvider {
			return aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
				entered <- struct{}{}
				select {
				case <-release:
					return testCreds, nil
				case <-ctx.Done():
					return aws.Credentials{}, ctx.Err()
				}
			})
		}},
		// The composition the caller is expected to use: the cache keeps the deadline even
		// though the provider under it does not.
		{"cache over a provider that ignores it", func(entered chan<- struct{}, release <-chan struct{}) aws.CredentialsProvider {
			return aws.NewCredentialsCache(blocking(entered, release))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entered, release := make(chan struct{}, 1), make(chan struct{})
			defer close(release)
			got := make(chan error, 1)
			s := startServer(t, Options{
				Provider: tt.provider(entered, release),
				Timeout:  limit,
				Hint:     func(err error) string { got <- err; return "slow" },
			})
			start := time.Now()
			r := viaListener(t, s, request{auth: []string{testToken}})
			took := time.Since(start)
			<-entered
			if r.status != http.StatusServiceUnavailable {
				t.Fatalf("status %d, body %s", r.status, r.body)
			}
			if err := <-got; !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Hint got %v, want a deadline error", err)
			}
			// The lower bound shows the budget was used; the upper one is loose for -race on a
			// busy machine.
			if took < limit || took > limit+time.Second {
				t.Errorf("answered after %v, budget %v", took, limit)
			}
		})
	}
}

func TestStaticCredentials(t *testing.T) {
	static := aws.Credentials{AccessKeyID: "AKIATESTSTATICKEY123", SecretAccessKey: "static-secret"}
	s := newServer(t, Options{Provider: fixed(static)})
	now := testNow.Add(300 * time.Millisecond)
	s.clock = func() time.Time { return now }
	get := func() map[string]string {
		r := viaHandler(t, s, request{auth: []string{testToken}, host: "localhost"})
		if r.status != 200 {
			t.Fatalf("status %d, body %s", r.status, r.body)
		}
		var w map[string]string
		if err := json.Unmarshal(r.body, &w); err != nil {
			t.Fatal(err)
		}
		return w
	}
	w := get()
	tok, ok := w["Token"]
	if !ok || tok != "" {
		t.Errorf("Token %q (present %v), want an empty string: botocore and JS require the key", tok, ok)
	}
	if want := "2030-01-02T15:00:00Z"; w["Expiration"] != want {
		t.Errorf("Expiration %q, want %q (now + 1h, cut to the second)", w["Expiration"], want)
	}
	if _, ok := w["AccountId"]; ok {
		t.Errorf("AccountId present though empty")
	}
	first := s.body.Load()
	now = now.Add(500 * time.Millisecond)
	if get(); s.body.Load() != first {
		t.Errorf("body re-encoded within the same second")
	}
	now = now.Add(time.Second)
	if w := get(); w["Expiration"] != "2030-01-02T15:00:01Z" {
		t.Errorf("Expiration %q did not roll", w["Expiration"])
	}
}

func TestBodyCache(t *testing.T) {
	current := testCreds
	s := newServer(t, Options{Provider: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return current, nil
	})})
	q := request{auth: []string{testToken}, host: "127.0.0.1"}
	viaHandler(t, s, q)
	first := s.body.Load()
	viaHandler(t, s, q)
	if s.body.Load() != first {
		t.Fatal("same credentials were encoded again")
	}
	// Every field is part of the key, not only the access key id and expiry.
	current.SessionToken = "SeSsIoN-token-rotated"
	r := viaHandler(t, s, q)
	if s.body.Load() == first || !bytes.Contains(r.body, []byte("SeSsIoN-token-rotated")) {
		t.Fatalf("new session token not served: %s", r.body)
	}
}

func TestConcurrentRotation(t *testing.T) {
	a, b := testCreds, testCreds
	b.AccessKeyID, b.SecretAccessKey = "ASIAOTHERACCESSKEY99", "other-secret"
	var n atomic.Int64
	s := newServer(t, Options{Provider: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		if n.Add(1)%2 == 0 {
			return a, nil
		}
		return b, nil
	})})
	wantA, wantB := string(encode(a, a.Expires.Unix()).json), string(encode(b, b.Expires.Unix()).json)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			for range 50 {
				r := viaHandler(t, s, request{auth: []string{testToken}, host: "127.0.0.1"})
				if got := string(r.body); r.status != 200 || (got != wantA && got != wantB) {
					errs <- errors.New("bad answer: " + got)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func TestOversizedHeader(t *testing.T) {
	s := startServer(t, Options{})
	r := viaListener(t, s, request{
		auth:   []string{testToken},
		header: http.Header{"X-Padding": {strings.Repeat("a", 64<<10)}},
	})
	if r.status != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", r.status)
	}
}

func TestListenerIsLoopbackOnly(t *testing.T) {
	s := startServer(t, Options{})
	if ip := s.addr.IP.String(); ip != "127.0.0.1" || s.addr.Port == 0 {
		t.Fatalf("listening on %v", s.addr)
	}
	if want := "http://127.0.0.1:" + *s.port.Load() + testPath; s.URL() != want {
		t.Errorf("URL %q, want %q", s.URL(), want)
	}
	env := s.Env()
	want := []string{
		"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + s.URL(),
		"AWS_CONTAINER_AUTHORIZATION_TOKEN=" + testToken,
	}
	if len(env) != 2 || env[0] != want[0] || env[1] != want[1] {
		t.Errorf("Env %q, want %q", env, want)
	}
}

func TestClose(t *testing.T) {
	s := newServer(t, Options{})
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("close before start: %v", err)
	}
	s = newServer(t, Options{})
	if s.URL() != "" || s.Env() != nil {
		t.Errorf("URL %q and Env %q before Start", s.URL(), s.Env())
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err == nil {
		t.Error("second Start succeeded")
	}
	if r := viaListener(t, s, request{auth: []string{testToken}}); r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	default:
		t.Fatal("serve goroutine still running after Close")
	}
	c := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}, Timeout: 5 * time.Second}
	if resp, err := c.Get(s.URL()); err == nil {
		resp.Body.Close()
		t.Fatal("request after Close succeeded")
	}
	if err := s.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Start(); err == nil {
		t.Error("Start after Close succeeded")
	}
}

func TestCloseCutsStuckRequest(t *testing.T) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	defer close(release)
	s := newServer(t, Options{Provider: blocking(entered, release), Timeout: time.Minute})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	failed := make(chan error, 1)
	go func() {
		c := &http.Client{Transport: &http.Transport{Proxy: nil}}
		r, _ := http.NewRequest(http.MethodGet, s.URL(), nil)
		r.Header.Set("Authorization", testToken)
		resp, err := c.Do(r)
		if err == nil {
			resp.Body.Close()
		}
		failed <- err
	}()
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close: %v, want a deadline error", err)
	}
	if err := <-failed; err == nil {
		t.Error("the request in flight got an answer after Close cut it")
	}
}

// TestCloseDoesNotWaitForUnusedConnections: a client's spare connection that never sends a
// request does not hold Close up. http.Server.Shutdown counts such a connection as idle only
// once it is 5 s old; awsrun gives Close 2 s.
func TestCloseDoesNotWaitForUnusedConnections(t *testing.T) {
	s := newServer(t, Options{})
	s.headerTimeout = time.Hour // only Close may close the silent connection here
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	spare := dialRaw(t, s)
	// Accepted after the spare one: once it is answered, the spare one is being served too.
	holder := dialRaw(t, s)
	get := "GET " + testPath + " HTTP/1.1\r\nHost: " + s.addr.String() + "\r\nAuthorization: " + testToken + "\r\n\r\n"
	if resp, body := holder.roundTrip(get); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d; body %s", resp.StatusCode, body)
	}

	// Returning without an error means Close cut nothing: it did not wait for the spare
	// connection until Shutdown's 5 s rule, its own header timeout or this deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	if err := s.Close(ctx); err != nil {
		t.Errorf("Close with a connection that never sent a request: %v", err)
	}
	if err := spare.closedByServer(); err != nil {
		t.Errorf("spare connection: %v", err)
	}
	if err := holder.closedByServer(); err != nil {
		t.Errorf("idle connection: %v", err)
	}
}

func TestStats(t *testing.T) {
	s := newServer(t, Options{})
	ok := []string{testToken}
	for _, q := range []request{
		{auth: ok}, {auth: ok},
		{}, {auth: ok, host: "evil.example"},
		{auth: ok, target: "/other"},
		{auth: ok, method: http.MethodPost},
	} {
		if q.host == "" {
			q.host = "127.0.0.1"
		}
		viaHandler(t, s, q)
	}
	want := Stats{Served: 2, Unauthorized: 2, NotFound: 1, MethodNotAllowed: 1}
	if got := s.Stats(); got != want {
		t.Errorf("Stats %+v, want %+v", got, want)
	}
}

func TestLogsHoldNoSecrets(t *testing.T) {
	var buf bytes.Buffer
	log := slogDebug(&buf)
	s := newServer(t, Options{Logger: log})
	q := func(r request) request { r.host = "127.0.0.1"; return r }
	viaHandler(t, s, q(request{auth: []string{testToken}}))
	viaHandler(t, s, q(request{auth: []string{"Bearer " + testToken}}))
	viaHandler(t, s, q(request{target: testPath + "?token=" + testToken}))
	s2 := newServer(t, Options{Logger: log, Provider: failing(errors.New("upstream down"))})
	viaHandler(t, s2, q(request{auth: []string{testToken}}))

	out := buf.String()
	for _, secret := range []string{testToken, testCreds.AccessKeyID, testCreds.SecretAccessKey, testCreds.SessionToken} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{`"status":200`, `"status":403`, `"status":503`, `"access_key":"ASIA...Y123"`, "upstream down", `"duration"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
}

func TestNew(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Error("New without a provider succeeded")
	}
	p := fixed(testCreds)
	for _, tok := range []string{"a\nb", "a\rb", " lead", "trail ", "tab\there", "nul\x00", "é", strings.Repeat("a", 1025)} {
		if _, err := New(Options{Provider: p, Token: tok}); err == nil {
			t.Errorf("token %q accepted", tok)
		}
	}
	for _, path := range []string{"nope", "/a b", "/a?b", "/a#b", "/%41", "/ü"} {
		if _, err := New(Options{Provider: p, Path: path}); err == nil {
			t.Errorf("path %q accepted", path)
		}
	}
	if _, err := New(Options{Provider: p, Timeout: -1}); err == nil {
		t.Error("negative timeout accepted")
	}

	a, err := New(Options{Provider: p})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(Options{Provider: p})
	if a.timeout != DefaultTimeout {
		t.Errorf("timeout %v", a.timeout)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(a.Token()) || a.Token() == b.Token() {
		t.Errorf("generated tokens %q and %q", a.Token(), b.Token())
	}
	if !regexp.MustCompile(`^/[0-9a-f]{32}$`).MatchString(a.path) || a.path == b.path {
		t.Errorf("generated paths %q and %q", a.path, b.path)
	}
}

func slogDebug(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestRawRequests sends request lines a normal client would not produce.
func TestRawRequests(t *testing.T) {
	s := startServer(t, Options{})
	port := *s.port.Load()
	tests := []struct {
		name   string
		raw    string
		status int
	}{
		// net/http answers "OPTIONS *" itself unless told not to; the handler refuses it.
		{"options star", "OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n", 400},
		{"http/1.0 without host", "GET " + testPath + " HTTP/1.0\r\nAuthorization: " + testToken + "\r\n\r\n", 403},
		// Only origin form is answered (TestNonOriginFormRefused has more).
		{"absolute form names another host", "GET http://evil.example" + testPath + " HTTP/1.1\r\nHost: 127.0.0.1:" + port +
			"\r\nAuthorization: " + testToken + "\r\n\r\n", 400},
		{"absolute form names us", "GET http://127.0.0.1:" + port + testPath + " HTTP/1.1\r\nHost: 127.0.0.1:" + port +
			"\r\nAuthorization: " + testToken + "\r\n\r\n", 400},
		{"origin form", "GET " + testPath + " HTTP/1.1\r\nHost: 127.0.0.1:" + port +
			"\r\nAuthorization: " + testToken + "\r\n\r\n", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.DialTimeout("tcp4", "127.0.0.1:"+port, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.WriteString(conn, tt.raw); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tt.status, body)
			}
			if tt.status != 200 {
				if l := leaks(body); l != nil {
					t.Fatalf("leaks %q", l)
				}
			}
		})
	}
}

// TestGivenListener: a Server serves on the listener Listen opened before it (awsrun opens the
// port beside its other start-up work), Close before Start closes that listener, and a
// listener that is not a loopback TCP port is refused.
func TestGivenListener(t *testing.T) {
	ln, err := Listen()
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, Options{Listener: ln})
	if s.addr.String() != ln.Addr().String() {
		t.Fatalf("serving on %v, want the given %v", s.addr, ln.Addr())
	}
	if r := viaListener(t, s, request{auth: []string{testToken}}); r.status != 200 {
		t.Fatalf("status %d", r.status)
	}

	ln, err = Listen()
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := newServer(t, Options{Listener: ln}).Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Fatal("the given listener still accepts after Close before Start")
	}

	dir, err := os.MkdirTemp("", "ep")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ul, err := net.Listen("unix", filepath.Join(dir, "s"))
	if err != nil {
		t.Fatal(err)
	}
	if err := newServer(t, Options{Listener: ul}).Start(); err == nil {
		t.Fatal("Start served on a unix socket")
	}
	if _, err := ul.Accept(); err == nil {
		t.Error("the refused listener was left open")
	}
}
