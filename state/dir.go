package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
)

// Dir is the registry directory for this user: $XDG_RUNTIME_DIR/awsrun when XDG_RUNTIME_DIR
// names a directory (per-user, tmpfs, cleared at logout), else $TMPDIR/awsrun-UID, so two
// users sharing /tmp never share a registry. getenv is the environment to read.
func Dir(getenv func(string) string) string {
	if x := getenv("XDG_RUNTIME_DIR"); x != "" && filepath.IsAbs(x) {
		if fi, err := os.Stat(x); err == nil && fi.IsDir() {
			return filepath.Join(x, "awsrun")
		}
	}
	tmp := getenv("TMPDIR")
	if tmp == "" {
		tmp = os.TempDir()
	}
	return filepath.Join(tmp, "awsrun-"+strconv.Itoa(os.Geteuid()))
}

// Private returns this user's registry directory, created if needed and checked like the
// registry checks it, so other per-user files (awsrun's login lock) share its guarantees.
func Private(getenv func(string) string) (string, error) {
	dir := Dir(getenv)
	if err := ensureDir(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// ensureDir creates dir 0700, or accepts an existing one only if it is a real directory (not a
// symlink) owned by this user and closed to everybody else: anyone who could write here could
// plant a socket that export would trust, or read the credentials served on ours.
func ensureDir(dir string) error {
	err := os.Mkdir(dir, 0o700)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create state dir %s: %w", dir, err)
	}
	return checkDir(dir)
}

// checkDir verifies owner and mode of an existing registry directory.
func checkDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("check state dir %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("check state dir %s: not a directory (a symlink or file is in the way; remove it)", dir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("check state dir %s: mode %04o lets other users in; it must be 0700 (chmod 700 %s)", dir, fi.Mode().Perm(), dir)
	}
	if err := checkOwner(fi); err != nil {
		return fmt.Errorf("check state dir %s: %w", dir, err)
	}
	return nil
}
