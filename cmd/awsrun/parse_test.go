package main

import (
	"reflect"
	"strings"
	"syscall"
	"testing"
)

func TestSplitCommand(t *testing.T) {
	cases := map[string][]string{
		"claude --continue":            {"claude", "--continue"},
		`  sh -c 'echo "a b"; exit 3'`: {"sh", "-c", `echo "a b"; exit 3`},
		`a "b \"c\" d" e\ f`:           {"a", `b "c" d`, "e f"},
		`x ''`:                         {"x", ""},
		"":                             nil,
	}
	for in, want := range cases {
		got, err := splitCommand("restart-command", in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("splitCommand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := splitCommand("restart-command", `a 'b`); err == nil {
		t.Error("unterminated quote accepted")
	}
}

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]syscall.Signal{"TERM": syscall.SIGTERM, "sigint": syscall.SIGINT, "SIGHUP": syscall.SIGHUP, "9": syscall.SIGKILL} {
		if got, err := parseSignal(in); err != nil || got != want {
			t.Errorf("parseSignal(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := parseSignal("SIGFOO"); err == nil {
		t.Error("SIGFOO accepted")
	}
}

// TestCrashGuard: a panic that reaches run ends with exit 70 and the report-a-bug hint.
func TestCrashGuard(t *testing.T) {
	var buf strings.Builder
	code, sig := func() (code int, sig syscall.Signal) {
		defer crashGuard(&buf, &code, &sig)
		panic("boom")
	}()
	if code != exitSoftware || sig != 0 {
		t.Fatalf("code %d sig %v, want %d", code, sig, exitSoftware)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "awsrun: error: internal error: boom\n") || !strings.Contains(out, "awsrun: try: this is a bug in awsrun") {
		t.Fatalf("stderr:\n%s", out)
	}
}
