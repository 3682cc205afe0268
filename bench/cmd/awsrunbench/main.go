//go:build unix

// Command awsrunbench measures awsrun against minimal Go floor programs, side by side in one
// run, and prints each figure beside its baseline, ratio and target (issue 6). The machine it
// runs on is assumed noisy: A and B are alternated pair by pair and medians are reported.
//
//	go run ./bench/cmd/awsrunbench [-pairs 15] [-rotations 20] [-idle 30s] [-quick]
//
// It builds awsrun stripped and the floors (bench/floor/...) into a temp dir, stages a temp
// HOME (never the real ~/.aws) with a static-keys profile and an SSO profile against an
// in-process fake AWS (internal/fakeaws) on 127.0.0.1. A missed target is printed, never fatal.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

var (
	pairs     = flag.Int("pairs", 15, "startup: alternated A/B pairs per comparison")
	loopN     = flag.Int("loop", 20, "startup: runs per sample (one sample = a loop of this many runs)")
	rotations = flag.Int("rotations", 20, "rotations a real client goes through (1000 for the full run)")
	lifetime  = flag.Duration("rotation-lifetime", 3*time.Second, "credential lifetime for the rotation run")
	idleWin   = flag.Duration("idle", time.Minute, "idle window (scaled to per minute)")
	epReqs    = flag.Int("requests", 3000, "endpoint: requests per round and server")
	epRounds  = flag.Int("rounds", 3, "endpoint: alternated rounds per concurrency (Go client; wrk runs 2N+1)")
	reactN    = flag.Int("reactions", 15, "reaction: token writes measured")
	client    = flag.String("client", "auto", "rotation client: js, boto3 or auto")
	only      = flag.String("only", "", "comma-separated sections to run (startup,phases,rss,endpoint,idle,reaction,rotation,profiles); default all")
	verbose   = flag.Bool("v", false, "print progress and samples")
)

func main() {
	flag.Parse()
	start := time.Now()
	root, err := repoRoot()
	if err != nil {
		fatal(err)
	}
	tmp, err := os.MkdirTemp("", "awsrunbench-")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(tmp)

	bins, err := build(root, tmp)
	if err != nil {
		fatal(err)
	}
	w, err := newWorld(tmp, time.Hour)
	if err != nil {
		fatal(err)
	}
	defer w.close()

	r := &report{}
	load0 := loadavg()
	sel := func(name string) bool {
		if *only == "" {
			return true
		}
		for _, s := range strings.Split(*only, ",") {
			if strings.TrimSpace(s) == name {
				return true
			}
		}
		return false
	}
	run := func(name string, f func() error) {
		if !sel(name) {
			return
		}
		t0 := time.Now()
		progress("== %s", name)
		if err := f(); err != nil {
			r.note("%s: could not measure: %v", name, err)
		}
		progress("   %s took %s", name, time.Since(t0).Round(100*time.Millisecond))
	}
	run("startup", func() error { return benchStartup(r, w, bins) })
	run("phases", func() error { return benchPhases(r, w, bins) })
	run("rss", func() error { return benchRSSAndSize(r, w, bins) })
	run("endpoint", func() error { return benchEndpoint(r, w, bins) })
	run("idle", func() error { return benchIdle(r, w, bins) })
	run("reaction", func() error { return benchReaction(r, w, bins) })
	run("rotation", func() error { return benchRotation(r, root, tmp, bins) })
	run("profiles", func() error { return benchProfiles(r, tmp, bins) })

	r.print(os.Stdout)
	fmt.Printf("\nmachine: %s; load average at start %s, at end %s (2 cores: above ~1 means contended); total bench time %s\n",
		machine(), load0, loadavg(), time.Since(start).Round(time.Second))
}

type binaries struct {
	awsrun, minwrap, minhandler string
	minwrapSDK                  string // minwrap linking awsrun's dependencies, built as awsrun is
}

func build(root, dir string) (binaries, error) {
	b := binaries{
		awsrun:     filepath.Join(dir, "awsrun"),
		minwrap:    filepath.Join(dir, "minwrap"),
		minhandler: filepath.Join(dir, "minhandler"),
		minwrapSDK: filepath.Join(dir, "minwrap-sdk"),
	}
	// awsrun exactly as `make build` (and the release) builds it: tags, gcflags, stripped.
	cmd := exec.Command("make", "--no-print-directory", "build", "BIN="+b.awsrun)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return b, fmt.Errorf("make build: %w", err)
	}
	// The same build of minwrap with awsrun's dependencies linked (floor/minwrap/sdk.go).
	cmd = exec.Command("make", "--no-print-directory", "build", "BIN="+b.minwrapSDK, "MAIN=./bench/floor/minwrap",
		"BUILDTAGS=urfave_cli_no_docs nethttpomithttp2 minwrap_sdk")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return b, fmt.Errorf("make build (minwrap-sdk): %w", err)
	}
	for out, pkg := range map[string]string{b.minwrap: "./bench/floor/minwrap", b.minhandler: "./bench/floor/minhandler"} {
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
		cmd.Dir = root
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return b, fmt.Errorf("build %s: %w", pkg, err)
		}
	}
	return b, nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(data), "module github.com/awsrun/awsrun") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("run from inside the awsrun repository")
		}
		dir = parent
	}
}

func machine() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	model := ""
	n := 0
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "model name") && model == "" {
			model = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
		}
		if strings.HasPrefix(l, "processor") {
			n++
		}
	}
	v, _ := exec.Command("go", "env", "GOVERSION").Output()
	return fmt.Sprintf("%d CPU %q, %s", n, model, strings.TrimSpace(string(v)))
}

func progress(format string, a ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", a...)
}

func debugf(format string, a ...any) {
	if *verbose {
		fmt.Fprintf(os.Stderr, "   "+format+"\n", a...)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "awsrunbench:", err)
	os.Exit(1)
}

func loadavg() string {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
