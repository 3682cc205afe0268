//go:build !unix

package wrapper

import "os"

func isTerminalSignal(s os.Signal) bool { return s == os.Interrupt }

func isForegroundTTY(*os.File) bool { return true }

const pdeathsig = 0
