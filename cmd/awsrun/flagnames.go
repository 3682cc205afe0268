package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// urfave/cli's flags build their names anew on every Names() call, through a regular
// expression (cli.FlagNames strips v1's "name, alias" form), and urfave/cli calls Names() on
// every flag each time it looks one up by name: after parsing it asks whether each flag was
// set, so a start ran that expression about 1,500 times. fixNames gives each flag its names
// once.
//
// The wrappers embed the urfave/cli flag, so every method and interface urfave/cli asserts
// (DocGenerationFlag, VisibleFlag, CategorizableFlag, RequiredFlag, ActionableFlag) is the
// flag's own, and String() (the help text) is computed by the flag itself, as its concrete
// type. urfave/cli asserts *cli.BoolFlag in two more places: the help text's default (reached
// only through String(), so with the flag itself) and its own completion's skipping of hidden
// bool flags, which never runs because awsrun completes every command itself
// (enableCompletion). awsrun's own code looks through the wrappers with unwrapFlag. They are
// pointers: urfave/cli compares flags with == (hasFlag), which a struct holding a slice would
// make panic.

type stringFlag struct {
	*cli.StringFlag
	names []string
}

type durationFlag struct {
	*cli.DurationFlag
	names []string
}

type boolFlag struct {
	*cli.BoolFlag
	names []string
}

// Names returns the names computed once; appending to the result copies it.
func (f *stringFlag) Names() []string   { return f.names[:len(f.names):len(f.names)] }
func (f *durationFlag) Names() []string { return f.names[:len(f.names):len(f.names)] }
func (f *boolFlag) Names() []string     { return f.names[:len(f.names):len(f.names)] }

// urfave/cli adds --help and --version to every app: they get fixed names once, here.
func init() {
	fs := fixedNames([]cli.Flag{cli.HelpFlag, cli.VersionFlag})
	cli.HelpFlag, cli.VersionFlag = fs[0], fs[1]
}

// fixNames gives the flags of app and of its commands fixed names.
func fixNames(app *cli.App) {
	fixedNames(app.Flags)
	for _, c := range app.Commands {
		fixedNames(c.Flags)
	}
}

// fixedNames wraps each flag of fs in place and returns fs.
func fixedNames(fs []cli.Flag) []cli.Flag {
	for i, f := range fs {
		switch f := f.(type) {
		case *cli.StringFlag:
			fs[i] = &stringFlag{f, flagNames(f.Name, f.Aliases)}
		case *cli.DurationFlag:
			fs[i] = &durationFlag{f, flagNames(f.Name, f.Aliases)}
		case *cli.BoolFlag:
			fs[i] = &boolFlag{f, flagNames(f.Name, f.Aliases)}
		}
	}
	return fs
}

// flagNames is cli.FlagNames, which every urfave/cli flag's Names() returns, without its
// regular expression where that changes nothing: it cuts each name at its first comma or space.
func flagNames(name string, aliases []string) []string {
	if strings.ContainsAny(name, ", ") {
		return cli.FlagNames(name, aliases)
	}
	for _, a := range aliases {
		if strings.ContainsAny(a, ", ") {
			return cli.FlagNames(name, aliases)
		}
	}
	return append([]string{name}, aliases...)
}

// unwrapFlag is the urfave/cli flag behind f, for type assertions.
func unwrapFlag(f cli.Flag) cli.Flag {
	switch f := f.(type) {
	case *stringFlag:
		return f.StringFlag
	case *durationFlag:
		return f.DurationFlag
	case *boolFlag:
		return f.BoolFlag
	}
	return f
}
