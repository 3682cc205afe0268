package wrapper

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// privateDir is awsrun's 0700 scratch directory; everything in it is 0600 and removed on exit.
// A write and the removal exclude each other, and nothing is written after the removal: a
// profile edit rewriting the child's config as awsrun exits (nothing waits for the watch on the
// way out) can neither leave a file behind nor keep the directory from going.
type privateDir struct {
	path    string
	mu      sync.Mutex
	removed bool
}

// privateDirBase is where private directories go: $XDG_RUNTIME_DIR (per user, cleared at
// logout) when it is a directory, else the system temp dir.
func privateDirBase() string {
	base := os.Getenv("XDG_RUNTIME_DIR")
	if fi, err := os.Stat(base); base == "" || err != nil || !fi.IsDir() {
		base = os.TempDir()
	}
	return base
}

func newPrivateDir() (*privateDir, error) {
	base := privateDirBase()
	p, err := os.MkdirTemp(base, "awsrun-")
	if err != nil {
		return nil, fmt.Errorf("create private dir: %w", err)
	}
	// MkdirTemp already uses 0700; Chmod guards against an unusual umask-free platform.
	if err := os.Chmod(p, 0o700); err != nil {
		os.RemoveAll(p)
		return nil, fmt.Errorf("create private dir: %w", err)
	}
	return &privateDir{path: p}, nil
}

// write replaces name atomically (temp file + rename) so a reader never sees half a file.
func (d *privateDir) write(name string, data []byte) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.removed {
		return "", fmt.Errorf("write %s: the private directory is already removed", name)
	}
	dst := filepath.Join(d.path, name)
	f, err := os.CreateTemp(d.path, "."+name+".tmp-")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp, 0o600)
	}
	if werr == nil {
		werr = os.Rename(tmp, dst)
	}
	if werr != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("write %s: %w", name, werr)
	}
	return dst, nil
}

func (d *privateDir) remove() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.removed = true
	return os.RemoveAll(d.path)
}
