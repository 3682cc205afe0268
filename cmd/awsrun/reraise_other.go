//go:build !unix

package main

import (
	"os"
	"syscall"
)

func reraise(sig syscall.Signal) { os.Exit(exitSignalOffset + int(sig)) }

func noteIgnoredSignals() {}
