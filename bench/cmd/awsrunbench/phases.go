//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/awsrun/awsrun/internal/phases"
)

// phaseSpans are the steps of one run, each from the mark before it (the first credentials and
// the endpoint are set up side by side, both from "opened"; "ready" is when both are done):
// "start" is the bench's clock reading just before it starts awsrun, "waited" just after wait4
// returned.
var phaseSpans = []struct{ name, from, to string }{
	{"exec to main (runtime start, package init)", "start", "main"},
	{"flags and Config", "main", "flags"},
	{"profile files read", "flags", "profile-files"},
	{"credential source opened (the SDK's config)", "profile-files", "opened"},
	{"credentials resolved (beside the endpoint's set-up)", "opened", "resolved"},
	{"endpoint up (private config, listener; beside the resolution)", "opened", "endpoint-up"},
	{"child started (fork, exec)", "ready", "child-started"},
	{"child ran (/bin/true)", "child-started", "child-reaped"},
	{"child reaped to exit (clean-up)", "child-reaped", "exit"},
	{"exit to reaped by its parent", "exit", "waited"},
}

// benchPhases runs awsrun with AWSRUN_TRACE_PHASES and reports the median of each phase: where
// the start-up time goes, from the exec to the parent seeing awsrun exit.
func benchPhases(r *report, w *world, b binaries) error {
	cases := []struct {
		name string
		argv []string
	}{
		{"static --no-session", []string{b.awsrun, "-p", "static", "--no-session", "--", "/bin/true"}},
		{"sso (fake)", []string{b.awsrun, "-p", "sso", "--", "/bin/true"}},
	}
	runs := *pairs * 2
	for _, c := range cases {
		trace := filepath.Join(w.home, "phases")
		spans := map[string][]float64{}
		var total []float64
		for i := 0; i < runs; i++ {
			_ = os.Remove(trace)
			cmd := exec.Command(c.argv[0], c.argv[1:]...)
			cmd.Env = append(append([]string(nil), w.env...), phases.Env+"="+trace)
			start := phases.Now()
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%v: %v", c.argv, err)
			}
			waited := phases.Now()
			marks, err := readMarks(trace)
			if err != nil {
				return err
			}
			marks["start"], marks["waited"] = start, waited
			for _, s := range phaseSpans {
				from, ok1 := marks[s.from]
				to, ok2 := marks[s.to]
				if ok1 && ok2 {
					spans[s.name] = append(spans[s.name], float64(to-from)/1e6)
				}
			}
			total = append(total, float64(waited-start)/1e6)
		}
		for _, s := range phaseSpans {
			if xs := spans[s.name]; len(xs) > 0 {
				r.add(fmt.Sprintf("  phase, %s: %s", c.name, s.name), ms(median(xs)), "-", "-", "-", nil)
			}
		}
		r.add(fmt.Sprintf("phases, %s: exec to reaped (median of %d, traced)", c.name, runs), ms(median(total)), "-", "-", "-", nil)
	}
	return nil
}

// readMarks reads one run's AWSRUN_TRACE_PHASES file: the first time each phase was reached.
func readMarks(path string) (map[string]int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("phase trace: %w", err)
	}
	marks := map[string]int64{}
	for _, line := range strings.Split(string(data), "\n") {
		name, v, ok := strings.Cut(line, " ")
		if !ok || name == "end" {
			continue
		}
		ns, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("phase trace line %q: %w", line, err)
		}
		if _, seen := marks[name]; !seen {
			marks[name] = ns
		}
	}
	return marks, nil
}
