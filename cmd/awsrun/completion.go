package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/wrapper"
	"github.com/urfave/cli/v2"
)

// Shell completion and the man page, both generated from the CLI definition.
//
//	awsrun completion bash|zsh|fish   prints a script to source
//	awsrun --generate-man             prints awsrun(1) in roff (manpage.go)
//
// The scripts ask awsrun itself what fits at the cursor, urfave/cli's way: the words typed so
// far, the current word last (possibly empty), then --generate-bash-completion. awsrun answers
// one candidate a line: profile names from the config and credentials files after --profile,
// the fixed values of --inject, --login, --log-level, --stop-signal and export's --format, flag
// names for a word that starts with "-", subcommand names otherwise. The scripts never ask once
// the command to run has been typed (a "--", or a word that is not awsrun's): urfave/cli turns
// completion off after "--", so awsrun would run the command. From there they hand over to the
// shell's own completion for that command. The fish script lists flags (with their usage),
// subcommands and fixed values itself and asks awsrun only for profile names.
//
// The scripts: completion_bash.go, completion_zsh.go, completion_fish.go. They are run in real
// shells by completion_shell_test.go.

// completionFlag is what the scripts append; urfave/cli strips it when EnableBashCompletion is on.
const completionFlag = "--generate-bash-completion"

var completionShells = []string{"bash", "zsh", "fish"}

// flagValues are the values of flags that take one of a fixed set.
var flagValues = map[string][]string{
	"inject":      {wrapper.InjectEndpoint, wrapper.InjectEnv},
	"login":       {wrapper.LoginNever, wrapper.LoginPrompt, wrapper.LoginAuto},
	"log-level":   {"debug", "info", "warn", "error"},
	"stop-signal": {"TERM", "INT", "HUP", "QUIT", "USR1", "USR2"},
	"format":      formatNames(),
}

// enableCompletion adds shell completion, the completion subcommand and the hidden
// --generate-man flag to the app newApp built.
func enableCompletion(app *cli.App, environ []string, stdout io.Writer) {
	getenv := envLookup(environ)
	app.EnableBashCompletion = true
	app.BashComplete = func(c *cli.Context) { printCompletions(c, nil, getenv) }
	app.Commands = append(app.Commands, completionCommand(app, stdout))
	for _, cmd := range app.Commands {
		cmd := cmd
		cmd.BashComplete = func(c *cli.Context) { printCompletions(c, cmd, getenv) }
	}
	app.Flags = append(app.Flags, &cli.BoolFlag{Name: "generate-man", Hidden: true,
		Usage: "print the man page awsrun(1) and exit"})
	action := app.Action
	app.Action = func(c *cli.Context) error {
		if c.Bool("generate-man") {
			return writeMan(app, stdout, getenv)
		}
		return action(c)
	}
}

func completionCommand(app *cli.App, stdout io.Writer) *cli.Command {
	return &cli.Command{
		Name:  "completion",
		Usage: "print a shell completion script (bash, zsh or fish)",
		UsageText: `awsrun completion bash|zsh|fish
   source <(awsrun completion bash)                                  (in ~/.bashrc)
   source <(awsrun completion zsh)                                   (in ~/.zshrc, after compinit)
   awsrun completion fish > ~/.config/fish/completions/awsrun.fish`,
		Description:  "Completes flags, subcommands, profile names (from the config and credentials files) and flag values; after the command to run, that command's own completion.",
		OnUsageError: subcommandUsage,
		Action: func(c *cli.Context) error {
			if afterDashDash(c) {
				return runAsChild(c)
			}
			if c.NArg() != 1 {
				return &usageError{cmd: c.Command, err: fmt.Errorf("awsrun completion takes one shell: bash, zsh or fish")}
			}
			script, err := completionScript(app, c.Args().First())
			if ue, ok := err.(*usageError); ok {
				ue.cmd = c.Command
			}
			if err != nil {
				return err
			}
			_, err = io.WriteString(stdout, script)
			return err
		},
	}
}

// completionScript is the script for one shell.
func completionScript(app *cli.App, shell string) (string, error) {
	valueFlags, subs := " ", " "
	var names []string
	for _, f := range allFlags(app) {
		if !isBoolFlag(f) {
			for _, n := range f.Names() {
				names = append(names, dashed(n))
			}
		}
	}
	sort.Strings(names)
	valueFlags += strings.Join(dedup(names), " ") + " "
	for _, c := range app.VisibleCommands() {
		subs += c.Name + " "
	}
	switch shell {
	case "bash":
		return fmt.Sprintf(bashCompletion, valueFlags, subs, completionFlag), nil
	case "zsh":
		return fmt.Sprintf(zshCompletion, valueFlags, subs, completionFlag), nil
	case "fish":
		return fishCompletion(app), nil
	}
	return "", &usageError{err: fmt.Errorf("unknown shell %q: use bash, zsh or fish", shell)}
}

