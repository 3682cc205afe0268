package wallclock

import (
	"os"
	"runtime"
	"testing"
	"time"
)

func waitFire(t *testing.T, tm *Timer, within time.Duration) {
	t.Helper()
	select {
	case <-tm.C:
	case <-time.After(within):
		t.Fatalf("timer did not fire within %v", within)
	}
}

func TestPastFiresAtOnce(t *testing.T) {
	tm := Until(time.Now().Add(-time.Hour))
	defer tm.Stop()
	waitFire(t, tm, time.Second)
}

func TestFiresAtTheWallClockTime(t *testing.T) {
	at := time.Now().Add(80 * time.Millisecond)
	tm := Until(at)
	defer tm.Stop()
	waitFire(t, tm, 10*time.Second)
	if now := time.Now(); now.Before(at) && MaxNap > time.Hour {
		t.Fatalf("fired %v before its time", at.Sub(now))
	}
}

// TestStopSilences: a stopped timer never fires, and stopping twice is fine.
func TestStopSilences(t *testing.T) {
	stopped := Until(time.Now().Add(20 * time.Millisecond))
	stopped.Stop()
	stopped.Stop()
	later := Until(time.Now().Add(120 * time.Millisecond))
	defer later.Stop()
	waitFire(t, later, 10*time.Second)
	select {
	case <-stopped.C:
		t.Fatal("a stopped timer fired")
	default:
	}
	var nilTimer *Timer
	nilTimer.Stop()
}

// TestNoDescriptorLeak: arming and stopping many timers leaves no open descriptor behind.
func TestNoDescriptorLeak(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts /proc/self/fd")
	}
	count := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(ents)
	}
	before := count()
	for i := 0; i < 200; i++ {
		Until(time.Now().Add(time.Hour)).Stop()
	}
	fired := Until(time.Now().Add(10 * time.Millisecond))
	waitFire(t, fired, 10*time.Second)
	fired.Stop()
	if after := count(); after > before {
		t.Fatalf("descriptors: %d before, %d after", before, after)
	}
}
