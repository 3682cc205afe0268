package endpoint

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// staticLifetime is the rolling Expiration served for credentials that cannot expire (long-term
// access keys): botocore and the JS SDK refuse an answer without one. An hour ahead keeps every
// SDK outside its refresh window, and moving it on each request means it never passes.
const staticLifetime = time.Hour

// Header values shared by every response; net/http only reads them.
var (
	jsonType  = []string{"application/json"}
	noStore   = []string{"no-store"}
	allowGet  = []string{"GET, HEAD"}
	connClose = []string{"close"}
)

// Fixed error bodies, as errorBody encodes them (TestFixedErrorBodies holds them to that). They
// are literals because encoding them at package init put encoding/json's reflection on every
// start of awsrun (0.1 ms of its package init). None can carry credentials.
var (
	tokenDenied  = []byte(`{"code":"AccessDenied","message":"missing or wrong authorization token"}`)
	hostDenied   = []byte(`{"code":"AccessDenied","message":"host must be 127.0.0.1 or localhost"}`)
	pathUnknown  = []byte(`{"code":"NotFound","message":"no credentials at this path"}`)
	methodDenied = []byte(`{"code":"MethodNotAllowed","message":"only GET and HEAD are allowed"}`)
	formDenied   = []byte(`{"code":"BadRequest","message":"the request target must be a path"}`)
)

// genericHint is the 503 message when Options.Hint is nil. The provider's error is not sent:
// it is not the endpoint's to vet for secrets.
const genericHint = "no valid AWS credentials are available; see the awsrun log"

// wire is the container-credentials answer. Token and Expiration are always present because
// botocore and the JS SDK require both; the JS parser also insists on a trailing Z.
type wire struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
	AccountID       string `json:"AccountId,omitempty"`
}

// body is an encoded answer together with the credentials it was encoded from, so requests
// reuse it until the provider hands out different credentials.
type body struct {
	id, secret, session, account string
	expires                      int64 // served Expiration, Unix seconds

	json     []byte
	length   []string // Content-Length header value
	redacted string   // access key id for logs
}

// servedExpiry is the Expiration to send: the true expiry, cut to the second (never later),
// or the rolling expiry for credentials that cannot expire.
func servedExpiry(c aws.Credentials, now time.Time) int64 {
	if c.CanExpire {
		return c.Expires.Unix()
	}
	return now.Unix() + int64(staticLifetime/time.Second)
}

func (b *body) matches(c aws.Credentials, exp int64) bool {
	// Equal strings usually share their bytes, so this is a few pointer compares per request.
	return b.expires == exp && b.id == c.AccessKeyID && b.secret == c.SecretAccessKey &&
		b.session == c.SessionToken && b.account == c.AccountID
}

// bodyFor returns the cached answer for c, encoding a new one only when c differs from the
// credentials served last.
func (s *Server) bodyFor(c aws.Credentials, now time.Time) *body {
	exp := servedExpiry(c, now)
	if b := s.body.Load(); b != nil && b.matches(c, exp) {
		return b
	}
	b := encode(c, exp)
	s.body.Store(b)
	return b
}

func encode(c aws.Credentials, exp int64) *body {
	data, err := json.Marshal(wire{
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey,
		Token:           c.SessionToken,
		Expiration:      time.Unix(exp, 0).UTC().Format(time.RFC3339),
		AccountID:       c.AccountID,
	})
	if err != nil {
		// Only strings are encoded, and encoding/json replaces invalid UTF-8 rather than failing.
		panic("endpoint: encode credentials: " + err.Error())
	}
	return &body{
		id:       c.AccessKeyID,
		secret:   c.SecretAccessKey,
		session:  c.SessionToken,
		account:  c.AccountID,
		expires:  exp,
		json:     data,
		length:   []string{strconv.Itoa(len(data))},
		redacted: redact(c.AccessKeyID),
	}
}

// errorBody is the shape the SDKs decode from a 4xx/5xx JSON answer (the Go SDK reads
// "code" and "message"; the JS SDK shows them in its error).
func errorBody(code, message string) []byte {
	b, err := json.Marshal(struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}{code, message})
	if err != nil {
		panic("endpoint: encode error body: " + err.Error())
	}
	return b
}

// redact keeps enough of an access key id to tell keys apart in a log.
func redact(id string) string {
	if len(id) < 12 {
		return "****"
	}
	return id[:4] + "..." + id[len(id)-4:]
}
