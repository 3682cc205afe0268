// Package desktop shows a desktop notification where the platform has a notifier, so awsrun
// can warn the user without writing into the terminal its child owns.
package desktop

import (
	"context"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Notifier sends notifications; the zero value uses the platform's notifier when present.
type Notifier struct {
	// Disabled turns notifications off (--notify=false).
	Disabled bool
	// lookPath and run are replaced in tests.
	lookPath func(string) (string, error)
	run      func(ctx context.Context, name string, args ...string) error
}

// Notify shows title and message and gives up after two seconds; it never blocks awsrun for
// long and reports whether a notifier ran.
func (n *Notifier) Notify(title, message string) bool {
	if n == nil || n.Disabled {
		return false
	}
	name, args := n.command(title, message)
	if name == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	run := n.run
	if run == nil {
		run = func(ctx context.Context, name string, args ...string) error {
			return exec.CommandContext(ctx, name, args...).Run()
		}
	}
	return run(ctx, name, args...) == nil
}

// command picks notify-send on Linux and the BSDs, osascript on macOS.
func (n *Notifier) command(title, message string) (string, []string) {
	look := n.lookPath
	if look == nil {
		look = exec.LookPath
	}
	switch runtime.GOOS {
	case "darwin":
		if p, err := look("osascript"); err == nil {
			script := "display notification " + appleString(message) + " with title " + appleString(title)
			return p, []string{"-e", script}
		}
	case "windows":
		return "", nil
	default:
		if p, err := look("notify-send"); err == nil {
			return p, []string{"--app-name=awsrun", title, message}
		}
	}
	return "", nil
}

// appleString quotes s for AppleScript, so a profile name cannot break out of the string.
func appleString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
