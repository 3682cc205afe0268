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
//	awsrun --generate-man             prints awsrun(1) in roff
//
// The scripts ask awsrun itself what fits at the cursor, urfave/cli's way: the words typed so
// far, the current word last (possibly empty), then --generate-bash-completion. awsrun answers
// one candidate a line: profile names from the config and credentials files after --profile,
// the fixed values of --inject, --login, --log-level, --stop-signal and export's --format, flag
// names for a word that starts with "-", subcommand names otherwise. The scripts never ask once
// the command to run has been typed (a "--", or a word that is not awsrun's): urfave/cli turns
// completion off after "--", so awsrun would run the command. From there they hand over to the
// shell's own completion for that command.

// completionFlag is what the scripts append; urfave/cli strips it when EnableBashCompletion is on.
const completionFlag = "--generate-bash-completion"

var completionShells = []string{"bash", "zsh", "fish"}

// flagValues are the values of flags that take one of a fixed set.
var flagValues = map[string][]string{
	"inject":      {wrapper.InjectEndpoint, wrapper.InjectEnv},
	"login":       {wrapper.LoginNever, wrapper.LoginPrompt, wrapper.LoginAuto},
	"log-level":   {"debug", "info", "warn", "error"},
	"stop-signal": {"TERM", "INT", "HUP", "QUIT", "USR1", "USR2"},
	"format":      {formatEnv, formatJSON, formatProcess, formatClaude},
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
			return writeMan(app, stdout)
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
				return &usageError{err: fmt.Errorf("awsrun completion takes one shell: bash, zsh or fish")}
			}
			script, err := completionScript(app, c.Args().First())
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
		return fishCompletion(app)
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
	_, ok := f.(*cli.BoolFlag)
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

// fishCompletion is urfave/cli's fish script plus the dynamic values: profiles and the fixed
// values of the flags that have them.
func fishCompletion(app *cli.App) (string, error) {
	script, err := app.ToFishCompletion()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(script)
	b.WriteString("\n# awsrun: flag values and profile names\n")
	fmt.Fprintf(&b, "complete -c awsrun -f -n '__fish_seen_subcommand_from completion' -a '%s'\n", strings.Join(completionShells, " "))
	fmt.Fprintf(&b, "complete -c awsrun -x -s p -l profile -a '(awsrun --profile \"\" %s 2>/dev/null)'\n", completionFlag)
	var names []string
	for n := range flagValues {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "complete -c awsrun -x -l %s -a '%s'\n", n, strings.Join(flagValues[n], " "))
	}
	return b.String(), nil
}

// bashCompletion: %[1]s the flags that take a value, %[2]s the subcommands, both space-padded;
// %[3]s the completion flag.
const bashCompletion = `# bash completion for awsrun: source <(awsrun completion bash)
_awsrun_complete() {
  local cur=${COMP_WORDS[COMP_CWORD]} i w skip=0 sub=
  local value_flags="%[1]s" subs="%[2]s"
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if ((skip)); then skip=0; continue; fi
    case $w in
    --) _awsrun_command $((i + 1)); return ;;
    =) skip=1 ;;
    -*) [[ $value_flags == *" $w "* && ${COMP_WORDS[i + 1]} != "=" ]] && skip=1 ;;
    *)
      if [[ -z $sub && $subs == *" $w "* ]]; then
        sub=$w
      elif [[ -z $sub ]]; then
        _awsrun_command "$i"
        return
      fi
      ;;
    esac
  done
  # No command to run yet, so awsrun answers (it never runs anything for this).
  # A bare "--" would end awsrun's flags and make it run the completion flag as a command.
  local prog=${COMP_WORDS[0]/#\~/$HOME} ask=$cur opts
  [[ $ask == -- ]] && ask=-
  opts=$("$prog" "${COMP_WORDS[@]:1:COMP_CWORD-1}" "$ask" %[3]s 2>/dev/null)
  local IFS=$'\n'
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  local prev=${COMP_WORDS[COMP_CWORD - 1]}
  if [[ -z $sub && $cur != -* && $prev != "=" && $value_flags != *" $prev "* ]]; then
    COMPREPLY+=($(compgen -c -- "$cur"))
  fi
}

# _awsrun_command completes the command awsrun runs, which starts at word $1.
_awsrun_command() {
  if declare -F _command_offset >/dev/null; then
    _command_offset "$1"
  elif (($1 == COMP_CWORD)); then
    local IFS=$'\n'
    COMPREPLY=($(compgen -c -- "${COMP_WORDS[COMP_CWORD]}"))
  fi
}

complete -o default -F _awsrun_complete awsrun
`

// zshCompletion: as bashCompletion.
const zshCompletion = `#compdef awsrun
# zsh completion for awsrun: source <(awsrun completion zsh), after compinit
_awsrun() {
  local value_flags="%[1]s" subs="%[2]s" w sub=
  local -i i skip=0
  for ((i = 2; i < CURRENT; i++)); do
    w=${words[i]}
    if ((skip)); then skip=0; continue; fi
    case $w in
      --)
        shift $i words
        ((CURRENT -= i))
        _normal
        return ;;
      --*=*) ;;
      -*) [[ $value_flags == *" $w "* ]] && skip=1 ;;
      *)
        if [[ -z $sub && $subs == *" $w "* ]]; then
          sub=$w
        elif [[ -z $sub ]]; then
          shift $((i - 1)) words
          ((CURRENT -= i - 1))
          _normal
          return
        fi ;;
    esac
  done
  local cur=${(Q)words[CURRENT]} prev=${words[CURRENT-1]} ask=${(Q)words[CURRENT]}
  local -a opts
  # A bare "--" would end awsrun's flags and make it run the completion flag as a command.
  [[ $ask == -- ]] && ask=-
  opts=("${(@f)$(${~words[1]} "${(@Q)words[2,CURRENT-1]}" "$ask" %[3]s 2>/dev/null)}")
  opts=(${opts:#})
  if [[ $value_flags == *" $prev "* || $cur == --*=* ]]; then
    if ((${#opts})); then compadd -- $opts; else _files; fi
  elif [[ $cur == -* || -n $sub ]]; then
    compadd -- $opts
  else
    compadd -- $opts
    _command_names -e
  fi
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _awsrun "$@"
else
  compdef _awsrun awsrun
fi
`

// writeMan prints awsrun(1), generated from the CLI definition.
func writeMan(app *cli.App, w io.Writer) error {
	page, err := app.ToManWithSection(1)
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, page)
	return err
}
