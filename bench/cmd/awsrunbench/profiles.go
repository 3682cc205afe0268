//go:build unix

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
)

// The profiles section (issue 14): a child of `awsrun -p sso` uses another profile, role (an
// assume-role profile on the fake), which the parent serves over its socket.
const (
	exportCalls   = 30
	cliCalls      = 10
	extraProfiles = 200
)

func benchProfiles(r *report, tmp string, b binaries) error {
	w, err := newWorldWith(tmp, time.Hour, fakeaws.WorldOptions{}) // base, static and role
	if err != nil {
		return err
	}
	defer w.close()
	childEnv, stop, err := startChildEnv(w, b.awsrun, "-p", "sso")
	if err != nil {
		return err
	}
	defer stop()
	if err := benchChildExport(r, w, b, childEnv); err != nil {
		return err
	}
	if err := benchChildCLI(r, childEnv); err != nil {
		r.note("profiles: aws --profile in the child: could not measure: %v", err)
	}
	return benchManyProfiles(r, tmp, b)
}

// newWorldWith is newWorld with the caller's profiles (o's keys and SSO login are the bench's).
func newWorldWith(parent string, lifetime time.Duration, o fakeaws.WorldOptions) (*world, error) {
	fake := fakeaws.New(fakeaws.Options{Lifetime: lifetime})
	if err := fake.Start(); err != nil {
		return nil, err
	}
	home, err := os.MkdirTemp(parent, "home-")
	if err != nil {
		fake.Close()
		return nil, err
	}
	o.AccessKeyID, o.SecretAccessKey, o.SSOToken, o.StartURL = userKey, userSecret, ssoToken, startURL
	staged, err := fakeaws.StageWorld(home, fake, o)
	if err != nil {
		fake.Close()
		return nil, err
	}
	// A desktop's XDG_RUNTIME_DIR (/run/user/UID) is in memory; so is this one when /dev/shm is
	// there. awsrun's private directory and registry go in it.
	run, err := os.MkdirTemp("/dev/shm", "awsrunbench-")
	if err != nil {
		run = filepath.Join(home, "run")
		err = os.Mkdir(run, 0o700)
	}
	if err != nil {
		fake.Close()
		return nil, err
	}
	return &world{fake: fake, home: home, run: run, env: append(staged.Env, "XDG_RUNTIME_DIR="+run)}, nil
}

