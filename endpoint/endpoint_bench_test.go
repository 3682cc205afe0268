package endpoint

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// minimalHandler is the floor the endpoint is measured against: a fixed JSON answer behind a
// constant-time token check, with nothing else.
func minimalHandler(token string, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(token)) != 1 {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
}

func benchServer(b *testing.B) *Server {
	s := newServer(b, Options{})
	s.clock = nil
	return s
}

// sink is a ResponseWriter that can be reused, so the handler's own allocations show.
type sink struct {
	h    http.Header
	code int
}

func (w *sink) Header() http.Header         { return w.h }
func (w *sink) WriteHeader(code int)        { w.code = code }
func (w *sink) Write(p []byte) (int, error) { return len(p), nil }

func benchHandler(b *testing.B, h http.Handler) {
	r := httptest.NewRequest(http.MethodGet, testPath, nil)
	r.Host = "127.0.0.1"
	r.Header.Set("Authorization", testToken)
	b.Run("recorder", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
		}
	})
	b.Run("sink", func(b *testing.B) {
		b.ReportAllocs()
		w := &sink{h: http.Header{}}
		for b.Loop() {
			clear(w.h)
			w.code = http.StatusOK
			h.ServeHTTP(w, r)
			if w.code != http.StatusOK {
				b.Fatalf("status %d", w.code)
			}
		}
	})
}

func BenchmarkHandler(b *testing.B) {
	benchHandler(b, benchServer(b).Handler())
}

func BenchmarkMinimalHandler(b *testing.B) {
	benchHandler(b, minimalHandler(testToken, []byte(testJSON)))
}

// BenchmarkLoopback makes real keep-alive requests to the endpoint and to the floor, so the
// ratio between the two can be read off directly.
func BenchmarkLoopback(b *testing.B) {
	s := benchServer(b)
	if err := s.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close(context.Background()) })

	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	floor := &http.Server{Handler: minimalHandler(testToken, []byte(testJSON))}
	go floor.Serve(ln)
	b.Cleanup(func() { floor.Close() })

	for _, target := range []struct{ name, url string }{
		{"endpoint", s.URL()},
		{"minimal", "http://" + ln.Addr().String() + testPath},
	} {
		tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}
		b.Cleanup(tr.CloseIdleConnections)
		get := func() error {
			r, err := http.NewRequest(http.MethodGet, target.url, nil)
			if err != nil {
				return err
			}
			r.Header["Authorization"] = []string{testToken}
			resp, err := tr.RoundTrip(r)
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != http.StatusOK {
				err = errors.New(resp.Status)
			}
			return err
		}
		b.Run(target.name+"/serial", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := get(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(target.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := get(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
