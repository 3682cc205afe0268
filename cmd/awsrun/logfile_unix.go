//go:build unix

package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// openLogFile opens --log-file for appending, creating it 0600. It does not follow a symbolic
// link (O_NOFOLLOW), and refuses a file of another user or one that group or others may write:
// in a shared directory such as /tmp, someone else could have put either there, to have awsrun
// append to a file of their choosing or to read and alter awsrun's log. The checks are made on
// the opened file, so nothing can be swapped in between.
func openLogFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, errors.New("it is a symbolic link, and awsrun does not follow one for its log; name the file itself")
		}
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		f.Close()
		return nil, fmt.Errorf("it belongs to uid %d, not to you (uid %d); awsrun appends its log only to a file of your own", st.Uid, os.Geteuid())
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		f.Close()
		return nil, fmt.Errorf("group or others may write it (mode %04o); chmod go-w %s, or name another file", perm, path)
	}
	return f, nil
}
