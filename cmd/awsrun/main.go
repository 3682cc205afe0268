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
	"strings"
	"syscall"

	"github.com/awsrun/awsrun/wrapper"
)

func main() {
	code, sig := run(os.Args, os.Environ(), os.Stdin, os.Stdout, os.Stderr)
	if sig != 0 {
		reraise(sig)
	}
	os.Exit(code)
}

// usageError is a command-line mistake: main prints the usage and exits 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// run is main without os.Exit, so tests can call it. It returns the exit code, or the signal
// to die of when the child died of one.
func run(args, environ []string, stdin, stdout, stderr *os.File) (int, syscall.Signal) {
	var exit wrapper.Exit
	var ranChild bool
	app := newApp(environ, stdin, stdout, stderr, func(cfg wrapper.Config) error {
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

// report prints the error the way users read it, "Error:" then "Try:", and picks the exit code.
// usageMessage rewords the flag package's "flag provided but not defined: -x".
func usageMessage(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return "unknown flag --" + strings.TrimLeft(name, "-")
	}
	return msg
}

func report(w io.Writer, err error) int {
	var ue *usageError
	if errors.As(err, &ue) || errors.Is(err, wrapper.ErrNoCommand) {
		fmt.Fprintf(w, "awsrun: error: %s\nusage: awsrun [flags] -- COMMAND [ARGS...]\nawsrun: try: awsrun --help\n", usageMessage(err))
		return exitUsage
	}
	code, hint := classify(err)
	fmt.Fprintf(w, "awsrun: error: %s\n", err)
	if hint != "" {
		fmt.Fprintf(w, "awsrun: try: %s\n", hint)
	}
	return code
}
