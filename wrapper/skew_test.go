package wrapper

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

func skewLog() (*slog.Logger, func() string) {
	var b bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(lockedBuf{&b, &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return log, func() string { mu.Lock(); defer mu.Unlock(); return b.String() }
}

// answer is one AWS response: local send time, round trip, and AWS's clock offset; the Date
// header is cut to whole seconds as HTTP's is.
func answer(sent time.Time, rtt, awsAhead time.Duration) (server, s, r time.Time) {
	mid := sent.Add(rtt / 2)
	return mid.Add(awsAhead).Truncate(time.Second), sent, sent.Add(rtt)
}

func TestClockSkewBounds(t *testing.T) {
	base := time.Date(2025, 3, 1, 12, 0, 0, 300e6, time.UTC)
	for _, tc := range []struct {
		rtt, ahead time.Duration
	}{
		{50 * time.Millisecond, 7 * time.Minute},
		{2 * time.Second, -7*time.Minute - 12*time.Second},
		{0, 0},
		{30 * time.Second, 4 * time.Minute},
	} {
		est, lo, hi := clockSkew(answer(base, tc.rtt, tc.ahead))
		if lo > tc.ahead || hi < tc.ahead {
			t.Errorf("rtt %v ahead %v: bounds [%v, %v] miss the truth", tc.rtt, tc.ahead, lo, hi)
		}
		if d := est - tc.ahead; d < -time.Second-tc.rtt/2 || d > time.Second+tc.rtt/2 {
			t.Errorf("rtt %v ahead %v: estimate %v", tc.rtt, tc.ahead, est)
		}
	}
}

// TestSkewCheckWarnsOncePerExcursion drives the check with fake answers: one warning when the
// clock goes more than 4 minutes off, silence while it stays off, none for a skew the round trip
// could explain, and a new warning only after it came back and went off again.
func TestSkewCheckWarnsOncePerExcursion(t *testing.T) {
	log, read := skewLog()
	c := newSkewCheck(log)
	c.goos = "linux"
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	send := func(rtt, ahead time.Duration) {
		at = at.Add(10 * time.Minute)
		c.observe(answer(at, rtt, ahead))
	}
	warnings := func() int { return strings.Count(read(), "level=WARN") }

	send(100*time.Millisecond, 30*time.Second) // fine
	send(100*time.Millisecond, -3*time.Minute) // off, but within the limit
	if n := warnings(); n != 0 {
		t.Fatalf("%d warnings for a clock within 4 minutes:\n%s", n, read())
	}
	// 3m50s off with a 40 s round trip: it might be more than 4 minutes, but need not be.
	send(40*time.Second, 3*time.Minute+50*time.Second)
	if n := warnings(); n != 0 {
		t.Fatalf("warned for a skew the round trip can explain:\n%s", read())
	}
	send(200*time.Millisecond, -7*time.Minute-12*time.Second) // local clock ahead
	if n := warnings(); n != 1 {
		t.Fatalf("%d warnings, want 1:\n%s", n, read())
	}
	out := read()
	for _, want := range []string{`msg="the local clock is 7m12s ahead of AWS; AWS rejects signed requests more than 5 minutes off`, `fix="sync the clock: sudo timedatectl set-ntp true`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	for range 5 {
		send(200*time.Millisecond, -7*time.Minute)
	}
	send(200*time.Millisecond, 9*time.Minute) // still off (the other way): same excursion
	if n := warnings(); n != 1 {
		t.Fatalf("%d warnings while the clock stayed off, want 1:\n%s", n, read())
	}
	send(200*time.Millisecond, 10*time.Second) // back
	if !strings.Contains(read(), "the local clock is back within 4 minutes of AWS") {
		t.Errorf("recovery not logged:\n%s", read())
	}
	send(200*time.Millisecond, 6*time.Minute) // off again: AWS ahead, local behind
	if n := warnings(); n != 2 {
		t.Fatalf("%d warnings after a second excursion, want 2:\n%s", n, read())
	}
	if !strings.Contains(read(), "the local clock is 6m0s behind AWS") {
		t.Errorf("second warning wrong:\n%s", read())
	}
}

func TestSkewCheckConcurrentAnswersWarnOnce(t *testing.T) {
	log, read := skewLog()
	c := newSkewCheck(log)
	now := time.Now()
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { c.observe(answer(now, 10*time.Millisecond, 8*time.Minute)) })
	}
	wg.Wait()
	if n := strings.Count(read(), "level=WARN"); n != 1 {
		t.Fatalf("%d warnings from 50 concurrent answers, want 1", n)
	}
}

func TestClockFixPerSystem(t *testing.T) {
	for _, goos := range []string{"darwin", "windows", "linux", "freebsd"} {
		if f := clockFix(goos); !strings.HasPrefix(f, "sync the clock: ") {
			t.Errorf("%s: %q", goos, f)
		}
	}
}
