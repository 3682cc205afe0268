package state

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
)

// socketBases are where a socket goes when its own directory is too deep for one (a deep
// TMPDIR: about 104 bytes is the limit for a socket path): the system temp dir, then /tmp (the
// temp dir is usually the deep one). Tests replace it.
var socketBases = func() []string {
	bases := []string{os.TempDir()}
	if runtime.GOOS != "windows" && os.TempDir() != "/tmp" {
		bases = append(bases, "/tmp")
	}
	return bases
}

// listenUnix listens on a new socket at path, 0600, or, when path is too long for a unix
// socket, at a socket of the same name in a directory of its own (0700, random name) under the
// first of socketBases where it fits. It returns where it listens and what removes that
// directory once the listener is closed. No chdir: a relative path would race with every other
// thread.
func listenUnix(path string) (ln net.Listener, at string, remove func(), err error) {
	if len(path) <= maxSocketPath {
		ln, err := listenAt(path)
		return ln, path, func() {}, err
	}
	err = fmt.Errorf("serve %s: %w", path, ErrNoSocket)
	for _, base := range socketBases() {
		d, derr := os.MkdirTemp(base, "awsrun-sock-")
		if derr != nil {
			continue
		}
		at = filepath.Join(d, filepath.Base(path))
		if len(at) > maxSocketPath {
			os.Remove(d)
			continue
		}
		if derr := os.Chmod(d, 0o700); derr != nil {
			os.Remove(d)
			continue
		}
		if ln, err = listenAt(at); err == nil {
			return ln, at, func() { os.RemoveAll(d) }, nil
		}
		os.RemoveAll(d)
		if !errors.Is(err, ErrNoSocket) {
			break
		}
	}
	return nil, "", nil, err
}

func listenAt(path string) (net.Listener, error) {
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("serve socket: %w", err)
	}
	// The 0700 directory is the real guard; this keeps the socket closed even if it is not.
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("serve socket: %w", err)
	}
	return ln, nil
}
