//go:build unix

package main

import (
	"fmt"
	"net/http"
	"time"
)

// benchReaction: from the write of a new SSO token to the cache (an `aws sso login` in another
// terminal) to awsrun's endpoint serving credentials obtained with it, as e2e's
// BenchmarkTokenWriteToServed. The credentials in hand stay valid, so only the watch can react.
func benchReaction(r *report, w *world, b binaries) error {
	aw, err := startAwsrun(w, b.awsrun, []string{"-p", "sso"}, "3600")
	if err != nil {
		return err
	}
	defer aw.stop()
	c := &http.Client{Timeout: 5 * time.Second}
	code, key, err := aw.get(c)
	if err != nil || code != 200 {
		return fmt.Errorf("endpoint at start: %d %v", code, err)
	}
	var xs []float64
	for i := 0; i < *reactN; i++ {
		time.Sleep(150 * time.Millisecond)
		tok := fmt.Sprintf("bench-reaction-token-%d-%d", time.Now().UnixNano(), i)
		t0 := time.Now()
		if err := w.writeToken(tok); err != nil {
			return err
		}
		deadline := t0.Add(10 * time.Second)
		for {
			code, k, err := aw.get(c)
			if err == nil && code == 200 && k != key {
				key = k
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("no new credentials 10s after token write %d (last status %d, err %v)", i, code, err)
			}
			time.Sleep(time.Millisecond)
		}
		xs = append(xs, msDur(time.Since(t0)))
		debugf("reaction %d: %.1f ms", i, xs[len(xs)-1])
	}
	m := median(xs)
	lo, hi := minmax(xs)
	r.add("reaction: SSO token write -> new creds served", fmt.Sprintf("%.1f ms (%.1f-%.1f, n=%d)", m, lo, hi, len(xs)), "", "", "<= 250 ms", check(m <= 250))
	return nil
}
