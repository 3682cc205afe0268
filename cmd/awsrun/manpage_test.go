//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"
)

// manApp is the CLI definition as awsrun --generate-man sees it: set up, so --help and
// --version are among the flags.
func manApp(t *testing.T) *cli.App {
	t.Helper()
	app := newApp(nil, os.Stdin, os.Stdout, os.Stderr, nil)
	app.Setup()
	return app
}

// groffCheck fails the test when groff warns about page; it reports whether groff was there.
func groffCheck(t *testing.T, page string) bool {
	t.Helper()
	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Log("no groff (apt-get install groff-base): roff not checked")
		return false
	}
	f := filepath.Join(t.TempDir(), "awsrun.1")
	os.WriteFile(f, []byte(page), 0o644)
	out, err := exec.Command(groff, "-man", "-rCHECKSTYLE=10", "-Tutf8", "-ww", "-z", f).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("groff -man -ww -z: %v\n%s", err, out)
	}
	return true
}

// renderMan renders page as man -l does into a pipe (no formatting), "" without man and groff.
func renderMan(t *testing.T, page string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "awsrun.1")
	os.WriteFile(f, []byte(page), 0o644)
	var cmd *exec.Cmd
	if man, err := exec.LookPath("man"); err == nil {
		cmd = exec.Command(man, "-l", f)
		cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "MANWIDTH=80", "MAN_KEEP_FORMATTING=", "LC_ALL=C.UTF-8")
	} else if groff, err := exec.LookPath("groff"); err == nil {
		cmd = exec.Command(groff, "-man", "-Tutf8", "-P-cbou", "-rLL=80n", f)
	} else {
		return ""
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, errb.String())
	}
	// Bold and underline as overstrikes, in case the formatter used them anyway.
	return regexp.MustCompile(".\b").ReplaceAllString(out.String(), "")
}

func TestGenerateMan(t *testing.T) {
	h := completionHome(t)
	r := runAwsrun(t, h, []string{"SOURCE_DATE_EPOCH=1700000000"}, "--generate-man")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	page := r.stdout
	if want := `.TH AWSRUN 1 2023\-11\-14 "awsrun ` + version + `" "User Commands"` + "\n"; !strings.HasPrefix(page, want) {
		t.Fatalf("header: want %q, got:\n%.200s", want, page)
	}
	if strings.Contains(page, "generate\\-man") || strings.Contains(page, "generate-man") {
		t.Error("man page shows the hidden --generate-man")
	}
	for _, sec := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", `"EXIT STATUS"`, "ENVIRONMENT", "FILES", `"SEE ALSO"`} {
		if !strings.Contains(page, "\n.SH "+sec+"\n") {
			t.Errorf("no section .SH %s", sec)
		}
	}
	if !strings.Contains(page, `\fBaws\fR(1)`) {
		t.Error("SEE ALSO lacks aws(1)")
	}

	app := manApp(t)
	checkFlags := func(where string, flags []cli.Flag) {
		t.Helper()
		if len(flags) == 0 {
			return
		}
		for _, f := range flags {
			var names []string
			for _, n := range shortFirst(f.Names()) {
				names = append(names, `\fB`+escape(dashed(n))+`\fR`)
			}
			tag := "\n" + strings.Join(names, ", ")
			if !strings.Contains(where, tag) {
				t.Errorf("flag %s: no tag %q", f.Names()[0], tag)
			}
			df := f.(cli.DocGenerationFlag)
			for _, e := range df.GetEnvVars() {
				if !strings.Contains(where, `\fB`+escape(e)+`\fR`) {
					t.Errorf("flag %s: env var %s missing", f.Names()[0], e)
				}
			}
			if df.TakesValue() {
				if !regexp.MustCompile(regexp.QuoteMeta(tag) + ` \\fI[^\n]+\\fR\n`).MatchString(where) {
					t.Errorf("flag %s: no value placeholder after %q", f.Names()[0], tag)
				}
			}
		}
	}
	opts, cmds, _ := strings.Cut(page, "\n.SH COMMANDS\n")
	opts = opts[strings.Index(opts, "\n.SH OPTIONS\n"):]
	checkFlags(opts, app.VisibleFlags())
	for _, want := range []string{`\fB\-\-inject\fR \fIendpoint|env\fR`, "Default: endpoint.", "Default: 20m.", "Default: true.", `\fB\-\-log\-file\fR \fIFILE\fR`} {
		if !strings.Contains(opts, want) {
			t.Errorf("OPTIONS lacks %q", want)
		}
	}
	if len(app.VisibleCommands()) < 4 {
		t.Fatalf("visible commands: %d", len(app.VisibleCommands()))
	}
	sections := strings.Split("\n"+cmds, "\n.SS ")
	for _, c := range app.VisibleCommands() {
		var sec string
		for _, s := range sections {
			if strings.HasPrefix(s, `"awsrun `+c.Name+`"`+"\n") {
				sec = s
			}
		}
		if sec == "" {
			t.Errorf("command %s: no subsection", c.Name)
			continue
		}
		if !strings.Contains(sec, escape(c.Usage)) {
			t.Errorf("command %s: usage %q missing", c.Name, c.Usage)
		}
		sec, _, _ = strings.Cut(sec, "\n.SH ")
		checkFlags(sec, c.VisibleFlags())
	}
	for _, e := range exitCodes {
		tag := `\fB` + strconv.Itoa(e.code) + `\fR`
		if e.signal {
			tag = `\fB` + strconv.Itoa(e.code) + `+\fIN\fR`
		}
		if !strings.Contains(page, "\n.TP\n"+tag+"\n") {
			t.Errorf("EXIT STATUS lacks %s", tag)
		}
	}

	groffCheck(t, page)
	out := renderMan(t, page)
	if out == "" {
		t.Log("neither man nor groff: rendering not checked")
		return
	}
	for _, want := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "EXIT STATUS", "ENVIRONMENT", "FILES", "SEE ALSO"} {
		if !regexp.MustCompile(`(?m)^` + want + `$`).MatchString(out) {
			t.Errorf("rendered page lacks section %s:\n%s", want, out)
		}
	}
	for _, want := range []string{
		"awsrun - run a command",
		"-p, --profile PROFILE",
		"--inject endpoint|env",
		"AWSRUN_PROFILE",
		"awsrun doctor",
		"credential-process",
		"aws(1)",
		"AWSRUN(1)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rendered page lacks %q", want)
		}
	}
}