// allFlags are the root's flags and every subcommand's.
func allFlags(app *cli.App) []cli.Flag {
	fs := append([]cli.Flag{}, app.Flags...)
	for _, c := range app.Commands {
		fs = append(fs, c.Flags...)
	}
	return fs
}

func isBoolFlag(f cli.Flag) bool {
	_, ok := unwrapFlag(f).(*cli.BoolFlag)
	return ok
}

func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func dedup(sorted []string) []string {
	out := sorted[:0]
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// printCompletions answers one --generate-bash-completion request; sub is nil for the root.
// The words come from os.Args, as for urfave/cli's own completion.
func printCompletions(c *cli.Context, sub *cli.Command, getenv func(string) string) {
	args := os.Args[1:]
	if n := len(args); n > 0 && args[n-1] == completionFlag {
		args = args[:n-1]
	}
	for _, s := range completions(c.App, sub, args, getenv) {
		fmt.Fprintln(c.App.Writer, s)
	}
}

// completions are the candidates for the last of args (the word being completed, possibly
// empty), given the words before it.
func completions(app *cli.App, sub *cli.Command, args []string, getenv func(string) string) []string {
	if len(args) == 0 {
		args = []string{""}
	}
	cur, before := args[len(args)-1], args[:len(args)-1]
	flags := app.VisibleFlags()
	if sub != nil {
		flags = sub.VisibleFlags()
	}
	prev := ""
	if n := len(before); n > 0 {
		prev = before[n-1]
		if prev == "=" && n > 1 { // bash splits --profile=dev at the "="
			prev = before[n-2]
		}
	}
	if sub == nil && commandGiven(flags, before) {
		return nil // the rest belongs to the command awsrun runs
	}
	// The value of a flag: "-p de", "--profile=de", or bash's "--profile = de".
	if f := findFlag(flags, prev); f != nil && !isBoolFlag(f) {
		return withPrefix(flagValueCandidates(f, getenv), "", cur)
	}
	if strings.HasPrefix(cur, "-") {
		if name, val, ok := strings.Cut(cur, "="); ok {
			if f := findFlag(flags, name); f != nil && !isBoolFlag(f) {
				return withPrefix(flagValueCandidates(f, getenv), name+"=", name+"="+val)
			}
			return nil
		}
		var out []string
		for _, f := range flags {
			for _, n := range f.Names() {
				out = append(out, dashed(n))
			}
		}
		sort.Strings(out)
		return withPrefix(dedup(out), "", cur)
	}
	if sub != nil {
		if cur == sub.Name && !contains(before, sub.Name) {
			return []string{cur} // the subcommand's own name, not yet followed by a space
		}
		if sub.Name == "completion" {
			return withPrefix(completionShells, "", cur)
		}
		return nil
	}
	var out []string
	for _, c := range app.VisibleCommands() {
		out = append(out, c.Name)
	}
	return withPrefix(out, "", cur)
}

// commandGiven reports whether the words before the cursor already hold the command to run.
func commandGiven(flags []cli.Flag, before []string) bool {
	for i := 0; i < len(before); i++ {
		w := before[i]
		switch {
		case w == "--":
			return true
		case w == "=":
			i++ // bash's "--flag = value": skip the value
		case strings.HasPrefix(w, "-"):
			if f := findFlag(flags, w); f != nil && !isBoolFlag(f) && i+1 < len(before) && before[i+1] != "=" {
				i++
			}
		default:
			return true
		}
	}
	return false
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// findFlag finds the flag a word such as "-p" or "--profile" names.
func findFlag(flags []cli.Flag, word string) cli.Flag {
	if !strings.HasPrefix(word, "-") {
		return nil
	}
	name := strings.TrimLeft(word, "-")
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

func flagValueCandidates(f cli.Flag, getenv func(string) string) []string {
	name := f.Names()[0]
	if name == "profile" {
		return profileNames(getenv)
	}
	return flagValues[name]
}

// profileNames lists the profiles of the config and credentials files the AWS CLI would read;
// none when they do not parse (completion must stay quiet).
func profileNames(getenv func(string) string) []string {
	config, credentials := creds.Paths(getenv)
	files, err := creds.LoadFiles(config, credentials)
	if err != nil {
		return nil
	}
	return files.Profiles()
}

// withPrefix keeps the candidates that start with cur (after prefix is put in front of them).
func withPrefix(candidates []string, prefix, cur string) []string {
	var out []string
	for _, c := range candidates {
		if s := prefix + c; strings.HasPrefix(s, cur) {
			out = append(out, s)
		}
	}
	return out
}
