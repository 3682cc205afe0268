//go:build linux

package wallclock

import (
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// MaxNap is how late a Timer can be after a suspend or clock change: not at all on Linux, where
// a CLOCK_REALTIME timerfd fires as soon as the wall clock passes its time.
const MaxNap = time.Duration(1<<63 - 1)

// until arms an absolute CLOCK_REALTIME timerfd that is also cancelled (and so fires early) when
// the clock is set. The descriptor sits in Go's poller, so a waiting Timer costs no wakeups.
func until(at time.Time) *Timer {
	fd, err := unix.TimerfdCreate(unix.CLOCK_REALTIME, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return capped(at)
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(at.UnixNano())}
	if err := unix.TimerfdSettime(fd, unix.TFD_TIMER_ABSTIME|unix.TFD_TIMER_CANCEL_ON_SET, &spec, nil); err != nil {
		_ = unix.Close(fd)
		return capped(at)
	}
	f := os.NewFile(uintptr(fd), "wallclock-timer")
	c := make(chan struct{}, 1)
	var mu sync.Mutex
	stopped := false
	go func() {
		var buf [8]byte
		_, err := f.Read(buf[:])
		mu.Lock()
		defer mu.Unlock()
		if stopped {
			return
		}
		_ = err // expired, or ECANCELED by a clock change: either way the receiver re-reads the clock
		_ = f.Close()
		c <- struct{}{}
	}()
	var once sync.Once
	return &Timer{C: c, stop: func() {
		once.Do(func() {
			mu.Lock()
			stopped = true
			mu.Unlock()
			_ = f.Close()
		})
	}}
}
