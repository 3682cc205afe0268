//go:build unix

package wrapper

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunTakesPrepared: Run serves the endpoint from a set-up its caller started before it
// (Prepare) and removes it on the way out; in env mode, which serves no endpoint, it removes
// the set-up before the command starts.
func TestRunTakesPrepared(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	keys := "[default]\naws_access_key_id = AKIAPREPAREDTEST0001\naws_secret_access_key = preparedsecret\n"
	if err := os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte(keys), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{InjectEndpoint, InjectEnv} {
		t.Run(mode, func(t *testing.T) {
			p := Prepare(nil)
			if err := p.wait(); err != nil {
				t.Fatal(err)
			}
			dir := p.dir.path
			seen := filepath.Join(home, "seen-"+mode)
			// The command says which credentials file it was given and whether the prepared
			// directory is still there while it runs.
			script := `printf '%s %s' "${AWS_SHARED_CREDENTIALS_FILE:-none}" "$(test -e "$1" && echo there || echo gone)" > "$2"`
			exit, err := Run(context.Background(), Config{
				Profile: "default", Region: "eu-west-1", NoSession: true, Inject: mode, Prepared: p,
				Env:     []string{"HOME=" + home, "PATH=" + os.Getenv("PATH")},
				Command: []string{"sh", "-c", script, "sh", dir, seen},
			})
			if err != nil || exit.Code != 0 {
				t.Fatalf("Run = %+v, %v", exit, err)
			}
			b, err := os.ReadFile(seen)
			if err != nil {
				t.Fatal(err)
			}
			want := filepath.Join(dir, "credentials") + " there"
			if mode == InjectEnv {
				want = "none gone"
			}
			if got := strings.TrimSpace(string(b)); got != want {
				t.Errorf("the command saw %q, want %q", got, want)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("the prepared directory is there after Run: %v", err)
			}
			p.Discard() // Run took it: nothing to do, and no panic
		})
	}
}

// TestPreparedDiscard: a set-up that no run took is removed by Discard (again: nothing), and
// cannot be handed to Run after that.
func TestPreparedDiscard(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	p := Prepare(nil)
	if err := p.wait(); err != nil {
		t.Fatal(err)
	}
	dir := p.dir.path
	if _, err := os.Stat(filepath.Join(dir, "credentials")); err != nil {
		t.Fatal(err)
	}
	p.Discard()
	p.Discard()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the prepared directory is there after Discard: %v", err)
	}
	if p.take() != nil {
		t.Error("a discarded set-up was handed over")
	}
	var none *Prepared
	none.Discard()
	if none.take() != nil {
		t.Error("nil handed over a set-up")
	}
}
