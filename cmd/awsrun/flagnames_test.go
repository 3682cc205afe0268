package main

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/awsrun/awsrun/wrapper"
	"github.com/urfave/cli/v2"
)

// eachFlag calls fn with every flag of app and its commands, and urfave/cli's --help and
// --version.
func eachFlag(app *cli.App, fn func(where string, f cli.Flag)) {
	for _, f := range app.Flags {
		fn("awsrun", f)
	}
	for _, c := range app.Commands {
		for _, f := range c.Flags {
			fn("awsrun "+c.Name, f)
		}
	}
	fn("cli.HelpFlag", cli.HelpFlag)
	fn("cli.VersionFlag", cli.VersionFlag)
}

func TestFixedNamesAreUrfaveNames(t *testing.T) {
	app := newApp(nil, os.Stdin, os.Stdout, os.Stderr, nil)
	eachFlag(app, func(where string, f cli.Flag) {
		inner := unwrapFlag(f)
		if inner == f {
			t.Errorf("%s: %s (%T) has no fixed names", where, f.Names()[0], f)
			return
		}
		want := inner.Names()
		if got := f.Names(); !slices.Equal(got, want) {
			t.Errorf("%s: names %q, urfave/cli's %q", where, got, want)
		}
		_ = append(f.Names(), "x")
		if got := f.Names(); !slices.Equal(got, want) {
			t.Errorf("%s: names %q after an append to them, want %q", where, got, want)
		}
	})
	// The names keep urfave/cli's v1-form stripping where there is something to strip.
	for _, tc := range []struct {
		name    string
		aliases []string
	}{{"profile", []string{"p"}}, {"profile, p", nil}, {"a b", []string{"c,d"}}, {"x", []string{"y z"}}, {"", nil}} {
		if got, want := flagNames(tc.name, tc.aliases), cli.FlagNames(tc.name, tc.aliases); !slices.Equal(got, want) {
			t.Errorf("flagNames(%q, %q) = %q, cli.FlagNames %q", tc.name, tc.aliases, got, want)
		}
	}
}

// urfave/cli's own completion skips hidden flags only when they are *cli.BoolFlag; it never
// runs, because awsrun completes the app and every command itself.
func TestEveryCommandCompletesItself(t *testing.T) {
	app := newApp(nil, os.Stdin, os.Stdout, os.Stderr, nil)
	if app.BashComplete == nil {
		t.Error("the app has no BashComplete: urfave/cli's own would list hidden flags")
	}
	for _, c := range app.Commands {
		if c.BashComplete == nil {
			t.Errorf("awsrun %s has no BashComplete: urfave/cli's own would list hidden flags", c.Name)
		}
	}
}

func TestFixedNamesIsSet(t *testing.T) {
	flags := func() []cli.Flag {
		return fixedNames([]cli.Flag{
			&cli.StringFlag{Name: "profile", Aliases: []string{"p"}, EnvVars: []string{"T_PROFILE"}},
			&cli.DurationFlag{Name: "wait", Aliases: []string{"w"}, EnvVars: []string{"T_WAIT"}},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, EnvVars: []string{"T_QUIET"}},
			&cli.BoolFlag{Name: "secret", Hidden: true},
		})
	}
	names := []string{"profile", "p", "wait", "w", "quiet", "q", "secret"}
	for _, tc := range []struct {
		env  []string
		args []string
		want []string // the names IsSet reports
	}{
		{nil, nil, nil},
		{nil, []string{"-p", "dev", "-w", "1s", "-q"}, []string{"profile", "p", "wait", "w", "quiet", "q"}},
		{nil, []string{"--profile=dev", "--wait", "1s", "--quiet", "--secret"}, names},
		{[]string{"T_PROFILE=dev", "T_WAIT=1s", "T_QUIET=true"}, nil, []string{"profile", "p", "wait", "w", "quiet", "q"}},
		{[]string{"T_PROFILE=dev"}, []string{"-q"}, []string{"profile", "p", "quiet", "q"}},
	} {
		for _, kv := range tc.env {
			k, v, _ := strings.Cut(kv, "=")
			t.Setenv(k, v)
		}
		var got []string
		app := &cli.App{Name: "t", Flags: flags(), Action: func(c *cli.Context) error {
			for _, n := range names {
				if c.IsSet(n) {
					got = append(got, n)
				}
			}
			return nil
		}}
		if err := app.Run(append([]string{"t"}, tc.args...)); err != nil {
			t.Fatalf("env %q args %q: %v", tc.env, tc.args, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("env %q args %q: IsSet for %q, want %q", tc.env, tc.args, got, tc.want)
		}
		for _, kv := range tc.env {
			k, _, _ := strings.Cut(kv, "=")
			os.Unsetenv(k)
		}
	}
}

