package fakeaws

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	// secretAlphabet is what real secret access keys are drawn from; '+' and
	// '/' are kept so clients that mishandle them in config files show up.
	secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// randomString draws n characters uniformly from alphabet with crypto/rand;
// rejection sampling avoids the modulo bias a plain byte%len would add.
func randomString(alphabet string, n int) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		rand.Read(buf) // never fails on supported platforms (Go 1.24+)
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out = append(out, alphabet[int(b)%len(alphabet)])
			if len(out) == n {
				break
			}
		}
	}
	return string(out)
}

func randomBase64(nbytes int) string {
	b := make([]byte, nbytes)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func randomURLToken(nbytes int) string {
	b := make([]byte, nbytes)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func newTemporaryKeyID() string { return "ASIA" + randomString(upperAlnum, 16) }
func newSecretKey() string      { return randomString(secretAlphabet, 40) }

// newSessionToken is long and uses the full base64 alphabet with padding like
// real STS tokens, which are several hundred characters: clients that truncate
// or mis-escape them then fail here too.
func newSessionToken() string { return randomBase64(300) }

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}

// stableID derives a fixed unique id (like AROA…/AIDA…) from a name, so the
// same role or user always shows the same id across calls and test runs.
func stableID(prefix, name string) string {
	sum := sha256.Sum256([]byte(name))
	out := make([]byte, 17)
	for i := range out {
		out[i] = upperAlnum[int(sum[i])%len(upperAlnum)]
	}
	return prefix + string(out)
}

func stableHex(name string, n int) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:])[:n]
}
