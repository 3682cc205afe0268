package main

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
)

// The man page awsrun(1), written in roff (man(7)) from the CLI definition:
//
//	awsrun --generate-man > awsrun.1
//
// awsrun renders it itself instead of calling urfave/cli's ToMan, which links a markdown parser
// and converter (blackfriday, go-md2man) whose package init costs every awsrun start; awsrun is
// built with -tags urfave_cli_no_docs, which leaves them out. The EXIT STATUS section comes from
// exitCodes (exitcodes.go). The date is $SOURCE_DATE_EPOCH when set, for reproducible builds.

// writeMan prints awsrun(1).
func writeMan(app *cli.App, w io.Writer, getenv func(string) string) error {
	_, err := io.WriteString(w, manPage(app, manDate(getenv)))
	return err
}

// manDate is today, or $SOURCE_DATE_EPOCH, as YYYY-MM-DD in UTC.
func manDate(getenv func(string) string) time.Time {
	if s := getenv("SOURCE_DATE_EPOCH"); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
	}
	return time.Now().UTC()
}

// manEnvironment are the variables awsrun reads besides the AWSRUN_* of its flags.
var manEnvironment = []struct{ name, meaning string }{
	{"AWS_PROFILE, AWS_DEFAULT_PROFILE", "The profile when neither --profile nor AWSRUN_PROFILE is given (then \"default\"). Removed from COMMAND's environment."},
	{"AWS_REGION, AWS_DEFAULT_REGION", "The region when --region and AWSRUN_REGION are not given (then the profile's)."},
	{"AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE", "The config and credentials files, as for the AWS CLI."},
	{"AWS_CA_BUNDLE", "CA certificates for the calls to AWS."},
	{"XDG_RUNTIME_DIR, TMPDIR", "Where awsrun keeps its private files (in /dev/shm on Linux when neither is set), its per-user registry and the login lock."},
	{"GOGC", "The Go garbage collector's target for awsrun itself; 400 when unset (see the README's Performance section)."},
	{"AWSRUN", "Set to 1 in COMMAND's environment, with AWSRUN_PROFILE; an awsrun inside it reuses the parent's credentials for the same profile and refuses another."},
}

// manFiles are the files awsrun reads and writes.
var manFiles = []struct{ name, meaning string }{
	{"~/.aws/config", "Profiles, sso-session sections and settings (or $AWS_CONFIG_FILE). Watched: edits apply at once. Never written."},
	{"~/.aws/credentials", "Access keys (or $AWS_SHARED_CREDENTIALS_FILE). Watched; never written."},
	{"~/.aws/sso/cache/", "The SSO tokens aws sso login writes; a new login is picked up at once."},
	{"~/.aws/login/cache/", "The tokens aws login writes (or $AWS_LOGIN_CACHE_DIRECTORY); a new login is picked up at once, and awsrun writes its renewals back there (atomically, mode 0600) as the AWS CLI does."},
	{"~/.aws/cli/cache/", "The AWS CLI's credential cache; awsrun doctor --fix removes its expired entries."},
	{"$XDG_RUNTIME_DIR/awsrun/, $TMPDIR/awsrun-UID/", "The per-user registry of running awsrun processes (awsrun status, awsrun export) and the lock for --login auto; 0700, files 0600, removed on exit."},
}

// manPage is awsrun(1) for app, dated date.
func manPage(app *cli.App, date time.Time) string {
	var m manWriter
	name := app.Name
	m.macro("TH", strings.ToUpper(name), "1", date.Format("2006-01-02"), name+" "+app.Version, "User Commands")

	m.macro("SH", "NAME")
	m.text(name + " - " + app.Usage)

	m.macro("SH", "SYNOPSIS")
	usage, examples := splitUsage(app.UsageText, name+" [flags] -- COMMAND [ARGS...]")
	m.synopsis(usage)
	for _, c := range app.VisibleCommands() {
		u, _ := splitUsage(c.UsageText, name+" "+c.Name+" [flags]")
		m.macro("br")
		m.synopsis(u)
	}

	m.macro("SH", "DESCRIPTION")
	if app.Description == "" {
		m.paragraphs(app.Usage)
	} else {
		m.paragraphs(withoutExitStatus(app.Description))
	}

	m.macro("SH", "OPTIONS")
	m.flags(app.VisibleFlags())

	if cmds := app.VisibleCommands(); len(cmds) > 0 {
		m.macro("SH", "COMMANDS")
		for _, c := range cmds {
			m.command(name, c)
		}
	}

	m.macro("SH", "EXIT STATUS")
	m.paragraphs(name + " exits with COMMAND's exit status, unchanged, or with one of its own:")
	for _, e := range exitCodes {
		m.macro("TP")
		if e.signal {
			m.raw(`\fB` + strconv.Itoa(e.code) + `+\fIN\fR`)
		} else {
			m.raw(`\fB` + strconv.Itoa(e.code) + `\fR`)
		}
		m.text(e.meaning)
	}

	m.macro("SH", "ENVIRONMENT")
	m.paragraphs("Every option can also be set by its environment variable:")
	for _, f := range app.VisibleFlags() {
		df, ok := f.(cli.DocGenerationFlag)
		if !ok {
			continue
		}
		for _, env := range df.GetEnvVars() {
			m.macro("TP")
			m.raw(bold(env))
			m.raw("as " + bold(dashed(f.Names()[0])))
		}
	}
	m.macro("PP")
	m.text(name + " also reads:")
	for _, e := range manEnvironment {
		m.macro("TP")
		m.raw(boldList(e.name))
		m.text(e.meaning)
	}

	m.macro("SH", "FILES")
	for _, f := range manFiles {
		m.macro("TP")
		m.raw(boldList(f.name))
		m.text(f.meaning)
	}

	if len(examples) > 0 {
		m.macro("SH", "EXAMPLES")
		m.example(examples)
	}

	m.macro("SH", "SEE ALSO")
	m.raw(`\fBaws\fR(1)`)
	return m.b.String()
}

