//go:build !unix

package wrapper

import (
	"context"
	"time"
)

type userLock struct{}

// On Windows there is no flock; automatic login runs without the cross-process guard.
func lockUser(context.Context, string, time.Duration) (*userLock, bool, error) {
	return &userLock{}, true, nil
}

func (l *userLock) release() {}
