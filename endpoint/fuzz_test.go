package endpoint

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzHandler drives the handler with arbitrary tokens, request targets, methods and hosts,
// and checks that credentials leave only in a 200 to a request that passed every check, and
// never reach the log. The target is what the request line carried (absolute or asterisk form
// included); its path is what net/http would parse from it. Seeds are in
// testdata/fuzz/FuzzHandler. The server is not started, so only a Host without a port is
// accepted.
func FuzzHandler(f *testing.F) {
	secrets := []string{testCreds.AccessKeyID, testCreds.SecretAccessKey, testCreds.SessionToken}
	f.Fuzz(func(t *testing.T, token, target, method, host string) {
		var logs bytes.Buffer
		s := newServer(t, Options{Logger: slogDebug(&logs)})
		u, err := url.ParseRequestURI(target)
		if err != nil {
			u = &url.URL{Path: target} // net/http would answer 400 itself; the handler must too
		}
		path := u.Path
		r := &http.Request{
			Method:     method,
			URL:        u,
			RequestURI: target,
			Proto:      "HTTP/1.1",
			ProtoMajor: 1,
			ProtoMinor: 1,
			Host:       host,
			Header:     http.Header{},
			RemoteAddr: "127.0.0.1:40000",
		}
		if token != "" {
			r.Header["Authorization"] = []string{token}
		}
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, r)

		entitled := token == testToken && strings.HasPrefix(target, "/") && path == testPath &&
			(method == http.MethodGet || method == http.MethodHead) &&
			(host == "127.0.0.1" || strings.EqualFold(host, "localhost"))
		if entitled != (w.Code == http.StatusOK) {
			t.Fatalf("status %d for token %q path %q method %q host %q", w.Code, token, path, method, host)
		}
		if !entitled {
			var hdr strings.Builder
			w.Result().Header.Write(&hdr)
			if l := leaks(append(w.Body.Bytes(), hdr.String()...)); l != nil {
				t.Fatalf("status %d leaks %q", w.Code, l)
			}
		}
		input := token + target + method + host
		for _, secret := range secrets {
			if strings.Contains(logs.String(), secret) && !strings.Contains(input, secret) {
				t.Fatalf("log holds %q: %s", secret, logs.String())
			}
		}
	})
}
