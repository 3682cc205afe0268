//go:build !unix

package main

import (
	"errors"
	"os"
)

// openLogFile opens --log-file for appending, creating it 0600. Windows has no O_NOFOLLOW and
// guards files with ACLs rather than owner and mode bits, so the unix checks do not apply.
func openLogFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, err
	}
	return f, nil
}
