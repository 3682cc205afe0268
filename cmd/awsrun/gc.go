package main

import (
	"os"
	"runtime/debug"
)

// gcPercent is awsrun's GOGC unless the environment sets one. awsrun keeps about 1 MB live
// (the SDK's configuration, the profiles) and, serving its endpoint, allocates about 3 KB of
// garbage a request inside net/http. At Go's default (100: a 4 MB heap goal at this size) a busy
// endpoint collected every 20 ms or so, and each cycle's fixed cost, the roots of a binary that
// links the AWS SDK, held it under 0.9x a bare net/http handler's requests a second. A 16 MB
// goal collects a quarter as often; the heap of a run that serves nothing never reaches 4 MB.
const gcPercent = 400

func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
}
