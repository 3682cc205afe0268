package child

import (
	"errors"
	"io/fs"
	"os/exec"
	"strconv"
)

// ErrMissingCommand is returned by New when Options.Command is empty.
var ErrMissingCommand = errors.New("child: missing command")

var (
	errStarted    = errors.New("child: already started or stopped")
	errNotStarted = errors.New("child: not started")
)

// StartError reports that the command could not be started. Its exit code
// follows the shell: 127 when the command does not exist, 126 when it exists
// but cannot be run.
type StartError struct {
	// Command is the command as given in Options.Command.
	Command string

	// Err is the underlying error from the path lookup or the exec.
	Err error

	// NotFound is true when the command does not exist.
	NotFound bool
}

var _ error = (*StartError)(nil)

// lookupError classifies an error from looking command up. Only this stage
// can report NotFound: once the file is known to exist, an ENOENT from exec
// means a missing interpreter or loader, which a shell reports as 126.
func lookupError(command string, err error) *StartError {
	return &StartError{
		Command:  command,
		Err:      err,
		NotFound: errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist),
	}
}

// Error returns a one-line message such as `start "foo": command not found`.
func (e *StartError) Error() string {
	return "start " + strconv.Quote(e.Command) + ": " + e.reason()
}

// Unwrap returns the underlying error.
func (e *StartError) Unwrap() error { return e.Err }

// ExitCode returns 127 when the command was not found and 126 otherwise.
func (e *StartError) ExitCode() int {
	if e.NotFound {
		return 127
	}
	return 126
}

// reason is the part of the message after the command, kept as short as a
// shell's: the wrapping added by os/exec and os names the command again.
func (e *StartError) reason() string {
	err := e.Err
	switch {
	case err == nil:
		return "unknown error"
	case errors.Is(err, exec.ErrNotFound):
		// Only a bare name searched in PATH fails this way; a path that
		// does not exist says "no such file or directory" below.
		return "command not found"
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		err = ee.Err
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Op != "chdir" {
		err = pe.Err
	}
	return err.Error()
}
