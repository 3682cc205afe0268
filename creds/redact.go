package creds

import (
	"bytes"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Redact shows enough of an access key id to tell two apart in a log, and nothing of its secret
// parts: "ASIA...WXYZ".
func Redact(accessKeyID string) string {
	if len(accessKeyID) < 12 {
		return "****"
	}
	return accessKeyID[:4] + "..." + accessKeyID[len(accessKeyID)-4:]
}

// The scrubber is the last line of defence behind the sanitised errors (taint.go): every secret
// awsrun has resolved, served or read (secret keys, session tokens, SSO tokens) is remembered,
// and Scrub replaces it in whatever awsrun is about to write to its log, its stderr or a status
// entry; a whole access key id becomes its redacted form. It is process-wide because the log
// handler, the error printer and the status writer share no other state with the resolver.
var known struct {
	sync.RWMutex
	// byLength is longest first, so a secret that contains another is replaced whole.
	byLength []knownSecret
	// order is oldest first, for eviction.
	order []string
}

type knownSecret struct {
	value, shown   string
	valueB, shownB []byte // for ScrubBytes, converted once
}

// maxKnown bounds the remembered secrets: a renewal adds three, and the oldest are long expired
// by the time they are forgotten.
const maxKnown = 192

// minSecretLen keeps short strings out: real secret keys have 40 characters, session tokens
// hundreds, access key ids at least 16; replacing short ones would garble ordinary text.
const minSecretLen = 16

// Remember adds the credentials' secret key, session token and access key id to what Scrub
// replaces.
func Remember(c aws.Credentials) {
	remember(c.SecretAccessKey, "[secret]")
	remember(c.SessionToken, "[token]")
	remember(c.AccessKeyID, Redact(c.AccessKeyID))
}

// rememberSecret adds any other secret (an SSO access or refresh token, a client secret).
func rememberSecret(v string) { remember(v, "[secret]") }

func remember(v, shown string) {
	if len(v) < minSecretLen {
		return
	}
	known.Lock()
	defer known.Unlock()
	if slices.Contains(known.order, v) {
		return
	}
	known.order = append(known.order, v)
	i, _ := slices.BinarySearchFunc(known.byLength, len(v), func(k knownSecret, n int) int { return n - len(k.value) })
	known.byLength = slices.Insert(known.byLength, i, knownSecret{v, shown, []byte(v), []byte(shown)})
	if len(known.order) > maxKnown {
		old := known.order[0]
		known.order = known.order[1:]
		known.byLength = slices.DeleteFunc(known.byLength, func(k knownSecret) bool { return k.value == old })
	}
}

// Scrub replaces every remembered secret in s.
func Scrub(s string) string {
	known.RLock()
	defer known.RUnlock()
	for _, k := range known.byLength {
		if strings.Contains(s, k.value) {
			s = strings.ReplaceAll(s, k.value, k.shown)
		}
	}
	return s
}

// ScrubBytes is Scrub for a log record; b itself is returned when it holds no secret.
func ScrubBytes(b []byte) []byte {
	known.RLock()
	defer known.RUnlock()
	for _, k := range known.byLength {
		if bytes.Contains(b, k.valueB) {
			b = bytes.ReplaceAll(b, k.valueB, k.shownB)
		}
	}
	return b
}