// splitUsage splits a UsageText (urfave/cli's: the usage, then examples indented by three
// spaces) into its first line and the rest; def is the usage when there is none.
func splitUsage(text, def string) (usage string, examples []string) {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if lines[0] == "" {
		return def, nil
	}
	for _, l := range lines[1:] {
		if l = strings.TrimSpace(l); l != "" {
			examples = append(examples, l)
		}
	}
	return strings.TrimSpace(lines[0]), examples
}

// withoutExitStatus drops the description's own summary of the exit codes: the man page has
// EXIT STATUS, from the same table.
func withoutExitStatus(desc string) string {
	var keep []string
	for _, p := range strings.Split(desc, "\n\n") {
		if !strings.HasPrefix(strings.TrimSpace(p), "Exit status:") {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "\n\n")
}

// command is a subsection for one subcommand: its synopsis, usage, description, examples and
// flags.
func (m *manWriter) command(prog string, c *cli.Command) {
	m.macro("SS", prog+" "+c.Name)
	usage, examples := splitUsage(c.UsageText, prog+" "+c.Name+" [flags]")
	m.synopsis(usage)
	m.macro("PP")
	m.text(c.Usage)
	if c.Description != "" {
		m.paragraphs(c.Description)
	}
	if len(examples) > 0 {
		m.macro("PP")
		m.text("Examples:")
		m.example(examples)
	}
	if fs := c.VisibleFlags(); len(fs) > 0 {
		m.macro("PP")
		m.text("Options:")
		m.flags(fs)
	}
}

// flags lists flags as tagged paragraphs: the names and value, then usage, default and
// environment variables.
func (m *manWriter) flags(fs []cli.Flag) {
	for _, f := range fs {
		m.macro("TP")
		placeholder, usage := flagPlaceholder(f)
		var tag []string
		for _, n := range shortFirst(f.Names()) {
			tag = append(tag, bold(dashed(n)))
		}
		head := strings.Join(tag, ", ")
		if placeholder != "" {
			head += " " + italic(placeholder)
		}
		m.raw(head)
		text := sentence(usage)
		if d := flagDefault(f); d != "" {
			text += " Default: " + d + "."
		}
		m.text(text)
		if df, ok := f.(cli.DocGenerationFlag); ok && len(df.GetEnvVars()) > 0 {
			var envs []string
			for _, e := range df.GetEnvVars() {
				envs = append(envs, bold(e))
			}
			m.raw("Environment: " + strings.Join(envs, ", ") + ".")
		}
	}
}

// sentence ends s with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// shortFirst puts one-letter names first, as in -p, --profile.
func shortFirst(names []string) []string {
	var short, long []string
	for _, n := range names {
		if len(n) == 1 {
			short = append(short, n)
		} else {
			long = append(long, n)
		}
	}
	return append(short, long...)
}

// placeholders name the value of flags whose name says little about it.
var placeholders = map[string]string{
	"warn-before":     "DURATIONS",
	"log-file":        "FILE",
	"restart-command": "COMMAND",
	"login-command":   "COMMAND",
}

// flagPlaceholder is the name of a flag's value, "" for a flag without one, and the usage
// without the backquotes that may name it (urfave/cli's convention).
func flagPlaceholder(f cli.Flag) (placeholder, usage string) {
	df, ok := f.(cli.DocGenerationFlag)
	if !ok {
		return "", ""
	}
	usage = df.GetUsage()
	if i := strings.IndexByte(usage, '`'); i >= 0 {
		if j := strings.IndexByte(usage[i+1:], '`'); j >= 0 {
			placeholder = usage[i+1 : i+1+j]
			usage = usage[:i] + placeholder + usage[i+2+j:]
		}
	}
	if !df.TakesValue() {
		return "", usage
	}
	name := f.Names()[0]
	switch {
	case placeholder != "":
	case len(flagValues[name]) > 0:
		placeholder = strings.Join(flagValues[name], "|")
	case placeholders[name] != "":
		placeholder = placeholders[name]
	default:
		if _, ok := unwrapFlag(f).(*cli.DurationFlag); ok {
			placeholder = "DURATION"
		} else {
			parts := strings.Split(name, "-")
			placeholder = strings.ToUpper(parts[len(parts)-1])
		}
	}
	return placeholder, usage
}

// flagDefault is a flag's default when it has one worth saying: not empty, false or zero.
func flagDefault(f cli.Flag) string {
	df, ok := f.(cli.DocGenerationFlag)
	if !ok {
		return ""
	}
	d := df.GetDefaultText()
	if u, err := strconv.Unquote(d); err == nil {
		d = u
	}
	if _, ok := unwrapFlag(f).(*cli.DurationFlag); ok {
		d = shortDuration(d)
	}
	switch d {
	case "", "false", "0", "0s":
		return ""
	}
	return d
}

// shortDuration drops the zero units time.Duration.String leaves: 1h0m0s is 1h, 20m0s 20m.
func shortDuration(s string) string {
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
