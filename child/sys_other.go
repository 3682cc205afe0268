//go:build unix && !linux

package child

import "syscall"

// setPdeathsig does nothing: only Linux has a parent-death signal that this
// package supports; Options.Pdeathsig is documented as ignored elsewhere.
func setPdeathsig(*syscall.SysProcAttr, syscall.Signal) {}