// TestFixedNamesChangeNoOutput renders help, the man page, the completion scripts and usage
// errors with the flags as newApp builds them and with the urfave/cli flags behind them.
func TestFixedNamesChangeNoOutput(t *testing.T) {
	h := t.TempDir()
	if err := os.Mkdir(filepath.Join(h, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h, ".aws", "config"), []byte("[profile dev]\n[profile prod]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"HOME=" + h, "USERPROFILE=" + h, "SOURCE_DATE_EPOCH=1700000000"}
	render := func(unwrapped bool, args ...string) string {
		t.Helper()
		if unwrapped {
			help, version := cli.HelpFlag, cli.VersionFlag
			cli.HelpFlag, cli.VersionFlag = unwrapFlag(help), unwrapFlag(version)
			defer func() { cli.HelpFlag, cli.VersionFlag = help, version }()
		}
		out, err := os.Create(filepath.Join(t.TempDir(), "out"))
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		app := newApp(env, os.Stdin, out, out, func(wrapper.Config) error { return errors.New("ran") })
		if unwrapped {
			unwrap := func(fs []cli.Flag) {
				for i, f := range fs {
					fs[i] = unwrapFlag(f)
				}
			}
			unwrap(app.Flags)
			for _, c := range app.Commands {
				unwrap(c.Flags)
			}
		}
		err = app.Run(append([]string{"awsrun"}, args...))
		b, rerr := os.ReadFile(out.Name())
		if rerr != nil {
			t.Fatal(rerr)
		}
		s := string(b)
		if err != nil {
			var ue *usageError
			s += "\nerror: " + err.Error()
			if errors.As(err, &ue) && ue.cmd != nil {
				s += " (awsrun " + ue.cmd.Name + ")"
			}
		}
		var cands []string
		if n := len(args); n > 0 && args[n-1] == completionFlag {
			var sub *cli.Command
			if n > 1 {
				sub = app.Command(args[0])
			}
			cands = completions(app, sub, args[:n-1], envLookup(env))
		}
		return s + "\ncandidates: " + strings.Join(cands, " ")
	}
	if help := render(false, "--help"); !strings.Contains(help, "--no-session") {
		t.Fatalf("--help lists no --no-session:\n%s", help)
	}
	if got := render(false, "-p", "", completionFlag); !strings.HasSuffix(got, "\ncandidates: dev prod") {
		t.Fatalf("-p completes no profiles:\n%s", got)
	}
	for _, args := range [][]string{
		{"--help"}, {"-h"}, {"--version"}, {"doctor", "--help"}, {"export", "-h"}, {"status", "--help"},
		{"completion", "--help"}, {"--generate-man"}, {"completion", "bash"}, {"completion", "zsh"},
		{"completion", "fish"}, {"--bogus"}, {"--duration", "x", "--", "true"}, {"--no-session=maybe", "--", "true"},
		{"--inject", "x", "--", "true"}, {"doctor", "--bogus"}, {"export", "--profile"},
		{"-", completionFlag}, {"--p", completionFlag}, {"-p", "", completionFlag}, {"--inject", "", completionFlag},
		{"doctor", "-", completionFlag}, {"export", "--format", "", completionFlag},
	} {
		if got, want := render(false, args...), render(true, args...); got != want {
			t.Errorf("awsrun %s with fixed names:\n%s\nwith urfave/cli's:\n%s", strings.Join(args, " "), got, want)
		}
	}
}
