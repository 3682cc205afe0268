//go:build !awsrun_testhooks

package wrapper

// testPanic is a no-op: the panic hooks exist only in binaries built with -tags awsrun_testhooks.
func testPanic(string) {}
