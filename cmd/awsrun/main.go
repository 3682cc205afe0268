// Command awsrun runs a command with AWS credentials that stay fresh for as long as it runs.
//
//	awsrun [flags] -- COMMAND [ARGS...]
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/awsrun/awsrun/cmd/awsrun/internal/early"
	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/internal/phases"
	"github.com/awsrun/awsrun/wrapper"
	"github.com/urfave/cli/v2"
)

func main() {
	phases.Mark("main")
	noteIgnoredSignals()
	tuneGC() // gc.go
	code, sig := run(os.Args, os.Environ(), os.Stdin, os.Stdout, os.Stderr)
	phases.Mark("exit")
	phases.Flush()
	if sig != 0 {
		reraise(sig)
	}
	os.Exit(code)
}

// usageError is a command-line mistake: main prints the usage and exits 2. cmd is the
// subcommand it concerns (nil: awsrun itself), whose usage line and --help are shown.
type usageError struct {
	err error
	cmd *cli.Command
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// run is main without os.Exit, so tests can call it. It returns the exit code, or the signal
// to die of when the child died of one.
func run(args, environ []string, stdin, stdout, stderr *os.File) (code int, sig syscall.Signal) {
	defer crashGuard(stderr, &code, &sig)
	sigs := early.Take()                     // registered during package init (internal/early)
	prep := prepare(args[1:], environ, sigs) // prepare.go
	defer prep.Discard()                     // nothing when Run took it
	var exit wrapper.Exit
	var ranChild bool
	app := newApp(environ, stdin, stdout, stderr, func(cfg wrapper.Config) error {
		phases.Mark("flags")
		cfg.CABundle = deferCABundle()
		cfg.Signals, cfg.Prepared = sigs, prep
		e, err := wrapper.Run(context.Background(), cfg)
		if err == nil {
			ranChild = true
			exit = e
		}
		return err
	})
	err := app.Run(args)
	switch {
	case err == nil && ranChild:
		return exit.Code, exit.Signal
	case err == nil:
		return 0, 0 // --help, --version
	}
	return report(stderr, err), 0
}

// crashGuard is run's last line of defence, deferred: wrapper recovers its own panics (it
// stops the child and cleans up); this catches the rest, so even a bug ends with awsrun's
// documented exit code for it and says what to do.
func crashGuard(stderr io.Writer, code *int, sig *syscall.Signal) {
	if v := recover(); v != nil {
		fmt.Fprintf(stderr, "awsrun: error: internal error: %s\n%sawsrun: try: %s\n", creds.Scrub(fmt.Sprint(v)), debug.Stack(), reportBugHint)
		*code, *sig = exitSoftware, 0
	}
}

// deferCABundle takes AWS_CA_BUNDLE out of awsrun's own environment (the child still gets it
// from environ) and hands it to the credential source, which reads it on its first request:
// the SDK would parse the whole bundle before the child starts, even for keys that need no
// request at all.
func deferCABundle() string {
	v := os.Getenv("AWS_CA_BUNDLE")
	if v != "" {
		_ = os.Unsetenv("AWS_CA_BUNDLE")
	}
	return v
}

// report prints the error the way users read it, "Error:" then "Try:", and picks the exit code.
// usageMessage rewords the flag package's "flag provided but not defined: -x".
func usageMessage(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return "unknown flag --" + strings.TrimLeft(name, "-")
	}
	// the flag package: invalid boolean value "maybe" for -json: parse error
	if rest, ok := strings.CutPrefix(msg, "invalid boolean value "); ok {
		if value, flag, ok := strings.Cut(rest, " for -"); ok {
			flag, _, _ = strings.Cut(flag, ":")
			return fmt.Sprintf("bad --%s=%s: use --%s or --%s=false", flag, value, flag, flag)
		}
	}
	// urfave/cli: invalid value "abc" for flag -refresh-before: parse error
	if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
		if value, flag, ok := strings.Cut(rest, " for flag -"); ok {
			flag, _, _ = strings.Cut(flag, ":")
			flag = strings.TrimLeft(flag, "-")
			if durationFlags[flag] {
				return fmt.Sprintf("bad --%s %s: use a duration like 20m or 1h30m", flag, value)
			}
			return fmt.Sprintf("bad --%s %s", flag, value)
		}
	}
	return msg
}

// durationFlags are the flags whose values are Go durations.
var durationFlags = map[string]bool{"refresh-before": true, "duration": true, "stop-timeout": true, "restart-splay": true}

func report(w io.Writer, err error) int {
	var ue *usageError
	if errors.As(err, &ue) || errors.Is(err, wrapper.ErrNoCommand) {
		usage, help := "awsrun [flags] -- COMMAND [ARGS...]", "awsrun --help"
		if ue != nil && ue.cmd != nil {
			usage, _ = splitUsage(ue.cmd.UsageText, "awsrun "+ue.cmd.Name+" [flags]")
			help = "awsrun " + ue.cmd.Name + " --help"
		}
		fmt.Fprintf(w, "awsrun: error: %s\nusage: %s\nawsrun: try: %s\n", creds.Scrub(usageMessage(err)), usage, help)
		return exitUsage
	}
	code, hint := classify(err)
	// The packages say what failed without quoting outside text; Scrub is the last line of
	// defence for any secret that reached a message all the same.
	fmt.Fprintf(w, "awsrun: error: %s\n", creds.Scrub(err.Error()))
	if hint != "" {
		fmt.Fprintf(w, "awsrun: try: %s\n", hint)
	}
	return code
}
