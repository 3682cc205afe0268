//go:build unix

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// awsVaultExecMs is aws-vault exec --no-session's startup overhead from
// /work/shared/research/perf-anchors.md (not measured here: aws-vault is not built by the bench).
const awsVaultExecMs = 7.0

// runOnce runs argv to completion with env and returns its wall time and rusage.
func runOnce(env []string, argv []string) (time.Duration, *syscall.Rusage, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	var stderr limitedBuf
	cmd.Stderr = &stderr
	t0 := time.Now()
	err := cmd.Run()
	d := time.Since(t0)
	if err != nil {
		return d, nil, fmt.Errorf("%v: %v: %s", argv, err, stderr.String())
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return d, ru, nil
}

// loop times *loopN runs of argv (one sample) with a monotonic clock; ms per run.
func loop(env, argv []string) (float64, error) {
	t0 := time.Now()
	for i := 0; i < *loopN; i++ {
		if _, _, err := runOnce(env, argv); err != nil {
			return 0, err
		}
	}
	return msDur(time.Since(t0)) / float64(*loopN), nil
}

type startupCase struct {
	name   string
	figure string
	argv   []string
	target float64  // ms of overhead; 0 = no target
	env    []string // added to the world's environment for awsrun's runs
}

func benchStartup(r *report, w *world, b binaries) error {
	trueArgv := []string{"/bin/true"}
	minwrapArgv := []string{b.minwrap, "/bin/true"}
	cases := []startupCase{
		{"static --no-session", "startup overhead, static keys --no-session", []string{b.awsrun, "-p", "static", "--no-session", "--", "/bin/true"}, 2.5, nil},
		{"static (session, fake STS)", "startup overhead, static keys + GetSessionToken (fake)", []string{b.awsrun, "-p", "static", "--", "/bin/true"}, 0, nil},
		{"sso (fake SSO)", "startup overhead, SSO profile (fake)", []string{b.awsrun, "-p", "sso", "--", "/bin/true"}, 3.5, nil},
		// The floor of a wrapper that links what awsrun links (the SDK, urfave/cli, fsnotify).
		{"floor: minwrap linking awsrun's dependencies", "floor: minwrap-sdk (minwrap + the SDK, urfave/cli, fsnotify linked, as make build)", []string{b.minwrapSDK, "/bin/true"}, 0, nil},
		// What any awsrun run pays before it can do anything: exec, runtime start, package init.
		{"bare start (--version)", "bare start: awsrun --version (no child)", []string{b.awsrun, "--version"}, 0, nil},
	}
	// The world's XDG_RUNTIME_DIR is in memory, as on a desktop (world.go). Without one, and
	// with TMPDIR set, the private directory is made and removed on the disk's file system.
	cases = append(cases, startupCase{"static --no-session, private dir on disk", "startup overhead, static --no-session, no XDG_RUNTIME_DIR, TMPDIR on disk",
		cases[0].argv, 0, []string{"XDG_RUNTIME_DIR=", "TMPDIR=" + w.home}})
	if _, err := os.Stat(systemCABundle); err == nil {
		// Corporate machines set AWS_CA_BUNDLE; the SDK would parse the whole bundle at load.
		cases = append(cases, startupCase{"static --no-session, AWS_CA_BUNDLE", "startup overhead, static --no-session, AWS_CA_BUNDLE=system bundle",
			cases[0].argv, 0, []string{"AWS_CA_BUNDLE=" + systemCABundle}})
	}
	// Warm-up: page cache, first-run effects, and a check that every command succeeds.
	for _, argv := range [][]string{trueArgv, minwrapArgv, cases[0].argv, cases[1].argv, cases[2].argv} {
		if _, _, err := runOnce(w.env, argv); err != nil {
			return err
		}
	}
	for _, c := range cases {
		var a, bt, mw, rTrue, rMin []float64
		for i := 0; i < *pairs; i++ {
			// Alternate the order inside each triple so neither side always goes first.
			order := []int{0, 1, 2}
			if i%2 == 1 {
				order = []int{2, 1, 0}
			}
			var x [3]float64
			for _, k := range order {
				argv := [][]string{c.argv, trueArgv, minwrapArgv}[k]
				env := w.env
				if k == 0 {
					env = append(env[:len(env):len(env)], c.env...)
				}
				v, err := loop(env, argv)
				if err != nil {
					return err
				}
				x[k] = v
			}
			a, bt, mw = append(a, x[0]), append(bt, x[1]), append(mw, x[2])
			rTrue, rMin = append(rTrue, x[0]/x[1]), append(rMin, x[0]/x[2])
			debugf("%s pair %d: awsrun %.3f true %.3f minwrap %.3f ms/run", c.name, i, x[0], x[1], x[2])
		}
		ma, mb, mm := median(a), median(bt), median(mw)
		over := ma - mb
		mwOver := mm - mb
		lo, hi := minmax(a)
		// Issue 13's targets are over minwrap, the floor of any Go wrapper that forks and waits.
		var met *bool
		target := ""
		if c.target > 0 {
			met = check(ma-mm <= c.target)
			target = fmt.Sprintf("<= %.1f ms over minwrap", c.target)
		}
		r.add(c.figure, fmt.Sprintf("%s (run %s, %.2f-%.2f)", ms(over), ms(ma), lo, hi),
			fmt.Sprintf("/bin/true %s", ms(mb)), fmt.Sprintf("%.2fx /bin/true", median(rTrue)), "", nil)
		r.add("  same, vs minwrap floor", ms(ma-mm)+" over minwrap",
			fmt.Sprintf("minwrap %s (overhead %s)", ms(mm), ms(mwOver)), fmt.Sprintf("%.2fx minwrap", median(rMin)), target, met)
		if c.name == "static --no-session" {
			r.add("  same, vs aws-vault exec --no-session (anchor)", ms(over), fmt.Sprintf("%.1f ms (perf-anchors.md)", awsVaultExecMs),
				fmt.Sprintf("%.2fx", over/awsVaultExecMs), "<= 0.35x", check(over/awsVaultExecMs <= 0.35))
		}
	}
	return benchInit(r, w, b)
}

const systemCABundle = "/etc/ssl/certs/ca-certificates.crt"

// benchInit sums GODEBUG=inittrace=1's per-package init clock for awsrun and minwrap: the part
// of the start that runs before main and that no change inside main can remove.
func benchInit(r *report, w *world, b binaries) error {
	sum := func(argv []string) (float64, int, error) {
		var totals []float64
		n := 0
		for i := 0; i < 9; i++ {
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Env = append(append([]string(nil), w.env...), "GODEBUG=inittrace=1")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				return 0, 0, fmt.Errorf("%v: %v", argv, err)
			}
			t, pk := 0.0, 0
			for _, l := range strings.Split(stderr.String(), "\n") {
				// init github.com/x/y @1.2 ms, 0.05 ms clock, 1024 bytes, 12 allocs
				// f[0] f[1]           f[2] f[3] f[4] f[5] f[6]
				f := strings.Fields(l)
				if len(f) >= 7 && f[0] == "init" && f[6] == "clock," {
					if v, err := strconv.ParseFloat(f[4], 64); err == nil {
						t += v
						pk++
					}
				}
			}
			totals, n = append(totals, t), pk
		}
		return median(totals), n, nil
	}
	a, an, err := sum([]string{b.awsrun, "-p", "static", "--no-session", "--", "/bin/true"})
	if err != nil {
		return err
	}
	m, mn, err := sum([]string{b.minwrap, "/bin/true"})
	if err != nil {
		return err
	}
	r.add("package init before main (inittrace, median of 9)", fmt.Sprintf("%s over %d packages", ms(a), an),
		fmt.Sprintf("minwrap %s over %d", ms(m), mn), fmt.Sprintf("%.2fx", a/m), "-", nil)
	return nil
}

