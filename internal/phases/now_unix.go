//go:build unix

package phases

import "golang.org/x/sys/unix"

// Now is CLOCK_MONOTONIC in nanoseconds: one clock for every process of the machine, so the
// bench can set its own reading before the exec beside awsrun's.
func Now() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0
	}
	return ts.Nano()
}
