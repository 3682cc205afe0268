package wrapper

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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
	names   []string // what was written, so the removal needs no directory listing
}

// privateDirBases are where private directories go, in order of preference: $XDG_RUNTIME_DIR
// (per user, in memory, cleared at logout); on Linux without a TMPDIR of the user's choosing,
// /dev/shm (in memory too: creating and removing a directory on a disk file system costs a
// journal write each, a quarter of a millisecond on ext4, on every start); then the temp dir.
func privateDirBases() []string {
	var bases []string
	if x := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(x) {
		bases = append(bases, x)
	}
	if runtime.GOOS == "linux" && os.Getenv("TMPDIR") == "" {
		bases = append(bases, "/dev/shm")
	}
	return append(bases, os.TempDir())
}

// privateDirBase is the base named when no private directory could be made: the last tried.
func privateDirBase() string {
	b := privateDirBases()
	return b[len(b)-1]
}

func newPrivateDir() (*privateDir, error) {
	var err error
	for _, base := range privateDirBases() {
		var p string
		if p, err = os.MkdirTemp(base, "awsrun-"); err != nil {
			continue
		}
		// MkdirTemp asks for 0700, which a umask can only narrow; Chmod undoes a umask that
		// took the owner's own bits.
		if err = os.Chmod(p, 0o700); err != nil {
			os.Remove(p)
			continue
		}
		return &privateDir{path: p}, nil
	}
	return nil, fmt.Errorf("create private dir: %w", err)
}

// create writes a file that does not exist yet. The directory is new and only ours, so no
// reader can see the file half-written before the child starts: no temp file and rename.
func (d *privateDir) create(name string, data []byte) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.removed {
		return "", fmt.Errorf("write %s: the private directory is already removed", name)
	}
	dst := filepath.Join(d.path, name)
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	d.note(name)
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return "", fmt.Errorf("write %s: %w", name, werr)
	}
	return dst, nil
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
	d.note(name)
	return dst, nil
}

func (d *privateDir) note(name string) {
	if !slices.Contains(d.names, name) {
		d.names = append(d.names, name)
	}
}

// remove deletes what was written, then the directory; anything else found there (a temp file
// of a write that failed half-way) makes it fall back to removing the whole tree.
func (d *privateDir) remove() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.removed = true
	for _, name := range d.names {
		if err := os.Remove(filepath.Join(d.path, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			break
		}
	}
	if err := os.Remove(d.path); err == nil || errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return os.RemoveAll(d.path)
}
