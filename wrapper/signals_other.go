//go:build !unix

package wrapper

import "os"

// On Windows the console delivers Ctrl+C to every attached process, the child included, so
// awsrun only needs to survive it and wait.
var forwardedSignals = []os.Signal{os.Interrupt}

func isTerminalSignal(s os.Signal) bool { return s == os.Interrupt }

func isForegroundTTY(*os.File) bool { return true }

const pdeathsig = 0

// raiseDefault cannot re-raise a console event here; before the child runs it is dropped.
func raiseDefault(os.Signal, bool, func()) {}
