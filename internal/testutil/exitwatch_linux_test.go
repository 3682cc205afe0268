package testutil

import (
	"os/exec"
	"testing"
	"time"
)

// The watch reports the exit of a process it does not wait for: the exec.Cmd still holds it
// as a zombie until cmd.Wait.
func TestExitWatch(t *testing.T) {
	cmd := exec.Command("sh", "-c", "read line; exit 0")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w, err := WatchExit(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Wait(0); err == nil {
		t.Fatal("a running process reported exited")
	}
	stdin.Close() // read gets EOF and the shell exits
	if err := w.Wait(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sh: %v", err)
	}
}
