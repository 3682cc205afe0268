//go:build awsrun_testhooks

package wrapper

import "os"

// testPanic panics at point when AWSRUN_TEST_PANIC names it, so tests can prove that awsrun
// ends properly on an internal error. With AWSRUN_TEST_PANIC_ARM set it waits until the named
// file exists, so a test chooses the moment (after the child is up). Built only with
// -tags awsrun_testhooks; a normal build has no way to reach it.
//
// Points: "refresh" (an upstream credential refresh: the scheduled renewal, or one a
// request or a file event asked for).
func testPanic(point string) {
	if os.Getenv("AWSRUN_TEST_PANIC") != point {
		return
	}
	if arm := os.Getenv("AWSRUN_TEST_PANIC_ARM"); arm != "" {
		if _, err := os.Stat(arm); err != nil {
			return
		}
	}
	panic("test panic at " + point + " (AWSRUN_TEST_PANIC)")
}
