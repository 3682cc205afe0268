// Command demo shows the problem awsrun solves and the fix, in about a minute and without an AWS
// account: against the project's fake AWS issuing credentials that live seconds instead of an
// hour, a real AWS client (the AWS CLI, once a second in a shell loop) keeps working across
// rotations under awsrun, and fails with ExpiredToken when it is handed the same kind of
// credentials as environment variables.
//
//	go run ./internal/demo -awsrun bin/awsrun [-lifetime 20s] [-duration 60s]
//
// It exits 0 when the loop under awsrun had no failure and the loop without it saw ExpiredToken,
// 1 when either expectation failed, 2 when it could not run, 130 when interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// config is what the flags set; tempRoot is where the throwaway HOME goes ("" for the system's
// temp dir), so the test can check it is removed.
type config struct {
	awsrun   string
	lifetime time.Duration
	duration time.Duration
	tempRoot string
}

// errFailed means the demo ran but did not show what it promises.
var errFailed = errors.New("the demo did not show the expected behaviour")

func main() {
	cfg := config{}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.StringVar(&cfg.awsrun, "awsrun", "bin/awsrun", "the awsrun binary to demonstrate")
	fs.DurationVar(&cfg.lifetime, "lifetime", 20*time.Second, "how long the fake AWS's credentials live (AWS: typically 1h)")
	fs.DurationVar(&cfg.duration, "duration", 60*time.Second, "how long the loop runs under awsrun")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: go run ./internal/demo -awsrun bin/awsrun [-lifetime 20s] [-duration 60s]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "demo: unexpected argument %q\n", fs.Arg(0))
		os.Exit(2)
	}

	// Ctrl+C cancels ctx; run then stops its children and removes the temp HOME before returning.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, cfg, os.Stdout)
	stop()
	os.Exit(exitCode(err))
}

func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(os.Stderr, "demo: interrupted; children stopped, temp HOME removed")
		return 130
	case errors.Is(err, errFailed):
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 1
	default:
		fmt.Fprintln(os.Stderr, "demo:", err)
		return 2
	}
}

