//go:build !linux

package wallclock

import "time"

// MaxNap is how late a Timer can be after a suspend: elsewhere the monotonic timer is capped
// so the wall clock is re-read once a minute.
const MaxNap = time.Minute

func until(at time.Time) *Timer { return capped(at) }
