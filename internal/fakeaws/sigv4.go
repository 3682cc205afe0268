package fakeaws

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	sigV4Algorithm = "AWS4-HMAC-SHA256"
	amzDateFormat  = "20060102T150405Z"
	// sigV4Window is how far X-Amz-Date may be from the server clock, per
	// the IAM user guide ("AWS signature version 4"); S3's 15 min is not STS.
	sigV4Window = 5 * time.Minute
)

// sigV4Auth is a parsed "Authorization: AWS4-HMAC-SHA256 ..." header.
type sigV4Auth struct {
	keyID         string
	date          string // YYYYMMDD from the credential scope
	region        string
	service       string
	terminal      string
	signedHeaders string // as sent: the signature covers this exact list
	signature     string
}

func (a sigV4Auth) scope() string {
	return a.date + "/" + a.region + "/" + a.service + "/" + a.terminal
}

func incompleteSignature(msg string) *apiError {
	return stsErr(http.StatusBadRequest, "IncompleteSignature", msg)
}

func parseAuthorization(header string) (sigV4Auth, *apiError) {
	var a sigV4Auth
	alg, rest, _ := strings.Cut(header, " ")
	if alg != sigV4Algorithm {
		return a, incompleteSignature("Unsupported AWS 'algorithm': '" + alg + "'")
	}
	var credential string
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			credential = v
		case "SignedHeaders":
			a.signedHeaders = v
		case "Signature":
			a.signature = v
		}
	}
	var missing []string
	for _, p := range []struct{ name, val string }{
		{"Credential", credential}, {"Signature", a.signature}, {"SignedHeaders", a.signedHeaders},
	} {
		if p.val == "" {
			missing = append(missing, "Authorization header requires '"+p.name+"' parameter.")
		}
	}
	if len(missing) > 0 {
		return a, incompleteSignature(strings.Join(missing, " "))
	}
	parts := strings.Split(credential, "/")
	if len(parts) != 5 || parts[0] == "" {
		return a, incompleteSignature("Credential should have exactly 5 slash-delimited elements, " +
			"e.g. keyid/date/region/service/term")
	}
	a.keyID, a.date, a.region, a.service, a.terminal = parts[0], parts[1], parts[2], parts[3], parts[4]
	return a, nil
}

// requestTime returns the signing time in the basic ISO 8601 form the string
// to sign uses; X-Amz-Date wins, the Date header is the documented fallback.
func requestTime(r *http.Request) (time.Time, string, *apiError) {
	if v := r.Header.Get("X-Amz-Date"); v != "" {
		t, err := time.Parse(amzDateFormat, v)
		if err != nil {
			return t, "", incompleteSignature("Date must be in ISO-8601 'basic format'. Got '" + v + "'. " +
				"See http://en.wikipedia.org/wiki/ISO_8601")
		}
		return t, v, nil
	}
	if v := r.Header.Get("Date"); v != "" {
		t, err := http.ParseTime(v)
		if err != nil {
			return t, "", incompleteSignature("Date must be in RFC 1123 format. Got '" + v + "'.")
		}
		return t, t.UTC().Format(amzDateFormat), nil
	}
	return time.Time{}, "", incompleteSignature("Authorization header requires existence of either " +
		"a 'X-Amz-Date' or a 'Date' header.")
}

// checkWindow rejects a signing time too far from the server clock, with
// the code and wording STS uses so SDK clock-skew handling reacts as in AWS.
func checkWindow(signed, now time.Time) *apiError {
	signed, now = signed.UTC(), now.UTC()
	if signed.Before(now.Add(-sigV4Window)) {
		return stsErr(http.StatusForbidden, "SignatureDoesNotMatch", "Signature expired: "+
			signed.Format(amzDateFormat)+" is now earlier than "+now.Add(-sigV4Window).Format(amzDateFormat)+
			" ("+now.Format(amzDateFormat)+" - 5 min.)")
	}
	if signed.After(now.Add(sigV4Window)) {
		return stsErr(http.StatusForbidden, "SignatureDoesNotMatch", "Signature not yet current: "+
			signed.Format(amzDateFormat)+" is still later than "+now.Add(sigV4Window).Format(amzDateFormat)+
			" ("+now.Format(amzDateFormat)+" + 5 min.)")
	}
	return nil
}

