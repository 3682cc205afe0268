//go:build !linux && !darwin && !dragonfly && !freebsd && !netbsd && !openbsd

package testutil

import (
	"errors"
	"time"
)

// ExitWatch needs a pidfd (Linux) or kqueue (the BSDs, macOS); elsewhere WatchExit reports
// errors.ErrUnsupported and callers skip what needs it.
type ExitWatch struct{}

// WatchExit is not available on this system.
func WatchExit(pid int) (*ExitWatch, error) { return nil, errors.ErrUnsupported }

// Wait is never reached: WatchExit returns no ExitWatch here.
func (w *ExitWatch) Wait(limit time.Duration) error { return errors.ErrUnsupported }

// Close does nothing.
func (w *ExitWatch) Close() error { return nil }
