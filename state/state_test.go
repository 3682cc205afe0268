//go:build unix

package state

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestMain lets the test binary play a supervisor that registers and waits to be killed.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "__register__" {
		h, err := Open(os.Args[2]).Register(Entry{Profile: "killed", Mode: "endpoint"})
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		_ = h
		os.Stdout.WriteString("ready\n")
		select {}
	}
	os.Exit(m.Run())
}

// shortDir is a registry path short enough for a unix socket even with a long $TMPDIR.
func shortDir(t *testing.T) string {
	t.Helper()
	base, err := os.MkdirTemp("/tmp", "st")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	return filepath.Join(base, "awsrun")
}

func TestDirPrefersRuntimeDirThenTMPDIR(t *testing.T) {
	runtime := t.TempDir()
	env := map[string]string{"XDG_RUNTIME_DIR": runtime, "TMPDIR": "/somewhere"}
	if got := Dir(func(k string) string { return env[k] }); got != filepath.Join(runtime, "awsrun") {
		t.Errorf("with XDG_RUNTIME_DIR: %s", got)
	}
	env["XDG_RUNTIME_DIR"] = filepath.Join(runtime, "missing")
	want := filepath.Join("/somewhere", "awsrun-"+itoa(os.Geteuid()))
	if got := Dir(func(k string) string { return env[k] }); got != want {
		t.Errorf("missing XDG_RUNTIME_DIR: %s, want %s", got, want)
	}
	env["XDG_RUNTIME_DIR"] = "relative/dir"
	if got := Dir(func(k string) string { return env[k] }); got != want {
		t.Errorf("relative XDG_RUNTIME_DIR: %s, want %s", got, want)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	s := ""
	for n > 0 {
		s = string(rune('0'+n%10)) + s
		n /= 10
	}
	return s
}

func TestRegisterRefusesUnsafeDirectories(t *testing.T) {
	base := t.TempDir()

	loose := filepath.Join(base, "loose")
	os.Mkdir(loose, 0o755)
	os.Chmod(loose, 0o755)
	if _, err := Open(loose).Register(Entry{}); err == nil || !strings.Contains(err.Error(), "chmod 700") {
		t.Errorf("0755 dir accepted or unclear: %v", err)
	}

	real := filepath.Join(base, "real")
	os.Mkdir(real, 0o700)
	link := filepath.Join(base, "link")
	os.Symlink(real, link)
	if _, err := Open(link).Register(Entry{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("symlinked dir accepted: %v", err)
	}

	if os.Geteuid() == 0 {
		foreign := filepath.Join(base, "foreign")
		os.Mkdir(foreign, 0o700)
		if err := os.Chown(foreign, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(foreign).Register(Entry{}); err == nil || !strings.Contains(err.Error(), "owned by uid 65534") {
			t.Errorf("dir of another user accepted: %v", err)
		}
	}
}

func TestRegisterListClose(t *testing.T) {
	dir := shortDir(t)
	r := Open(dir)
	if es, err := r.List(); err != nil || len(es) != 0 {
		t.Fatalf("missing registry: %v %v", es, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("List created the directory: %v", err)
	}
	a, err := r.Register(Entry{Profile: "a", Mode: "endpoint", Command: []string{"claude"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Register(Entry{Profile: "b", Mode: "env"})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode: %v %v", fi.Mode(), err)
	}
	fi, err = os.Stat(filepath.Join(dir, a.Entry().ID+".json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("entry mode: %v %v", fi, err)
	}
	es, err := r.List()
	if err != nil || len(es) != 2 || es[0].Profile != "a" || es[1].Profile != "b" || es[0].PID != os.Getpid() {
		t.Fatalf("list: %+v %v", es, err)
	}
	if err := a.Update(func(e *Entry) { e.Restarts = 3; e.PID = 1 }); err != nil {
		t.Fatal(err)
	}
	es, _ = r.List()
	if es[0].Restarts != 3 || es[0].PID != os.Getpid() {
		t.Errorf("update: %+v", es[0])
	}
	a.Close()
	a.Close()
	if es, _ := r.List(); len(es) != 1 || es[0].Profile != "b" {
		t.Errorf("after close: %+v", es)
	}
	b.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		left, _ := os.ReadDir(dir)
		t.Errorf("registry dir left behind after the last supervisor: %v", left)
	}
}

func TestListRemovesEntriesOfKilledSupervisors(t *testing.T) {
	dir := shortDir(t)
	cmd := exec.Command(os.Args[0], "__register__", dir)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper: %q", line)
	}
	r := Open(dir)
	if es, _ := r.List(); len(es) != 1 || es[0].PID != cmd.Process.Pid {
		t.Fatalf("live helper not listed: %+v", es)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if es, err := r.List(); err != nil || len(es) != 0 {
		t.Fatalf("killed helper still listed: %+v %v", es, err)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 0 {
		t.Errorf("stale files not removed: %v", left)
	}

	// Leftovers without any lock (a crash between files) go too; other files in the shared
	// directory (the login lock) are never touched.
	os.WriteFile(filepath.Join(dir, "999999-deadbeef.json"), []byte(`{"id":"999999-deadbeef"}`), 0o600)
	os.WriteFile(filepath.Join(dir, "999999-deadbeef.sock"), nil, 0o600)
	os.WriteFile(filepath.Join(dir, "login-corp.lock"), nil, 0o600)
	if es, _ := r.List(); len(es) != 0 {
		t.Errorf("lockless entry listed: %+v", es)
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 || left[0].Name() != "login-corp.lock" {
		t.Errorf("want only the foreign lock left: %v", left)
	}
}

type fakeProvider struct {
	mu    sync.Mutex
	calls int
	c     aws.Credentials
	err   error
}

func (p *fakeProvider) Credentials(ctx context.Context) (aws.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	return p.c, p.err
}

func (p *fakeProvider) Status() Entry { return Entry{Profile: "live", LastError: "boom"} }

func TestSocketServesCredentialsAndStatus(t *testing.T) {
	dir := shortDir(t)
	h, err := Open(dir).Register(Entry{Profile: "dev", Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	p := &fakeProvider{c: aws.Credentials{AccessKeyID: "ASIAFAKE0000000001", SecretAccessKey: "s3cr3t-value",
		SessionToken: "t0ken-value", CanExpire: true, Expires: exp, Source: "test"}}
	if err := h.Serve(p); err != nil {
		t.Fatal(err)
	}
	sock := h.Entry().Socket
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", fi, err)
	}
	ctx := context.Background()
	got, err := FetchCredentials(ctx, sock)
	if err != nil {
		t.Fatal(err)
	}
	if got.Credentials.SecretAccessKey != "s3cr3t-value" || !got.Credentials.Expires.Equal(exp) || got.Region != "eu-west-1" {
		t.Errorf("served %+v", got)
	}
	st, err := FetchStatus(ctx, sock)
	if err != nil || !st.Live || st.LastError != "boom" {
		t.Errorf("status %+v %v", st, err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, h.Entry().ID+".json"))
	if strings.Contains(string(data), "s3cr3t") || strings.Contains(string(data), "t0ken") {
		t.Errorf("entry file holds secrets: %s", data)
	}

	p.mu.Lock()
	p.err = errors.New("the AWS SSO session has ended")
	p.mu.Unlock()
	if _, err := FetchCredentials(ctx, sock); err == nil || !strings.Contains(err.Error(), "SSO session has ended") {
		t.Errorf("provider error not passed on: %v", err)
	}

	h.Close()
	if _, err := FetchCredentials(ctx, sock); err == nil {
		t.Error("closed supervisor still answers")
	}
}

// TestServeRefusesOverlongSocketPath: when neither the registry nor any short base can hold a
// socket path (see TestRegistrySocketTooDeep for a base that can), Serve says so and the entry
// names no socket.
func TestServeRefusesOverlongSocketPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 90))
	old := socketBases
	socketBases = func() []string { return []string{dir} }
	t.Cleanup(func() { socketBases = old })
	h, err := Open(dir).Register(Entry{})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := h.Serve(&fakeProvider{}); !errors.Is(err, ErrNoSocket) {
		t.Errorf("got %v, want ErrNoSocket", err)
	}
	if h.Entry().Socket != "" {
		t.Error("entry names a socket that does not exist")
	}
}

func TestRegisterSurvivesConcurrentLastExit(t *testing.T) {
	dir := shortDir(t)
	r := Open(dir)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				h, err := r.Register(Entry{})
				if err != nil {
					errs <- err
					return
				}
				h.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
