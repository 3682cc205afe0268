//go:build unix

package main

import (
	"fmt"
	"net/http"
	"time"
)

// benchReaction: from the write of a new SSO token to the cache (an `aws sso login` in another
// terminal) to awsrun's endpoint serving credentials obtained with it, as e2e's
// BenchmarkTokenWriteToServed; then the same for a new `aws login` written to the login cache,
// whose cached credentials awsrun serves as they are. The credentials in hand stay valid, so
// only the watch can react.
func benchReaction(r *report, w *world, b binaries) error {
	if err := measureReaction(r, "reaction: SSO token write -> new creds served", w, b.awsrun, "sso",
		func(i int) (string, error) {
			return "", w.writeToken(fmt.Sprintf("bench-reaction-token-%d-%d", time.Now().UnixNano(), i))
		}); err != nil {
		return err
	}
	env, err := w.stageLogin()
	if err != nil {
		return fmt.Errorf("stage an aws login: %w", err)
	}
	lw := *w
	lw.env = env
	return measureReaction(r, "reaction: aws login cache write -> new creds served", &lw, b.awsrun, "console",
		func(int) (string, error) { return w.writeLogin() })
}

// measureReaction runs awsrun for profile and times *reactN writes (write returns the key
// expected after it, "" for any new one) from the write to the endpoint serving new
// credentials; the median is the report's row.
func measureReaction(r *report, row string, w *world, awsrun, profile string, write func(i int) (string, error)) error {
	aw, err := startAwsrun(w, awsrun, []string{"-p", profile}, "3600")
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
		t0 := time.Now()
		want, err := write(i)
		if err != nil {
			return err
		}
		deadline := t0.Add(10 * time.Second)
		for {
			code, k, err := aw.get(c)
			if err == nil && code == 200 && k != key && (want == "" || k == want) {
				key = k
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("no new credentials 10s after write %d (last status %d, err %v)", i, code, err)
			}
			time.Sleep(time.Millisecond)
		}
		xs = append(xs, msDur(time.Since(t0)))
		debugf("%s %d: %.1f ms", row, i, xs[len(xs)-1])
	}
	m := median(xs)
	lo, hi := minmax(xs)
	r.add(row, fmt.Sprintf("%.1f ms (%.1f-%.1f, n=%d)", m, lo, hi, len(xs)), "", "", "<= 250 ms", check(m <= 250))
	return nil
}
