//go:build unix

package state

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// deepDirs makes a short temp directory and one under it too deep for a unix socket, and makes
// socketBases return bases(short, deep) for the test.
func deepDirs(t *testing.T, bases func(short, deep string) []string) (short, deep string) {
	t.Helper()
	short = filepath.Dir(shortDir(t))
	if len(short) > 80 {
		t.Skip("the test temp dir is too deep for this test:", short)
	}
	deep = filepath.Join(short, strings.Repeat("d", 60), strings.Repeat("e", 60))
	if err := os.MkdirAll(deep, 0o700); err != nil {
		t.Fatal(err)
	}
	old := socketBases
	socketBases = func() []string { return bases(short, deep) }
	t.Cleanup(func() { socketBases = old })
	return short, deep
}

// TestListenTooDeep: a socket path too long for a unix socket (a deep TMPDIR) puts the socket in
// a 0700 directory of its own under the first base where it fits, removed by Close; a short one
// stays where it was asked for; when no base fits, the error says the path is too long and
// nothing tried is left behind.
func TestListenTooDeep(t *testing.T) {
	short, deep := deepDirs(t, func(short, deep string) []string { return []string{deep, short} })
	p := &profileFake{gate: make(chan struct{})}
	close(p.gate)
	region := func() string { return "" }

	l, err := Listen(filepath.Join(short, "sock"), p, region)
	if err != nil || l.Path() != filepath.Join(short, "sock") {
		t.Fatalf("short path: %v", err)
	}
	l.Close()

	l, err = Listen(filepath.Join(deep, "sock"), p, region)
	if err != nil {
		t.Fatal(err)
	}
	d := filepath.Dir(l.Path())
	if filepath.Dir(d) != short || filepath.Base(l.Path()) != "sock" {
		t.Errorf("socket at %q, want a directory of its own under %s", l.Path(), short)
	}
	if fi, err := os.Lstat(d); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Errorf("the socket's directory: %v %v", fi, err)
	}
	if c, err := FetchCredentials(context.Background(), l.Path()); err != nil || c.Credentials.AccessKeyID != "OWN" {
		t.Errorf("asking the socket: %+v %v", c, err)
	}
	l.Close()
	if _, err := os.Lstat(d); !os.IsNotExist(err) {
		t.Errorf("the socket's directory is left: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(deep, "awsrun-sock-*")); len(left) != 0 {
		t.Errorf("a directory tried and given up is left: %q", left)
	}

	socketBases = func() []string { return []string{deep} }
	if _, err := Listen(filepath.Join(deep, "sock"), p, region); !errors.Is(err, ErrNoSocket) {
		t.Errorf("no base fits: %v", err)
	}
}

// TestRegistrySocketTooDeep: a registry in a directory too deep for a socket still serves its
// entry (awsrun status and export find the running awsrun), through a socket the entry records,
// gone when the entry closes. It used to fail with ErrNoSocket, leaving the entry without one.
func TestRegistrySocketTooDeep(t *testing.T) {
	short, deep := deepDirs(t, func(short, deep string) []string { return []string{short} })
	reg := filepath.Join(deep, "awsrun-0")
	h, err := Open(reg).Register(Entry{Profile: "dev", Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	p := &fakeProvider{c: aws.Credentials{AccessKeyID: "ASIAFAKE0000000002", SecretAccessKey: "s", CanExpire: true, Expires: time.Now().Add(time.Hour)}}
	if err := h.Serve(p); err != nil {
		t.Fatal(err)
	}
	sock := h.Entry().Socket
	if filepath.Dir(filepath.Dir(sock)) != short {
		t.Fatalf("entry socket %q, want one under %s", sock, short)
	}
	if got, err := FetchCredentials(context.Background(), sock); err != nil || got.Credentials.AccessKeyID != "ASIAFAKE0000000002" {
		t.Errorf("asking the entry's socket: %+v %v", got, err)
	}
	h.Close()
	if _, err := os.Lstat(filepath.Dir(sock)); !os.IsNotExist(err) {
		t.Errorf("the socket's directory is left after Close: %v", err)
	}
}

// TestOpenSocketThenServe: a socket opened before its provider exists already accepts
// connections; a request made then is answered once Serve starts. A socket that is never
// served is closed and removed, and closing it twice is harmless.
func TestOpenSocketThenServe(t *testing.T) {
	dir := filepath.Dir(shortDir(t))
	sock, err := OpenSocket(filepath.Join(dir, "sock"))
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(sock.path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", fi, err)
	}
	got := make(chan error, 1)
	go func() {
		_, err := FetchCredentials(context.Background(), sock.path)
		got <- err
	}()
	p := &fakeProvider{c: aws.Credentials{AccessKeyID: "ASIAFAKE0000000002", SecretAccessKey: "s", CanExpire: true, Expires: time.Now().Add(time.Hour)}}
	l := sock.Serve(p, func() string { return "eu-west-1" })
	defer l.Close()
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("request made before Serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("request made before Serve never answered")
	}

	unused, err := OpenSocket(filepath.Join(dir, "unused"))
	if err != nil {
		t.Fatal(err)
	}
	unused.Close()
	unused.Close()
	if _, err := os.Stat(filepath.Join(dir, "unused")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a closed socket that was never served is still there: %v", err)
	}
}
