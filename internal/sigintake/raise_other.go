//go:build !unix

package sigintake

import "os"

// Forwarded: on Windows the console delivers Ctrl+C to every attached process, the child
// included, so awsrun only needs to survive it and wait.
var Forwarded = []os.Signal{os.Interrupt}

// raiseDefault cannot re-raise a console event here; before the child runs it is dropped.
func raiseDefault(os.Signal, bool, func()) {}