// checkScope applies the credential-scope rules that are independent of the
// secret, so a mis-scoped request is reported as such rather than as a bad
// signature.
func checkScope(a sigV4Auth, amzDate, service string) *apiError {
	if a.service != service {
		return stsErr(http.StatusForbidden, "SignatureDoesNotMatch",
			"Credential should be scoped to correct service: '"+service+"'. ")
	}
	if a.terminal != "aws4_request" {
		return stsErr(http.StatusForbidden, "SignatureDoesNotMatch",
			"Credential should be scoped with a valid terminator: 'aws4_request', not '"+a.terminal+"'. ")
	}
	if a.date != amzDate[:8] {
		return stsErr(http.StatusForbidden, "SignatureDoesNotMatch",
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '"+
				a.date+"' != '"+amzDate[:8]+"', from '"+amzDate+"'.")
	}
	if !containsHeader(a.signedHeaders, "host") {
		return stsErr(http.StatusForbidden, "SignatureDoesNotMatch",
			"'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return nil
}

func containsHeader(signedHeaders, name string) bool {
	for _, h := range strings.Split(signedHeaders, ";") {
		if h == name {
			return true
		}
	}
	return false
}

// expectedSignature recomputes the signature a client holding secret would
// have sent; equality proves the client used the right secret.
func expectedSignature(r *http.Request, body []byte, a sigV4Auth, amzDate, secret string) string {
	creq := canonicalRequest(r, a.signedHeaders, body)
	sum := sha256.Sum256([]byte(creq))
	toSign := sigV4Algorithm + "\n" + amzDate + "\n" + a.scope() + "\n" + hex.EncodeToString(sum[:])
	k := hmacSHA256([]byte("AWS4"+secret), a.date)
	k = hmacSHA256(k, a.region)
	k = hmacSHA256(k, a.service)
	k = hmacSHA256(k, a.terminal)
	return hex.EncodeToString(hmacSHA256(k, toSign))
}

func signatureMatches(r *http.Request, body []byte, a sigV4Auth, amzDate, secret string) bool {
	want := expectedSignature(r, body, a, amzDate, secret)
	return hmac.Equal([]byte(want), []byte(strings.ToLower(a.signature)))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func canonicalRequest(r *http.Request, signedHeaders string, body []byte) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.URL.RawQuery))
	b.WriteByte('\n')
	for _, name := range strings.Split(signedHeaders, ";") {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(signedHeaders)
	b.WriteByte('\n')
	sum := sha256.Sum256(body)
	b.WriteString(hex.EncodeToString(sum[:]))
	return b.String()
}

// canonicalURI encodes the already-escaped path once more: every service
// but S3 double-encodes, and STS is not S3.
func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return awsEscape(p, true)
}

func canonicalQuery(raw string) string {
	if raw == "" {
		return ""
	}
	values, _ := url.ParseQuery(raw)
	pairs := make([]string, 0, len(values))
	for k, vs := range values {
		for _, v := range vs {
			pairs = append(pairs, awsEscape(k, false)+"="+awsEscape(v, false))
		}
	}
	// Sorting "k=v" strings orders by key then value because '=' sorts
	// before every character awsEscape can emit.
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// canonicalHeaderValue reads a signed header back the way the client saw it
// before net/http moved some of them out of Header.
func canonicalHeaderValue(r *http.Request, name string) string {
	var vals []string
	switch name {
	case "host":
		vals = []string{r.Host}
	case "content-length":
		vals = r.Header.Values(name)
		if len(vals) == 0 && r.ContentLength >= 0 {
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		vals = r.Header.Values(name)
		if len(vals) == 0 {
			vals = r.TransferEncoding
		}
	default:
		vals = r.Header.Values(name)
	}
	out := make([]string, len(vals)) // Header.Values is not a copy
	for i, v := range vals {
		out[i] = strings.Join(strings.Fields(v), " ")
	}
	return strings.Join(out, ",")
}

// awsEscape is SigV4's URI encoding: only unreserved characters pass, the
// rest become upper-case %XX (unlike url.QueryEscape, space is %20).
func awsEscape(s string, keepSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~', keepSlash && c == '/':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}
