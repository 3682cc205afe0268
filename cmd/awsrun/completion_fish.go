package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"
)

// fishCompletion is awsrun's fish script, written from the CLI definition. urfave/cli's own
// (ToFishCompletion) is not used: its subcommand test only looks for subcommand names, so after
// "awsrun -- " or "awsrun cmd " it still offered awsrun's flags and subcommands, and it listed the
// hidden help command. Here __awsrun_state walks the words as the bash and zsh scripts do; flags
// and subcommands are offered only while the words are awsrun's, and from the command to run on
// completion is the shell's own for that command (complete -C on the rest of the line).
func fishCompletion(app *cli.App) string {
	var b strings.Builder
	var valueFlags []string
	for _, f := range allFlags(app) {
		if !isBoolFlag(f) {
			for _, n := range f.Names() {
				valueFlags = append(valueFlags, dashed(n))
			}
		}
	}
	sort.Strings(valueFlags)
	var subs []string
	for _, c := range app.VisibleCommands() {
		subs = append(subs, c.Name)
	}
	fmt.Fprintf(&b, fishFunctions, strings.Join(dedup(valueFlags), " "), strings.Join(subs, " "), completionFlag)

	b.WriteString("\n# awsrun's flags, while the words are awsrun's\n")
	fishFlags(&b, "__awsrun_at_root", app.VisibleFlags())
	b.WriteString("\n# awsrun's commands; any other word is the command to run\n")
	for _, c := range app.VisibleCommands() {
		fmt.Fprintf(&b, "complete -c awsrun -n __awsrun_at_root -f -a %s -d %s\n", fishQuote(c.Name), fishQuote(c.Usage))
	}
	b.WriteString("complete -c awsrun -n __awsrun_at_root -a '(__fish_complete_command)'\n")
	for _, c := range app.VisibleCommands() {
		cond := "'__awsrun_in_sub " + c.Name + "'"
		fmt.Fprintf(&b, "\n# awsrun %s\n", c.Name)
		if c.Name == "completion" {
			fmt.Fprintf(&b, "complete -c awsrun -n %s -f -a %s\n", cond, fishQuote(strings.Join(completionShells, " ")))
		} else {
			fmt.Fprintf(&b, "complete -c awsrun -n %s -f\n", cond)
		}
		fishFlags(&b, cond, c.VisibleFlags())
	}
	b.WriteString("\n# the command to run and its arguments: that command's own completion\n")
	b.WriteString("complete -c awsrun -n __awsrun_in_command -x -a '(__awsrun_command)'\n")
	return b.String()
}

// fishFlags writes one complete line per flag, under condition cond.
func fishFlags(b *strings.Builder, cond string, flags []cli.Flag) {
	for _, f := range flags {
		fmt.Fprintf(b, "complete -c awsrun -n %s", cond)
		for _, n := range f.Names() {
			if len(n) == 1 {
				fmt.Fprintf(b, " -s %s", n)
			} else {
				fmt.Fprintf(b, " -l %s", n)
			}
		}
		name := f.Names()[0]
		switch {
		case isBoolFlag(f):
			b.WriteString(" -f")
		case name == "profile":
			b.WriteString(" -x -a '(__awsrun_ask)'")
		case len(flagValues[name]) > 0:
			fmt.Fprintf(b, " -x -a %s", fishQuote(strings.Join(flagValues[name], " ")))
		default:
			b.WriteString(" -r") // a file name, or anything
		}
		if df, ok := f.(cli.DocGenerationFlag); ok && df.GetUsage() != "" {
			fmt.Fprintf(b, " -d %s", fishQuote(df.GetUsage()))
		}
		b.WriteString("\n")
	}
}

// fishQuote quotes s for fish: in single quotes only \ and ' are special.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", " ").Replace(s) + "'"
}

// fishFunctions: %[1]s the flags that take a value, %[2]s the subcommands, %[3]s the
// completion flag.
const fishFunctions = `# fish completion for awsrun: awsrun completion fish > ~/.config/fish/completions/awsrun.fish

# __awsrun_state says whose the word at the cursor is: "awsrun" (awsrun's flags and commands),
# "sub NAME" (a command of awsrun's), or "command N" (the command to run, from word N on).
function __awsrun_state
    set -l value_flags %[1]s
    set -l subs %[2]s
    set -l words (commandline -opc)
    set -l sub
    set -l skip 0
    for i in (seq 2 (count $words))
        set -l w $words[$i]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case --
                echo command (math $i + 1)
                return
            case '--*=*'
            case '-*'
                contains -- $w $value_flags; and set skip 1
            case '*'
                if test -z "$sub"; and contains -- $w $subs
                    set sub $w
                else if test -z "$sub"
                    echo command $i
                    return
                end
        end
    end
    if test -n "$sub"
        echo sub $sub
    else
        echo awsrun
    end
end

function __awsrun_at_root
    test (__awsrun_state) = awsrun
end

function __awsrun_in_sub
    test (__awsrun_state) = "sub $argv[1]"
end

function __awsrun_in_command
    string match -q 'command *' -- (__awsrun_state)
end

# __awsrun_ask asks awsrun what fits the word at the cursor (profile names). A bare "--" would
# end awsrun's flags and make it run the completion flag as a command.
function __awsrun_ask
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    test "$cur" = --; and set cur -
    $words[1] $words[2..-1] "$cur" %[3]s 2>/dev/null
end

# __awsrun_command completes the command to run, and its arguments, as fish would without awsrun.
function __awsrun_command
    set -l n (string split ' ' -- (__awsrun_state))[2]
    set -l words (commandline -opc)
    set -l line
    if test $n -le (count $words)
        set line (string escape -- $words[$n..-1])
    end
    set -l cur (commandline -ct)
    complete --do-complete=(string join ' ' -- $line "$cur")
end
`
