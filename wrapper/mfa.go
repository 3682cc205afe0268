package wrapper

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"github.com/awsrun/awsrun/creds"
)

// mfaPrompter asks for an MFA code on the terminal; it fails with a creds.MFARequiredError, which
// the credential source completes with the profile. It runs only before the child starts, when
// the terminal is still awsrun's; with no terminal it fails instead of hanging.
// After the child starts the terminal is the child's, so later refreshes that need a code fail
// (the endpoint keeps serving the current credentials) instead of writing into the child's screen.
func mfaPrompter(childStarted *atomic.Bool) func() (string, error) {
	return func() (string, error) {
		if childStarted.Load() {
			return "", &creds.MFARequiredError{Busy: true}
		}
		tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err != nil {
			return "", &creds.MFARequiredError{}
		}
		defer tty.Close()
		fmt.Fprint(tty, "awsrun: MFA code: ")
		line, err := bufio.NewReader(tty).ReadString('\n')
		if err != nil {
			return "", fmt.Errorf("read MFA code: %w", err)
		}
		return strings.TrimSpace(line), nil
	}
}