// run is the whole demo: the fake world, part 1 with awsrun, part 2 without, and the verdict.
func run(ctx context.Context, cfg config, stdout io.Writer) (err error) {
	if cfg.lifetime < 3*time.Second {
		return fmt.Errorf("-lifetime %s is too short: use 3s or more", cfg.lifetime)
	}
	if cfg.duration <= 0 {
		return fmt.Errorf("-duration must be positive")
	}
	bin, err := findAWSRun(cfg.awsrun)
	if err != nil {
		return err
	}
	if _, err := lookPathAWS(); err != nil {
		return err
	}

	o := &output{w: stdout}
	w, err := newWorld(cfg.tempRoot, cfg.lifetime)
	if err != nil {
		return err
	}
	defer w.close()

	renewEvery := cfg.lifetime - min(20*time.Minute, cfg.lifetime/3)
	o.printf("awsrun demo: the one-hour expiry problem, and the fix (fake AWS on 127.0.0.1, no account needed)\n\n")
	o.printf("  AWS credentials from SSO or assume-role expire, typically after an hour: a long-running program\n")
	o.printf("  started with them then fails with ExpiredToken. awsrun serves them and renews them before expiry.\n\n")
	o.printf("  Here they live %s (fake AWS at %s), so awsrun renews them about every %s\n",
		seconds(cfg.lifetime), w.fake.URL(), seconds(renewEvery))
	o.printf("  (at expiry - min(20m, lifetime/3)). The program is the real AWS CLI, `aws sts get-caller-identity`\n")
	o.printf("  in a shell loop, at most once a second. Columns: seconds since the part began, the key the\n")
	o.printf("  fake AWS saw sign the call, how long that key had left, and the result.\n")

	d := &demo{o: o, w: w}
	if ctx.Err() != nil {
		return ctx.Err()
	}

	// Part 1: with awsrun.
	o.printf("\nPart 1, with awsrun, for %s:\n", seconds(cfg.duration))
	o.printf("  $ awsrun -p %s -- sh -c 'while read -r _; do aws sts get-caller-identity ...; done'\n\n", profileName)
	failsBefore := w.fake.Errors("ExpiredToken")
	logFile := w.path("awsrun.log")
	p1 := part{
		name:  "with awsrun",
		argv:  []string{bin, "-p", profileName, "--log-level", "info", "--log-file", logFile, "--", "sh", "-c", loopScript},
		env:   w.env,
		until: time.Now().Add(cfg.duration),
	}
	t1, err := d.runPart(ctx, p1)
	if err != nil {
		return err
	}
	expiredWithAWSRun := w.fake.Errors("ExpiredToken") - failsBefore
	o.printf("\n  with awsrun: %d calls, %d rotations, %d failures\n", t1.calls, t1.rotations, t1.failures)
	ok1 := t1.calls > 0 && t1.failures == 0 && t1.problem == "" && expiredWithAWSRun == 0
	if t1.problem != "" {
		o.printf("  problem: %s\n", t1.problem)
	}
	if expiredWithAWSRun > 0 {
		o.printf("  problem: the fake AWS answered ExpiredToken %d times\n", expiredWithAWSRun)
	}
	if !ok1 {
		d.showLog(logFile)
	}

	// Part 2: without awsrun, the same loop with one set of credentials as env vars.
	first, err := d.pasteCredentials(ctx)
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	extra := cfg.lifetime / 4
	extra = min(max(extra, 4*time.Second), 10*time.Second)
	o.printf("\nPart 2, without awsrun, until %s after the credentials expire:\n", seconds(extra))
	o.printf("  the same loop, given one set of credentials as environment variables, the way they are\n")
	o.printf("  usually pasted (from `aws sso get-role-credentials` or the SSO portal): key %s, valid %s\n",
		redact(first.AccessKeyID), seconds(time.Until(first.Expiration).Round(time.Second)))
	o.printf("  $ AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=... AWS_SESSION_TOKEN=... \\\n", redact(first.AccessKeyID))
	o.printf("      sh -c 'while read -r _; do aws sts get-caller-identity ...; done'\n\n")
	p2 := part{
		name: "without awsrun",
		argv: []string{"sh", "-c", loopScript},
		env: append(append([]string{}, w.env...),
			"AWS_ACCESS_KEY_ID="+first.AccessKeyID,
			"AWS_SECRET_ACCESS_KEY="+first.SecretAccessKey,
			"AWS_SESSION_TOKEN="+first.SessionToken,
			"AWS_REGION="+region, "AWS_DEFAULT_REGION="+region),
		until: first.Expiration.Add(extra),
		// Should every call have been slower than extra, one more shows the expiry.
		more: func(t *tally) bool { return t.expired == 0 },
		// The loop is expected to fail; its exit status says nothing.
		ignoreStatus: true,
	}
	t2, err := d.runPart(ctx, p2)
	if err != nil {
		return err
	}
	o.printf("\n  without awsrun: %d calls, %d failures, %d of them ExpiredToken\n", t2.calls, t2.failures, t2.expired)
	if t2.problem != "" {
		o.printf("  problem: %s\n", t2.problem)
	}
	ok2 := t2.expired > 0

	o.printf("\nResult: ")
	switch {
	case ok1 && ok2:
		o.printf("PASS: with awsrun the loop never failed across %d rotations; without it, ExpiredToken.\n", t1.rotations)
		return nil
	case !ok1:
		o.printf("FAIL: the loop under awsrun did not run cleanly (%d failures", t1.failures)
		if t1.problem != "" {
			o.printf("; %s", t1.problem)
		}
		o.printf(")\n")
	default:
		o.printf("FAIL: the loop without awsrun never saw ExpiredToken\n")
	}
	return errFailed
}

// seconds shows a duration the way the demo talks about them: "60s", "13.3s".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Round(100*time.Millisecond).Seconds(), 'f', -1, 64) + "s"
}
