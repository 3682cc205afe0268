package wrapper

import (
	"os"
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
