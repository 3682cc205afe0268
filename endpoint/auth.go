package endpoint

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
)

// maxTokenLen keeps a caller-chosen token well inside maxHeaderBytes.
const maxTokenLen = 1024

// randomToken uses unpadded base64url so the token never holds characters that SDKs or HTTP
// treat specially ('=', '+', '/', CR, LF).
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails since Go 1.24; it crashes the program instead
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomPath() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "/" + hex.EncodeToString(b)
}

// checkToken rejects tokens that could not arrive intact: botocore, Go and JS refuse CR/LF,
// servers strip surrounding whitespace, and other control bytes are not valid in a header.
func checkToken(t string) error {
	if len(t) > maxTokenLen {
		return errors.New("token longer than 1024 bytes")
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; c < 0x20 || c > 0x7e {
			return errors.New("token must be printable ASCII")
		}
	}
	if strings.TrimSpace(t) != t {
		return errors.New("token has leading or trailing spaces")
	}
	return nil
}

// checkPath accepts only characters that need no escaping, so the path in URL() is exactly
// what arrives as r.URL.Path.
func checkPath(p string) error {
	if !strings.HasPrefix(p, "/") {
		return errors.New("path must start with /")
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '/' || c == '-' || c == '.' || c == '_' || c == '~':
		default:
			return errors.New("path may hold only letters, digits and /-._~")
		}
	}
	return nil
}

// authorized compares the Authorization header with the token in constant time. The SDKs send
// the token verbatim, so a "Bearer " prefix is a wrong token, not a second accepted form. A
// repeated header is refused rather than guessing which copy counts. Only the token's length
// can leak through timing, and a generated token's length is public anyway.
func (s *Server) authorized(h http.Header) bool {
	v := h["Authorization"]
	if len(v) != 1 {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(v[0]), []byte(s.token)) == 1
}

// hostAllowed is the DNS-rebinding guard: a web page that got its own name resolved to
// 127.0.0.1 still sends that name as Host. Only the names SDKs are given are accepted, with
// the listener's port when a port is present.
func (s *Server) hostAllowed(host string) bool {
	name := host
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		name = host[:i]
		p := s.port.Load()
		if p == nil || host[i+1:] != *p {
			return false
		}
	}
	return name == "127.0.0.1" || strings.EqualFold(name, "localhost")
}
