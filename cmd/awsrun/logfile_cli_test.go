//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogFileRefusesLinksAndFilesOthersControl: --log-file does not follow a symbolic link and
// refuses a file that group or others may write or that belongs to another user, with a usage
// error (exit 2) that names --log-file and says why, leaving the file untouched; for a command
// and for a subcommand alike. A new file is created 0600 and an own 0600 file appended to.
func TestLogFileRefusesLinksAndFilesOthersControl(t *testing.T) {
	const before = "someone else's file\n"
	cases := []struct {
		name  string
		root  bool // needs root (chown to another user)
		setup func(t *testing.T, path string)
		why   string // in the error
	}{
		{"symlink", false, func(t *testing.T, path string) {
			target := path + ".target"
			writeMode(t, target, 0o600)
			if err := os.Symlink(target, path); err != nil {
				t.Fatal(err)
			}
		}, "it is a symbolic link"},
		{"dangling-symlink", false, func(t *testing.T, path string) {
			if err := os.Symlink(path+".target", path); err != nil {
				t.Fatal(err)
			}
		}, "it is a symbolic link"},
		{"group-writable", false, func(t *testing.T, path string) { writeMode(t, path, 0o620) }, "group or others may write it (mode 0620)"},
		{"world-writable", false, func(t *testing.T, path string) { writeMode(t, path, 0o606) }, "group or others may write it (mode 0606)"},
		{"other-owner", true, func(t *testing.T, path string) {
			writeMode(t, path, 0o600)
			if err := os.Chown(path, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}, "it belongs to uid 65534, not to you"},
	}
	for _, c := range cases {
		for _, sub := range []string{"run", "export"} {
			t.Run(c.name+"/"+sub, func(t *testing.T) {
				t.Parallel()
				if c.root && os.Geteuid() != 0 {
					t.Skip("chown to another user needs root")
				}
				h := home(t, procConfig)
				path := filepath.Join(h, "awsrun.log")
				c.setup(t, path)
				args := []string{"-p", "proc", "--log-level", "debug", "--log-file", path, "--", "true"}
				if sub == "export" {
					args = []string{"export", "-p", "proc", "--log-level", "debug", "--log-file", path}
				}
				r := runAwsrun(t, h, nil, args...)
				if r.code != exitUsage {
					t.Errorf("exit %d, want %d; stderr:\n%s", r.code, exitUsage, r.stderr)
				}
				if want := "awsrun: error: open --log-file $HOME/awsrun.log: " + c.why; !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
				for _, p := range []string{path, path + ".target"} {
					if b, err := os.ReadFile(p); err == nil && string(b) != before {
						t.Errorf("%s was written: %q", p, b)
					}
				}
				if _, err := os.Stat(path + ".target"); c.name == "dangling-symlink" && err == nil {
					t.Errorf("the link's target was created")
				}
			})
		}
	}

	t.Run("new-file", func(t *testing.T) {
		t.Parallel()
		h := home(t, procConfig)
		path := filepath.Join(h, "awsrun.log")
		if r := runAwsrun(t, h, nil, "-p", "proc", "--log-level", "debug", "--log-file", path, "--", "true"); r.code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("log created with mode %04o, want 0600", fi.Mode().Perm())
		}
		if b, _ := os.ReadFile(path); !strings.Contains(string(b), "level=DEBUG") {
			t.Errorf("nothing logged:\n%s", b)
		}
	})
	t.Run("own-file-appended", func(t *testing.T) {
		t.Parallel()
		h := home(t, procConfig)
		path := filepath.Join(h, "awsrun.log")
		writeMode(t, path, 0o600)
		if r := runAwsrun(t, h, nil, "-p", "proc", "--log-level", "debug", "--log-file", path, "--", "true"); r.code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", r.code, r.stderr)
		}
		if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), before) || !strings.Contains(string(b), "level=DEBUG") {
			t.Errorf("log not appended to the existing file:\n%s", b)
		}
	})
}

// writeMode writes a file with exactly mode perm, whatever the umask.
func writeMode(t *testing.T, path string, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte("someone else's file\n"), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil {
		t.Fatal(err)
	}
}
