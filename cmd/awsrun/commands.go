package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/awsrun/awsrun/wrapper"
	"github.com/urfave/cli/v2"
)

// subcommands are awsrun's own commands. Any other first word is still the command to run, and
// "awsrun -- status" runs a program called status: the -- says "what follows is the command".
func subcommands(environ []string, stdin, stdout, stderr *os.File) []*cli.Command {
	return []*cli.Command{
		doctorCommand(environ, stdin, stdout, stderr),
		exportCommand(environ, stdin, stdout, stderr),
		statusCommand(environ, stdout),
	}
}

// afterDashDash reports whether the subcommand's name came right after "--" on the command line.
// The flag parser drops the "--", so this looks at the raw arguments: the root context's
// remaining arguments are a suffix of them. os.Args is what run() receives in the binary and in
// the CLI tests, which re-execute the test binary as awsrun.
func afterDashDash(c *cli.Context) bool {
	lineage := c.Lineage()
	if len(lineage) < 2 {
		return false
	}
	rest := lineage[1].Args().Slice()
	pos := len(os.Args) - len(rest)
	return pos >= 1 && pos <= len(os.Args) && os.Args[pos-1] == "--"
}

// runAsChild hands a subcommand name that followed "--" to the root action, which runs it as
// the child like any other command.
func runAsChild(c *cli.Context) error {
	return c.App.Action(c.Lineage()[1])
}

// codedError ends awsrun with a fixed exit code; main prints it as "awsrun: error: ...", and
// hint, when set, as "awsrun: try: ...".
type codedError struct {
	code int
	msg  string
	hint string
}

func (e *codedError) Error() string { return e.msg }
func (e *codedError) ExitCode() int { return e.code }

// subcommandUsage turns a flag error of a subcommand into the usage error main reports.
func subcommandUsage(c *cli.Context, err error, _ bool) error {
	return &usageError{err: err, cmd: c.Command}
}

// profileFlags are the flags doctor and export take themselves, so every global flag that means
// something to them works on either side of the subcommand's name; the root's (and AWSRUN_PROFILE,
// AWSRUN_REGION, AWSRUN_DURATION, AWSRUN_NO_SESSION) apply when they are not given.
func profileFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "profile", Aliases: []string{"p"}, Usage: "profile to use (default: as for running a command)"},
		&cli.StringFlag{Name: "region", Usage: "region (default: $AWS_REGION, $AWS_DEFAULT_REGION, then the profile's)"},
		&cli.DurationFlag{Name: "duration", Usage: "session length to ask for (default: 1h, as for running a command)"},
		&cli.BoolFlag{Name: "no-session", Usage: "serve long-term access keys as they are instead of trading them for session credentials"},
		&cli.StringFlag{Name: "log-level", Usage: "debug, info, warn or error (default: warn)"},
		&cli.StringFlag{Name: "log-file", Usage: "append awsrun's log to this file (default: stderr)"},
	}
}

// inherited is a flag's value from the subcommand, else from the root command (where env vars
// such as AWSRUN_PROFILE also count).
func inherited(c *cli.Context, name string) (string, bool) {
	if c.IsSet(name) {
		return c.String(name), true
	}
	for _, p := range c.Lineage()[1:] {
		if p.IsSet(name) {
			return p.String(name), true
		}
	}
	return "", false
}

// inheritedDuration and inheritedBool are inherited for the other flag types: the subcommand's
// own value when given there, else the root's (its default included).
func inheritedDuration(c *cli.Context, name string) time.Duration {
	for _, p := range c.Lineage() {
		if p.IsSet(name) {
			return p.Duration(name)
		}
	}
	return c.Lineage()[len(c.Lineage())-1].Duration(name)
}

func inheritedBool(c *cli.Context, name string) bool {
	for _, p := range c.Lineage() {
		if p.IsSet(name) {
			return p.Bool(name)
		}
	}
	return c.Lineage()[len(c.Lineage())-1].Bool(name)
}

// commandInput builds what a subcommand resolves with, choosing the profile the way the root
// command does; from says why that profile ("--profile", "AWS_PROFILE", ...).
func commandInput(c *cli.Context, environ []string, stdin, stderr *os.File) (in wrapper.ResolveInput, from string, closer io.Closer, err error) {
	getenv := envLookup(environ)
	levelName, _ := inherited(c, "log-level")
	if levelName == "" {
		levelName = "warn"
	}
	level, err := parseLevel(levelName)
	if err != nil {
		return in, "", nil, &usageError{err: err, cmd: c.Command}
	}
	logFile, _ := inherited(c, "log-file")
	logger, _, closer, err := newLogger(level, logFile, stderr)
	if err != nil {
		return in, "", nil, &usageError{err: err, cmd: c.Command}
	}
	flag, set := inherited(c, "profile")
	profile, explicit, from := chooseProfile(flag, set, c.IsSet("profile"), getenv)
	region, _ := inherited(c, "region")
	// The subcommand's own --region has no variable; the root's has AWSRUN_REGION.
	region, err = pickRegion(region, !c.IsSet("region"), getenv)
	if err != nil {
		closer.Close()
		return in, "", nil, &usageError{err: err, cmd: c.Command}
	}
	return wrapper.ResolveInput{
		Profile:         profile,
		ProfileExplicit: explicit,
		Region:          region,
		Duration:        inheritedDuration(c, "duration"),
		NoSession:       inheritedBool(c, "no-session"),
		Env:             environ,
		Stdin:           stdin,
		Logger:          logger,
	}, from, closer, nil
}

// chooseProfile is the one place the profile is chosen, for runs and subcommands alike: awsrun's
// --profile (or AWSRUN_PROFILE), then AWS_PROFILE and AWS_DEFAULT_PROFILE as the AWS CLI reads
// them, then wrapper.DefaultProfile. flag and set are the flag's value and whether it was given
// (on the command line or through AWSRUN_PROFILE); here says it was given to this very command.
// explicit says the user named the profile; from says how, for doctor.
func chooseProfile(flag string, set, here bool, getenv func(string) string) (profile string, explicit bool, from string) {
	switch {
	case set && flag != "" && !here && getenv("AWSRUN_PROFILE") == flag:
		return flag, true, "AWSRUN_PROFILE"
	case set && flag != "":
		return flag, true, "--profile"
	case getenv("AWS_PROFILE") != "":
		return getenv("AWS_PROFILE"), true, "AWS_PROFILE"
	case getenv("AWS_DEFAULT_PROFILE") != "":
		return getenv("AWS_DEFAULT_PROFILE"), true, "AWS_DEFAULT_PROFILE"
	}
	// An empty --profile "" still counts as naming one: a missing default is then an error.
	return wrapper.DefaultProfile, set, "no --profile or AWS_PROFILE"
}

// noArgs refuses stray arguments, which would otherwise be silently ignored.
func noArgs(c *cli.Context) error {
	if c.Args().Present() {
		return &usageError{cmd: c.Command, err: fmt.Errorf("awsrun %s takes no arguments (got %q); to run a program called %s, use: awsrun -- %s", c.Command.Name, c.Args().First(), c.Command.Name, c.Command.Name)}
	}
	return nil
}
