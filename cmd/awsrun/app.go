package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/wrapper"
	"github.com/urfave/cli/v2"
)

const usageText = `awsrun [flags] -- COMMAND [ARGS...]
   awsrun -p dev -- claude
   alias claude='awsrun -p dev -- claude'`

const description = `awsrun runs COMMAND with AWS credentials for a profile and keeps them fresh for as
long as COMMAND runs: SSO, aws login, assume-role, credential_process and static keys,
refreshed before they expire, served to COMMAND's own AWS SDK through a private loopback
endpoint.

Exit status: COMMAND's own; 128+N if a signal N killed it; 126 not executable; 127 not found;
2 usage; 65 malformed config file; 69 credentials unavailable; 70 internal error;
77 AWS refused (e.g. SSO or aws login session ended); 78 profile missing or incomplete, refused by
--profiles, or a credential_process that loops through awsrun.`

// newApp builds the CLI. The action receives one validated wrapper.Config.
func newApp(environ []string, stdin, stdout, stderr *os.File, action func(wrapper.Config) error) *cli.App {
	getenv := envLookup(environ)
	cli.VersionPrinter = func(c *cli.Context) { fmt.Fprintln(c.App.Writer, versionString()) }
	app := &cli.App{
		Name:            "awsrun",
		Usage:           "run a command with AWS credentials that stay fresh",
		UsageText:       usageText,
		Description:     description,
		Version:         version,
		HideHelpCommand: true,
		Reader:          stdin,
		Writer:          stdout,
		ErrWriter:       stderr,
		// The library must never exit on its own: main decides the code.
		ExitErrHandler: func(*cli.Context, error) {},
		Commands:       subcommands(environ, stdin, stdout, stderr),
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return &usageError{err: err}
		},
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "profile", Aliases: []string{"p"}, EnvVars: []string{"AWSRUN_PROFILE"},
				Usage: "profile to use (default: $AWS_PROFILE, $AWS_DEFAULT_PROFILE, then \"default\")"},
			&cli.StringFlag{Name: "region", EnvVars: []string{"AWSRUN_REGION"},
				Usage: "region for the command (default: $AWS_REGION, $AWS_DEFAULT_REGION, then the profile's)"},
			&cli.StringFlag{Name: "profiles", Value: "all", EnvVars: []string{"AWSRUN_PROFILES"},
				Usage: "which of your other profiles the command may use: all, none or NAME,NAME... (the chosen one always)"},
			&cli.StringFlag{Name: "inject", Value: wrapper.InjectEndpoint, EnvVars: []string{"AWSRUN_INJECT"},
				Usage: "how the command gets credentials: endpoint (credential endpoint, no restarts) or env (variables, restarts)"},
			&cli.DurationFlag{Name: "refresh-before", Value: wrapper.DefaultRefreshBefore, EnvVars: []string{"AWSRUN_REFRESH_BEFORE"},
				Usage: "renew credentials this long before they expire (at most a third of their lifetime)"},
			&cli.DurationFlag{Name: "duration", Value: time.Hour, EnvVars: []string{"AWSRUN_DURATION"},
				Usage: "session length to ask for (roles without duration_seconds, session tokens)"},
			&cli.BoolFlag{Name: "no-session", EnvVars: []string{"AWSRUN_NO_SESSION"},
				Usage: "serve long-term access keys as they are instead of trading them for session credentials"},
			&cli.StringFlag{Name: "stop-signal", Value: "TERM", EnvVars: []string{"AWSRUN_STOP_SIGNAL"},
				Usage: "env mode: signal that asks the command to stop before a restart"},
			&cli.DurationFlag{Name: "stop-timeout", Value: wrapper.DefaultKillTimeout, EnvVars: []string{"AWSRUN_STOP_TIMEOUT"},
				Usage: "how long the command gets to stop after the stop signal before SIGKILL"},
			&cli.StringFlag{Name: "restart-command", EnvVars: []string{"AWSRUN_RESTART_COMMAND"},
				Usage: "env mode: command line for restarts, e.g. \"claude --continue\" (default: the original command)"},
			&cli.DurationFlag{Name: "restart-splay", EnvVars: []string{"AWSRUN_RESTART_SPLAY"},
				Usage: "env mode: wait a random time up to this long before each restart"},
			&cli.StringFlag{Name: "login", Value: "prompt", EnvVars: []string{"AWSRUN_LOGIN"},
				Usage: "when the SSO or aws login session ends: never, prompt (show the login command) or auto (run it, one login at a time)"},
			&cli.StringFlag{Name: "login-command", EnvVars: []string{"AWSRUN_LOGIN_COMMAND"},
				Usage: "the login --login auto runs (default: aws sso login --profile PROFILE for SSO, aws login --profile PROFILE for aws login profiles)"},
			&cli.StringFlag{Name: "warn-before", Value: "30m,5m", EnvVars: []string{"AWSRUN_WARN_BEFORE"},
				Usage: "warn this long before the SSO session ends (comma-separated; empty for none; an aws login session's end is not known ahead)"},
			&cli.BoolFlag{Name: "notify", Value: true, EnvVars: []string{"AWSRUN_NOTIFY"},
				Usage: "also show warnings as desktop notifications (notify-send, osascript)"},
			&cli.StringFlag{Name: "log-level", Value: "warn", EnvVars: []string{"AWSRUN_LOG_LEVEL"},
				Usage: "debug, info, warn or error"},
			&cli.StringFlag{Name: "log-file", EnvVars: []string{"AWSRUN_LOG_FILE"},
				Usage: "append awsrun's log to this file (default: stderr, held back while the command owns the terminal)"},
		},
		Action: func(c *cli.Context) error {
			level, err := parseLevel(c.String("log-level"))
			if err != nil {
				return &usageError{err: err}
			}
			inject := c.String("inject")
			if inject != wrapper.InjectEndpoint && inject != wrapper.InjectEnv {
				return &usageError{err: fmt.Errorf("unknown --inject %q: use endpoint or env", inject)}
			}
			stopSignal, err := parseSignal(c.String("stop-signal"))
			if err != nil {
				return &usageError{err: err}
			}
			restartCmd, err := splitCommand("restart-command", c.String("restart-command"))
			if err != nil {
				return &usageError{err: err}
			}
			if d := c.Duration("stop-timeout"); d <= 0 {
				return &usageError{err: fmt.Errorf("bad --stop-timeout %s: use a positive duration like 10s", d)}
			}
			if d := c.Duration("restart-splay"); d < 0 {
				return &usageError{err: fmt.Errorf("bad --restart-splay %s: use 0 or a positive duration like 30s", d)}
			}
			if d := c.Duration("refresh-before"); d <= 0 {
				return &usageError{err: fmt.Errorf("bad --refresh-before %s: use a positive duration like 20m", d)}
			}
			login := c.String("login")
			if login != wrapper.LoginNever && login != wrapper.LoginPrompt && login != wrapper.LoginAuto {
				return &usageError{err: fmt.Errorf("unknown --login %q: use never, prompt or auto", login)}
			}
			loginCmd, err := splitCommand("login-command", c.String("login-command"))
			if err != nil {
				return &usageError{err: err}
			}
			warnBefore, err := parseDurations(c.String("warn-before"))
			if err != nil {
				return &usageError{err: err}
			}
			profiles, err := creds.ParseProfileFilter(c.String("profiles"))
			if err != nil {
				return &usageError{err: err}
			}
			logger, g, closer, err := newLogger(level, c.String("log-file"), stderr)
			if err != nil {
				return &usageError{err: err}
			}
			defer closer.Close()
			profile, explicit, _ := chooseProfile(c.String("profile"), c.IsSet("profile"), true, getenv)
			region, err := pickRegion(c.String("region"), true, getenv)
			if err != nil {
				return &usageError{err: err}
			}
			// Resolving the profile may run its credential_process, which may be awsrun again.
			if err := checkResolving(environ, profile); err != nil {
				return err
			}
			cfg := wrapper.Config{
				Profile:         profile,
				ProfileExplicit: explicit,
				Region:          region,
				Profiles:        profiles,
				Executable:      executable(),
				Inject:          inject,
				RefreshBefore:   c.Duration("refresh-before"),
				Duration:        c.Duration("duration"),
				NoSession:       c.Bool("no-session"),
				KillTimeout:     c.Duration("stop-timeout"),
				StopSignal:      stopSignal,
				RestartCommand:  restartCmd,
				RestartSplay:    c.Duration("restart-splay"),
				Login:           login,
				LoginCommand:    loginCmd,
				WarnBefore:      warnBefore,
				Notify:          c.Bool("notify"),
				Command:         c.Args().Slice(),
				Env:             environ,
				Stdin:           stdin,
				Stdout:          stdout,
				Stderr:          stderr,
				Logger:          logger,
				ChildRunning:    func(running bool) { g.closed.Store(running) },
			}
			err = action(cfg)
			if n := g.held.Load(); n > 0 {
				what := fmt.Sprintf("%d warnings were", n)
				if n == 1 {
					what = "1 warning was"
				}
				fmt.Fprintf(stderr, "awsrun: %s held back while the command ran; use --log-file to keep them\n", what)
			}
			return err
		},
	}
	// Shown nowhere; left zero, urfave/cli would stat os.Args[0] for it on every start.
	app.Compiled = time.Unix(0, 0)
	enableCompletion(app, environ, stdout) // completion.go: shell completion, `completion`, --generate-man
	fixNames(app)                          // flagnames.go: each flag's names computed once
	return app
}

// envLookup looks a variable up in environ, the last entry for a name winning as in a map of
// it. A run looks up a handful, so it reads the list each time instead of building a map.
func envLookup(environ []string) func(string) string {
	return func(k string) string {
		if strings.Contains(k, "=") {
			return "" // no name holds one: the first "=" of an entry ends its name
		}
		for i := len(environ) - 1; i >= 0; i-- {
			if v, ok := strings.CutPrefix(environ[i], k); ok && strings.HasPrefix(v, "=") {
				return v[1:]
			}
		}
		return ""
	}
}