// limitedBuf keeps the first 4 KiB written to it.
type limitedBuf struct{ b []byte }

func (l *limitedBuf) Write(p []byte) (int, error) {
	if room := 4096 - len(l.b); room > 0 {
		if len(p) < room {
			room = len(p)
		}
		l.b = append(l.b, p[:room]...)
	}
	return len(p), nil
}

func (l *limitedBuf) String() string { return string(l.b) }

func benchRSSAndSize(r *report, w *world, b binaries) error {
	const runs = 15
	// A child of this (large) Go process is started with vfork, and on exec Linux records the
	// shared address space's high-water RSS into the child's ru_maxrss: wait4 here would report
	// this process's RSS for any child. GNU time forks from a small process, so its %M is the
	// command's own peak.
	gnuTime := ""
	if out, err := exec.Command("/usr/bin/time", "-f", "%M", "/bin/true").CombinedOutput(); err == nil && strings.TrimSpace(string(out)) != "" {
		gnuTime = "/usr/bin/time"
	} else {
		r.note("peak RSS: GNU time (/usr/bin/time, Debian package time) not found; wait4 Maxrss from this process is an upper bound (includes this process's RSS through vfork)")
	}
	tmpf := filepath.Join(w.home, "maxrss")
	measure := func(argv []string) (float64, error) {
		var xs []float64
		for i := 0; i < runs; i++ {
			if gnuTime != "" {
				if _, _, err := runOnce(w.env, append([]string{gnuTime, "-o", tmpf, "-f", "%M"}, argv...)); err != nil {
					return 0, err
				}
				data, err := os.ReadFile(tmpf)
				if err != nil {
					return 0, err
				}
				f := strings.Fields(string(data))
				if len(f) == 0 {
					return 0, fmt.Errorf("time -f %%M: empty output")
				}
				kib, err := strconv.ParseFloat(f[len(f)-1], 64)
				if err != nil {
					return 0, err
				}
				xs = append(xs, kib*1024)
				continue
			}
			_, ru, err := runOnce(w.env, argv)
			if err != nil {
				return 0, err
			}
			xs = append(xs, float64(ru.Maxrss)*1024) // Linux: KiB
		}
		return median(xs), nil
	}
	floor, err := measure([]string{b.minwrap, "/bin/true"})
	if err != nil {
		return err
	}
	for _, c := range []struct{ name, profile string }{{"static --no-session", "static"}, {"SSO (fake)", "sso"}} {
		argv := []string{b.awsrun, "-p", c.profile, "--", "/bin/true"}
		if c.profile == "static" {
			argv = []string{b.awsrun, "-p", "static", "--no-session", "--", "/bin/true"}
		}
		v, err := measure(argv)
		if err != nil {
			return err
		}
		r.add("peak RSS, awsrun -- /bin/true, "+c.name, mib(v), "minwrap "+mib(floor), fmt.Sprintf("%.2fx", v/floor), "<= 12 MiB", check(v <= 12<<20))
	}
	st, err := os.Stat(b.awsrun)
	if err != nil {
		return err
	}
	fl, err := os.Stat(b.minwrap)
	if err != nil {
		return err
	}
	size := float64(st.Size())
	r.add("binary size, stripped (-trimpath -s -w)", fmt.Sprintf("%s (%d B)", mib(size), st.Size()), "minwrap "+mib(float64(fl.Size())),
		fmt.Sprintf("%.2fx", size/float64(fl.Size())), "<= 12 MiB", check(size <= 12<<20))
	return nil
}
