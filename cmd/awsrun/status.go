package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/awsrun/awsrun/state"
	"github.com/urfave/cli/v2"
)

// statusProbe bounds asking one supervisor for its live state; a busy or wedged one is shown
// from its file instead.
const statusProbe = time.Second

func statusCommand(environ []string, stdout *os.File) *cli.Command {
	return &cli.Command{
		Name:      "status",
		Usage:     "list this user's running awsrun processes and their credentials' state",
		UsageText: "awsrun status [--json]",
		Description: `Lists every running awsrun of this user: pid, command, profile, injection mode, when the
credentials expire, when the SSO session ends, the last refresh and error, and restarts.
Entries of processes that died without cleaning up are removed.`,
		Flags:        []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print the list as JSON"}},
		OnUsageError: subcommandUsage,
		Action: func(c *cli.Context) error {
			if afterDashDash(c) {
				return runAsChild(c)
			}
			if err := noArgs(c); err != nil {
				return err
			}
			reg := state.Open(state.Dir(envLookup(environ)))
			entries, err := reg.List()
			if err != nil {
				return &codedError{code: exitSoftware, msg: "read the awsrun registry: " + err.Error()}
			}
			for i, e := range entries {
				if e.Socket == "" {
					continue
				}
				ctx, cancel := context.WithTimeout(context.Background(), statusProbe)
				if live, err := state.FetchStatus(ctx, e.Socket); err == nil && live.ID == e.ID {
					entries[i] = live
				}
				cancel()
			}
			if c.Bool("json") {
				if entries == nil {
					entries = []state.Entry{}
				}
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(entries)
			}
			return writeStatus(stdout, entries, reg.Dir(), time.Now())
		},
	}
}

// writeStatus prints one row per supervisor.
func writeStatus(w io.Writer, entries []state.Entry, dir string, now time.Time) error {
	if len(entries) == 0 {
		_, err := fmt.Fprintf(w, "no awsrun is running (registry: %s)\n", dir)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PID\tPROFILE\tMODE\tCREDENTIALS\tSSO SESSION\tREFRESHED\tRESTARTS\tLAST ERROR\tCOMMAND")
	for _, e := range entries {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n",
			e.PID, e.Profile, e.Mode, credentialsCell(e, now), ssoCell(e, now), agoCell(e.LastRefresh, now),
			e.Restarts, clip(orDash(e.LastError), 60), clip(commandCell(e.Command), 40))
	}
	return tw.Flush()
}

// commandCell shows the program by its name, not its path, so the arguments fit.
func commandCell(argv []string) string {
	if len(argv) == 0 {
		return "-"
	}
	return strings.Join(append([]string{filepath.Base(argv[0])}, argv[1:]...), " ")
}

func credentialsCell(e state.Entry, now time.Time) string {
	switch {
	case e.Expires.IsZero() && e.KeyID == "":
		return "-"
	case e.Expires.IsZero():
		return e.KeyID + " never expire"
	case !e.Expires.After(now):
		return e.KeyID + " expired " + shortDur(now.Sub(e.Expires)) + " ago"
	}
	return e.KeyID + " expire in " + shortDur(e.Expires.Sub(now))
}

func ssoCell(e state.Entry, now time.Time) string {
	switch {
	case e.SSOTokenExpires.IsZero():
		return "-"
	case e.SSORefreshable && e.SSOSessionEnds.IsZero():
		return "renewable"
	case e.SSORefreshable:
		return "renewable, at most " + shortDur(e.SSOSessionEnds.Sub(now))
	case !e.SSOTokenExpires.After(now):
		return "ended " + shortDur(now.Sub(e.SSOTokenExpires)) + " ago"
	}
	return "ends in " + shortDur(e.SSOTokenExpires.Sub(now))
}

func agoCell(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return shortDur(now.Sub(t)) + " ago"
}

// shortDur is a duration for a table cell: "45s", "52m", "7h05m", "3d".
func shortDur(d time.Duration) string {
	d = max(d, 0)
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// clip keeps table rows on one line.
func clip(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-3]) + "..."
	}
	return s
}
