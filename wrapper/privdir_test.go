package wrapper

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// TestPrivateDirWritesNothingAfterRemoval: a write that comes after the removal (a profile edit
// reaching the child's config as awsrun exits) fails and leaves nothing behind.
func TestPrivateDirWritesNothingAfterRemoval(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	d, err := newPrivateDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.write("config", []byte("[default]\n")); err != nil {
		t.Fatal(err)
	}
	if err := d.remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.write("config", []byte("[default]\nregion = eu-west-1\n")); err == nil {
		t.Error("a write after the removal succeeded")
	}
	if _, err := os.Stat(d.path); !os.IsNotExist(err) {
		t.Errorf("the private directory is there after the removal: %v", err)
	}
}

// TestPrivateDirRemovesWhatItWroteAndStrays: the removal deletes the files awsrun wrote without
// listing the directory, and still takes the directory when something else is in it (a temp
// file a failed write left).
func TestPrivateDirRemovesWhatItWroteAndStrays(t *testing.T) {
	for _, stray := range []bool{false, true} {
		t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
		d, err := newPrivateDir()
		if err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(d.path); err != nil || fi.Mode().Perm() != 0o700 {
			t.Fatalf("private dir: %v, %v", fi, err)
		}
		for _, name := range []string{"config", "credentials"} {
			p, err := d.create(name, []byte("x"))
			if err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("%s: %v, %v", name, fi, err)
			}
		}
		if _, err := d.create("config", nil); err == nil {
			t.Error("create replaced an existing file")
		}
		if _, err := d.write("config", []byte("y")); err != nil {
			t.Fatal(err)
		}
		if stray {
			if err := os.WriteFile(filepath.Join(d.path, ".config.tmp-1"), nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.remove(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(d.path); !os.IsNotExist(err) {
			t.Errorf("stray=%v: the private directory is there after the removal: %v", stray, err)
		}
	}
}

// TestPrivateDirBase: XDG_RUNTIME_DIR first (an absolute path only, as the XDG spec says); on
// Linux without TMPDIR, /dev/shm before the temp dir; a base that fails is passed over.
func TestPrivateDirBase(t *testing.T) {
	xdg := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", xdg)
	t.Setenv("TMPDIR", t.TempDir())
	d, err := newPrivateDir()
	if err != nil {
		t.Fatal(err)
	}
	defer d.remove()
	if filepath.Dir(d.path) != xdg {
		t.Errorf("with XDG_RUNTIME_DIR: %s", d.path)
	}

	tmp := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", "relative")
	t.Setenv("TMPDIR", tmp)
	if got := privateDirBases(); !slices.Equal(got, []string{tmp}) {
		t.Errorf("relative XDG_RUNTIME_DIR, TMPDIR set: %q", got)
	}
	t.Setenv("XDG_RUNTIME_DIR", filepath.Join(xdg, "missing"))
	d2, err := newPrivateDir()
	if err != nil {
		t.Fatal(err)
	}
	defer d2.remove()
	if filepath.Dir(d2.path) != tmp {
		t.Errorf("missing XDG_RUNTIME_DIR: %s, want it in %s", d2.path, tmp)
	}

	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("TMPDIR", "")
	want := []string{os.TempDir()}
	if runtime.GOOS == "linux" {
		want = []string{"/dev/shm", os.TempDir()}
	}
	if got := privateDirBases(); !slices.Equal(got, want) {
		t.Errorf("no XDG_RUNTIME_DIR, no TMPDIR: %q, want %q", got, want)
	}
}
