package endpoint

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzHandler drives the handler with arbitrary tokens, paths, methods and hosts, and checks
// that credentials leave only in a 200 to a request that passed every check, and never reach
// the log. Seeds are in testdata/fuzz/FuzzHandler. The server is not started, so only a Host
// without a port is accepted.
func FuzzHandler(f *testing.F) {
	secrets := []string{testCreds.AccessKeyID, testCreds.SecretAccessKey, testCreds.SessionToken}
	f.Fuzz(func(t *testing.T, token, path, method, host string) {
		var logs bytes.Buffer
		s := newServer(t, Options{Logger: slogDebug(&logs)})
		r := &http.Request{
			Method:     method,
			URL:        &url.URL{Path: path},
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

		entitled := token == testToken && path == testPath &&
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
		input := token + path + method + host
		for _, secret := range secrets {
			if strings.Contains(logs.String(), secret) && !strings.Contains(input, secret) {
				t.Fatalf("log holds %q: %s", secret, logs.String())
			}
		}
	})
}
