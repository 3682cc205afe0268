package desktop

import (
	"context"
	"errors"
	"runtime"
	"testing"
)

func TestNotifyUsesPlatformNotifier(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("linux command line")
	}
	var got []string
	n := &Notifier{
		lookPath: func(name string) (string, error) { return "/usr/bin/" + name, nil },
		run: func(_ context.Context, name string, args ...string) error {
			got = append([]string{name}, args...)
			return nil
		},
	}
	if !n.Notify("awsrun", "SSO session ends in 5m") {
		t.Fatal("not sent")
	}
	if len(got) != 4 || got[0] != "/usr/bin/notify-send" || got[2] != "awsrun" || got[3] != "SSO session ends in 5m" {
		t.Errorf("command %q", got)
	}
}

func TestNotifyDisabledOrMissing(t *testing.T) {
	called := false
	run := func(context.Context, string, ...string) error { called = true; return nil }
	if (&Notifier{Disabled: true, run: run}).Notify("a", "b") || called {
		t.Error("disabled notifier ran")
	}
	missing := &Notifier{lookPath: func(string) (string, error) { return "", errors.New("none") }, run: run}
	if missing.Notify("a", "b") || called {
		t.Error("ran without a notifier on PATH")
	}
}

func TestAppleStringEscapes(t *testing.T) {
	if got := appleString(`a"b\c`); got != `"a\"b\\c"` {
		t.Errorf("got %s", got)
	}
}
