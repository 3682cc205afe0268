package main

import (
	"reflect"
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
		got, err := splitCommand(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("splitCommand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := splitCommand(`a 'b`); err == nil {
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