// startChildEnv starts awsrun with a sleeping child that first writes its whole environment
// (AWSRUN_SOCKET, AWS_CONFIG_FILE, the endpoint, ...) to a file, and returns that environment:
// commands run with it reach the parent exactly as the child's own would.
func startChildEnv(w *world, awsrun string, args ...string) ([]string, func(), error) {
	publishSeq++
	file := filepath.Join(w.home, fmt.Sprintf("child-env-%d", publishSeq))
	argv := append(append([]string{awsrun}, args...), "--notify=false", "--", "sh", "-c",
		`env -0 > "$0.tmp" && mv "$0.tmp" "$0" && exec sleep 3600`, file)
	s := &server{done: make(chan struct{})}
	s.cmd = exec.Command(argv[0], argv[1:]...)
	s.cmd.Env = w.env
	s.cmd.Stderr = &s.stderr
	if err := s.cmd.Start(); err != nil {
		return nil, nil, err
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(file); err == nil {
			var env []string
			for _, kv := range bytes.Split(data, []byte{0}) {
				if len(kv) > 0 {
					env = append(env, string(kv))
				}
			}
			return env, s.stop, nil
		}
		select {
		case <-s.done:
			return nil, nil, fmt.Errorf("%v exited before its child wrote its environment: %s", argv, s.stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	s.stop()
	return nil, nil, fmt.Errorf("%v: the child did not write its environment in 30s", argv)
}

// output runs argv with env and returns its stdout (stderr in the error).
func output(env, argv []string) (string, time.Duration, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	var stdout bytes.Buffer
	var stderr limitedBuf
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	d := time.Since(t0)
	if err != nil {
		return "", d, fmt.Errorf("%v: %v: %s", argv, err, stderr.String())
	}
	return stdout.String(), d, nil
}

// timeCalls runs argv once to warm up (its output must contain want), then n times; ms per call.
func timeCalls(env, argv []string, want string, n int) ([]float64, error) {
	out, _, err := output(env, argv)
	if err != nil {
		return nil, err
	}
	if !strings.Contains(out, want) {
		return nil, fmt.Errorf("%v: output lacks %q", argv, want)
	}
	var xs []float64
	for i := 0; i < n; i++ {
		_, d, err := output(env, argv)
		if err != nil {
			return nil, err
		}
		xs = append(xs, msDur(d))
	}
	return xs, nil
}

func spread(xs []float64) string {
	lo, hi := minmax(xs)
	return fmt.Sprintf("%s (%.2f-%.2f, n=%d)", ms(median(xs)), lo, hi, len(xs))
}

// benchChildExport times what a child's SDK runs as role's credential_process.
func benchChildExport(r *report, w *world, b binaries, childEnv []string) error {
	xs, err := timeCalls(childEnv, []string{b.awsrun, "export", "--profile", "role", "--format", "credential-process"}, `"AccessKeyId"`, exportCalls)
	if err != nil {
		return err
	}
	if n := w.fake.Calls("AssumeRole"); n != 1 {
		r.note("profiles: %d AssumeRole calls for %d exports of role (the parent caches it: want 1)", n, exportCalls+1)
	}
	ref, refRatio := "aws configure export-credentials: n/a (no AWS CLI v2 at /usr/bin/aws)", ""
	const cliV2 = "/usr/bin/aws"
	if v, err := exec.Command(cliV2, "--version").Output(); err == nil && strings.HasPrefix(string(v), "aws-cli/2") {
		// The user's real files, no awsrun. Profile static (keys in ~/.aws/credentials, no
		// network): Debian's CLI v2 (2.9) ignores AWS_ENDPOINT_URL_STS and cannot be pointed at
		// the fake for role, so this is the CLI's own cost, a floor for what it takes for role.
		ys, err := timeCalls(w.env, []string{cliV2, "configure", "export-credentials", "--profile", "static", "--format", "process"}, `"AccessKeyId"`, cliCalls)
		if err != nil {
			r.note("profiles: aws configure export-credentials: %v", err)
		} else {
			ref = "aws configure export-credentials --profile static (" + strings.Fields(string(v))[0] + ") " + spread(ys)
			refRatio = fmt.Sprintf("%.3fx", median(xs)/median(ys))
		}
	}
	r.add("awsrun export --profile role --format credential-process in a child of awsrun -p sso (parent serves it)",
		spread(xs), ref, refRatio, "median <= 10 ms", check(median(xs) <= 10))
	return nil
}

// benchChildCLI: the AWS CLI on PATH in the child, --profile role (credential_process, served
// by the parent) next to static keys in the environment, alternated.
func benchChildCLI(r *report, childEnv []string) error {
	aws, err := exec.LookPath("aws")
	if err != nil {
		return err
	}
	v, _ := exec.Command(aws, "--version").CombinedOutput()
	which := strings.Fields(string(v) + " ?")[0]
	var keysEnv []string
	for _, kv := range childEnv {
		if !strings.HasPrefix(kv, "AWS_PROFILE=") && !strings.HasPrefix(kv, "AWS_DEFAULT_PROFILE=") {
			keysEnv = append(keysEnv, kv)
		}
	}
	keysEnv = append(keysEnv, "AWS_ACCESS_KEY_ID="+userKey, "AWS_SECRET_ACCESS_KEY="+userSecret)
	prof := []string{aws, "--profile", "role", "sts", "get-caller-identity", "--output", "json"}
	keys := []string{aws, "sts", "get-caller-identity", "--output", "json"}
	if _, err := timeCalls(childEnv, prof, "assumed-role/Deployer", 0); err != nil {
		return err
	}
	if _, err := timeCalls(keysEnv, keys, "user/", 0); err != nil {
		return err
	}
	var a, k []float64
	for i := 0; i < cliCalls; i++ {
		for j := 0; j < 2; j++ {
			if (i+j)%2 == 0 {
				_, d, err := output(childEnv, prof)
				if err != nil {
					return err
				}
				a = append(a, msDur(d))
			} else {
				_, d, err := output(keysEnv, keys)
				if err != nil {
					return err
				}
				k = append(k, msDur(d))
			}
		}
	}
	var ratios, diffs []float64
	for i := range a {
		ratios, diffs = append(ratios, a[i]/k[i]), append(diffs, a[i]-k[i])
	}
	r.add(fmt.Sprintf("aws --profile role sts get-caller-identity in the child (%s on PATH)", which), spread(a),
		"static keys in env "+spread(k), fmt.Sprintf("%.2fx (%+.2f ms paired)", median(ratios), median(diffs)), "", nil)
	return nil
}

// benchManyProfiles: awsrun's start with 200 more profiles in ~/.aws/config (each becomes a
// section of the child's config) next to the usual ones, alternated pairs of loops.
func benchManyProfiles(r *report, tmp string, b binaries) error {
	var extra strings.Builder
	for i := 0; i < extraProfiles; i++ {
		fmt.Fprintf(&extra, "\n[profile p%03d]\nrole_arn = arn:aws:iam::123456789012:role/Deployer\nsource_profile = base\nregion = eu-west-%d\n", i, 1+i%3)
	}
	plain, err := newWorldWith(tmp, time.Hour, fakeaws.WorldOptions{})
	if err != nil {
		return err
	}
	defer plain.close()
	many, err := newWorldWith(tmp, time.Hour, fakeaws.WorldOptions{ExtraConfig: extra.String()})
	if err != nil {
		return err
	}
	defer many.close()
	argv := []string{b.awsrun, "-p", "static", "--no-session", "--", "/bin/true"}
	for _, w := range []*world{plain, many} {
		if _, _, err := runOnce(w.env, argv); err != nil {
			return err
		}
	}
	var p, m, diff []float64
	for i := 0; i < *pairs; i++ {
		var x [2]float64
		for _, j := range [][]int{{0, 1}, {1, 0}}[i%2] {
			v, err := loop([]*world{plain, many}[j].env, argv)
			if err != nil {
				return err
			}
			x[j] = v
		}
		p, m, diff = append(p, x[0]), append(m, x[1]), append(diff, x[1]-x[0])
		debugf("profiles start pair %d: usual %.3f, +200 %.3f ms/run", i, x[0], x[1])
	}
	r.add(fmt.Sprintf("start-up, awsrun -p static --no-session -- /bin/true, %d more profiles in ~/.aws/config", extraProfiles),
		spread(m), "usual profiles "+spread(p), fmt.Sprintf("+%s (median paired difference)", ms(median(diff))), "", nil)
	return nil
}
