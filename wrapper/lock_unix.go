//go:build unix

package wrapper

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/awsrun/awsrun/state"
	"golang.org/x/sys/unix"
)

// userLock is an advisory per-user lock (flock), released by the kernel if awsrun dies.
type userLock struct{ f *os.File }

// lockUser takes the named lock, waiting up to limit; ok is false when another process held it
// the whole time.
func lockUser(ctx context.Context, name string, limit time.Duration) (l *userLock, ok bool, err error) {
	var f *os.File
	// The registry removes the directory when its last entry goes; retry if that happens
	// between our Mkdir and OpenFile.
	for attempt := 0; ; attempt++ {
		dir, err := state.Private(os.Getenv) // the registry's directory: one private place per user
		if err != nil {
			return nil, false, err
		}
		f, err = os.OpenFile(filepath.Join(dir, name+".lock"), os.O_RDWR|os.O_CREATE, 0o600)
		if err == nil {
			break
		}
		if !os.IsNotExist(err) || attempt == 3 {
			return nil, false, fmt.Errorf("open lock: %w", err)
		}
	}
	deadline := time.Now().Add(limit)
	for wait := 20 * time.Millisecond; ; wait = min(wait*2, time.Second) {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return &userLock{f: f}, true, nil
		}
		if err != unix.EWOULDBLOCK || time.Now().After(deadline) {
			f.Close()
			if err == unix.EWOULDBLOCK {
				return nil, false, nil
			}
			return nil, false, fmt.Errorf("lock: %w", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, false, ctx.Err()
		case <-t.C:
		}
	}
}

func (l *userLock) release() {
	unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	l.f.Close()
}
