package endpoint

import (
	"log/slog"
	"net/http"
	"time"
)

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	status, b, err := s.answer(w, r, start)
	switch status {
	case http.StatusOK:
		s.served.Add(1)
	case http.StatusForbidden:
		s.unauthorized.Add(1)
	case http.StatusNotFound:
		s.notFound.Add(1)
	case http.StatusMethodNotAllowed:
		s.badMethod.Add(1)
	case http.StatusBadRequest:
		s.badRequest.Add(1)
	case http.StatusServiceUnavailable:
		s.unavailable.Add(1)
	}
	// Checked first so a disabled logger costs nothing per request.
	if !s.log.Enabled(r.Context(), slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(start)),
	}
	if b != nil {
		attrs = append(attrs, slog.String("access_key", b.redacted))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "credentials request", attrs...)
}

// answer writes the response and reports what it sent. The checks run from the cheapest and
// least revealing to the provider call, and credentials are written in one place only: after
// every check passed.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, start time.Time) (int, *body, error) {
	h := w.Header()
	h["Cache-Control"] = noStore
	switch {
	case !originForm(r.RequestURI):
		// The absolute form ("GET http://host/path") names a host the Host check never sees,
		// and the asterisk and authority forms have no business here. SDKs send origin form.
		return refuse(w, http.StatusBadRequest, formDenied), nil, nil
	case !s.hostAllowed(r.Host):
		return refuse(w, http.StatusForbidden, hostDenied), nil, nil
	case r.URL.Path != s.path:
		// Ahead of the token check, so 404 means "not here" whoever asks. The generated path
		// carries 128 random bits, so 404 against 403 tells a guesser nothing useful.
		return refuse(w, http.StatusNotFound, pathUnknown), nil, nil
	case !s.authorized(r.Header):
		return refuse(w, http.StatusForbidden, tokenDenied), nil, nil
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		h["Allow"] = allowGet
		return refuse(w, http.StatusMethodNotAllowed, methodDenied), nil, nil
	}
	// The token holder's connection: never evicted by the connection bound from now on.
	trustConn(r.Context(), start)

	c, err := s.retrieve(r.Context(), start)
	// Expiry is judged with the clock read taken at arrival: a provider that took long did
	// so because it just refreshed, and clock reads are not free on virtual machines.
	now := start
	if s.clock != nil {
		now = s.clock()
	}
	if err == nil {
		err = usable(c, now)
	}
	if err != nil {
		msg := genericHint
		if s.hint != nil {
			if m := s.hint(err); m != "" {
				msg = m
			}
		}
		return reject(w, http.StatusServiceUnavailable, errorBody("CredentialsUnavailable", msg)), nil, err
	}

	b := s.bodyFor(c, now)
	h["Content-Type"] = jsonType
	if r.Method == http.MethodHead || len(b.json) > countedBody {
		// Otherwise net/http counts the body itself, which costs less than one more header in
		// the handler's map; a HEAD has none to count.
		h["Content-Length"] = b.length
	}
	if r.Method != http.MethodHead {
		w.Write(b.json) // a client that hung up is not our error to report
	}
	return http.StatusOK, b, nil
}

// countedBody is the size of body net/http holds back before it must choose between a
// Content-Length it counts and chunking (its bufferBeforeChunkingSize).
const countedBody = 2048

// refuse answers a request that failed a check and closes its connection, so a process without
// the token cannot hold connections open by sending requests that are refused.
func refuse(w http.ResponseWriter, status int, body []byte) int {
	w.Header()["Connection"] = connClose
	return reject(w, status, body)
}

// originForm reports whether a request target is "/" followed by a path and query.
func originForm(target string) bool {
	return len(target) > 0 && target[0] == '/'
}

func reject(w http.ResponseWriter, status int, body []byte) int {
	w.Header()["Content-Type"] = jsonType
	w.WriteHeader(status)
	w.Write(body)
	return status
}
