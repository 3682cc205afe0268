//go:build !unix

package phases

import "time"

// Now is the wall clock in nanoseconds where there is no shared monotonic clock to read.
func Now() int64 { return time.Now().UnixNano() }
