package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
)

// BenchmarkTokenWriteToServed measures awsrun's reaction: from the write of a new SSO token
// (an `aws sso login` in another terminal) to the endpoint serving credentials obtained with it.
// The credentials in hand stay valid throughout, so only the watch can cause the change.
func BenchmarkTokenWriteToServed(b *testing.B) {
	w := newWorld(b, time.Hour)
	s := w.startSupervised(b, "sso")
	_, key := s.get()
	cache := w.home + "/.aws/sso/cache"
	var total time.Duration
	for i := 0; b.Loop(); i++ {
		tok := fmt.Sprintf("bench-token-%d", i)
		w.fake.AddSSOAccessToken(tok, time.Now().Add(8*time.Hour))
		start := time.Now()
		if _, err := fakeaws.WriteSSOTokenCache(cache, "corp", fakeaws.CachedToken{
			StartURL: "https://corp.awsapps.com/start", Region: "us-east-1", AccessToken: tok, ExpiresAt: time.Now().Add(8 * time.Hour),
		}); err != nil {
			b.Fatal(err)
		}
		eventually(b, "credentials from the new token", 10*time.Second, s.done, func() bool {
			code, k := s.get()
			if code == 200 && k != key {
				key = k
				return true
			}
			return false
		})
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/write-to-served")
}
