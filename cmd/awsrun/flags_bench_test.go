package main

import (
	"errors"
	"os"
	"testing"

	"github.com/awsrun/awsrun/wrapper"
)

// BenchmarkParseFlags is the "flags and Config" phase of a start: the app built and
// `--no-session -- /bin/true` parsed into a Config (urfave/cli looks each flag up by every
// other flag's names through a regular expression, so this grows with the square of the flags).
func BenchmarkParseFlags(b *testing.B) {
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer devnull.Close()
	parsed := errors.New("parsed")
	env := []string{"HOME=" + b.TempDir()}
	for b.Loop() {
		app := newApp(env, devnull, devnull, devnull, func(wrapper.Config) error { return parsed })
		if err := app.Run([]string{"awsrun", "--no-session", "--", "/bin/true"}); err != parsed {
			b.Fatal(err)
		}
	}
}