// The description's own exit status summary (app.go) must agree with the table the man page
// uses.
func TestExitStatusSummaryMatchesTable(t *testing.T) {
	app := manApp(t)
	var summary string
	for _, p := range strings.Split(app.Description, "\n\n") {
		if strings.HasPrefix(strings.TrimSpace(p), "Exit status:") {
			summary = p
		}
	}
	if summary == "" {
		t.Skip("the description has no exit status summary")
	}
	for _, e := range exitCodes {
		want := strconv.Itoa(e.code)
		if e.signal {
			want += "+N"
		}
		if e.code == exitDoctorFailed {
			continue // doctor's own, in its description
		}
		if !regexp.MustCompile(`(^|[^0-9])` + regexp.QuoteMeta(want) + `([^0-9]|$)`).MatchString(summary) {
			t.Errorf("description's exit status summary lacks %s", want)
		}
	}
}

// Text that roff would take for requests, escapes or punctuation comes out as written.
func TestManEscaping(t *testing.T) {
	nasty := []string{
		".leading dot",
		"'leading apostrophe",
		`back\slash and \fB not bold`,
		"dash-dash --flag and -x",
		"unicode … é – ✓",
		`quote " and \" inside`,
	}
	app := &cli.App{
		Name:        "awsrun",
		Version:     `1.0 "beta"`,
		Usage:       "a test",
		UsageText:   "awsrun [flags] -- COMMAND\n   .dot example\n   'quote example",
		Description: strings.Join(nasty, "\n") + "\n\nFormats:\n  .x   a table line\n  'y   another",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "file", Usage: "read `PATH` " + nasty[2], Value: `C:\dir`, EnvVars: []string{"AWSRUN_FILE"}},
			&cli.BoolFlag{Name: "x", Usage: nasty[0]},
		},
		Commands: []*cli.Command{{Name: "sub", Usage: nasty[1], Description: nasty[4],
			Flags: []cli.Flag{&cli.DurationFlag{Name: "wait", Value: 90 * time.Minute, Usage: nasty[3]}}}},
	}
	app.Setup()
	page := manPage(app, time.Date(2024, 2, 3, 0, 0, 0, 0, time.UTC))
	for i, l := range strings.Split(page, "\n") {
		if strings.HasPrefix(l, "'") || (strings.HasPrefix(l, ".") && !regexp.MustCompile(`^\.(TH|SH|SS|PP|TP|RS|RE|nf|fi|br)( |$)`).MatchString(l)) {
			t.Errorf("line %d reads as a request: %q", i+1, l)
		}
	}
	for _, bad := range []string{`\fB not`, `\s`} {
		if strings.Contains(page, bad) {
			t.Errorf("unescaped %q in:\n%s", bad, page)
		}
	}
	if !strings.Contains(page, `\fB\-\-file\fR \fIPATH\fR`) || !strings.Contains(page, `read PATH`) {
		t.Errorf("backquoted placeholder not used:\n%s", page)
	}
	if !strings.Contains(page, `Default: 1h30m.`) || !strings.Contains(page, `Default: C:\(rsdir.`) {
		t.Errorf("defaults:\n%s", page)
	}
	if !groffCheck(t, page) {
		return
	}
	out := renderMan(t, page)
	flat := strings.Join(strings.Fields(out), " ")
	for _, want := range append(nasty, "Default: 1h30m.", `Default: C:\dir.`, "AWSRUN_FILE", ".dot example", "'quote example", `awsrun 1.0 "beta"`, "2024-02-03") {
		if !strings.Contains(flat, strings.Join(strings.Fields(want), " ")) {
			t.Errorf("rendered page lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "  .x   a table line") {
		t.Errorf("indented paragraph lost its layout:\n%s", out)
	}
}

// awsrun is built with -tags urfave_cli_no_docs: that build must work, and must leave out the
// markdown libraries urfave/cli's ToMan would link.
func TestBuildWithoutDocs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds awsrun")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	out, err := exec.Command(goBin, "list", "-deps", "-tags", "urfave_cli_no_docs", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.Contains(dep, "blackfriday") || strings.Contains(dep, "md2man") {
			t.Errorf("-tags urfave_cli_no_docs still links %s", dep)
		}
	}
	bin := filepath.Join(t.TempDir(), "awsrun")
	if out, err := exec.Command(goBin, "build", "-tags", "urfave_cli_no_docs", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags urfave_cli_no_docs: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--generate-man")
	cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=/usr/bin:/bin"}
	page, err := cmd.Output()
	if err != nil || !bytes.HasPrefix(page, []byte(".TH AWSRUN 1 ")) {
		t.Errorf("the no-docs build's --generate-man: %v\n%.200s", err, page)
	}
}
