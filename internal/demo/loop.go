package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
)

// loopScript is the child: a shell that runs a fresh AWS CLI process for every line the demo
// writes to its stdin and prints one result line per call, until stdin closes. The demo paces
// it (one call a second) and waits for each result before the next call, so it can tell from
// the fake's records exactly which key signed which call.
const loopScript = `while read -r _; do
  if out=$(aws sts get-caller-identity --output text --query Arn 2>&1 </dev/null); then
    echo "ok $out"
  else
    echo "FAILED $(printf '%s' "$out" | tr '\n' ' ')"
  fi
done`

const (
	// callTimeout bounds one AWS CLI call, so a hung child cannot hang the demo.
	callTimeout = 60 * time.Second
	// exitTimeout is how long a loop may take to exit once its stdin closes or it is told to
	// stop, before its process group is killed.
	exitTimeout = 10 * time.Second
)

// demo carries what both parts share: the output, the fake, and how far its request record has
// been read.
type demo struct {
	o    *output
	w    *world
	seen int // requests of the fake already attributed to a call
}

// part is one run of the loop.
type part struct {
	name string
	argv []string
	env  []string
	// until is when the last call may start; the loop then gets EOF on stdin.
	until time.Time
	// more, when set, keeps the loop going past until (up to until+callTimeout) while it
	// reports true, so a slow machine still gets the call the part is about.
	more func(*tally) bool
	// ignoreStatus: the child's exit status does not count (the loop without awsrun fails).
	ignoreStatus bool
}

// tally is what a part saw.
type tally struct {
	calls, rotations, failures, expired int
	// problem is set when the part did not run as planned (child ended early, call hung,
	// non-zero exit), in words for the summary.
	problem string
	lastKey string
}

// runPart runs the loop, paces and reports its calls until p.until, then ends it. It returns an
// error only for ctx (Ctrl+C) or when the child cannot start; everything else is in the tally.
func (d *demo) runPart(ctx context.Context, p part) (tally, error) {
	var t tally
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Env = p.env
	cmd.Dir = d.w.home
	cmd.Stderr = &prefixWriter{o: d.o, prefix: "        | "}
	cmd.WaitDelay = 3 * time.Second
	setProcessGroup(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return t, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return t, err
	}
	cmd.Stdout = outW
	if err := cmd.Start(); err != nil {
		outR.Close()
		outW.Close()
		return t, fmt.Errorf("start %s: %w", p.argv[0], err)
	}
	outW.Close()

	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		defer outR.Close()
		sc := bufio.NewScanner(outR)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	done := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(done)
	}()

	start := time.Now()
	runErr := d.drive(ctx, p, &t, start, stdin, lines)
	stdin.Close()
	if runErr != nil {
		stopGroup(cmd, done)
		return t, runErr
	}
	select {
	case <-done:
	case <-time.After(exitTimeout):
		t.problem = join(t.problem, fmt.Sprintf("the loop did not exit within %s of its last call", exitTimeout))
		stopGroup(cmd, done)
	case <-ctx.Done():
		stopGroup(cmd, done)
		return t, ctx.Err()
	}
	// Whatever the loop printed after the last result (it should print nothing).
	for line := range lines {
		d.o.printf("        | %s\n", line)
	}
	if waitErr != nil && !p.ignoreStatus {
		t.problem = join(t.problem, fmt.Sprintf("%s ended with %v", p.name, waitErr))
	}
	return t, nil
}

// drive starts one call a second until p.until and reports each result as it arrives.
func (d *demo) drive(ctx context.Context, p part, t *tally, start time.Time, stdin io.Writer, lines <-chan string) error {
	next := start
	over := func(at time.Time) bool {
		if p.more != nil && p.more(t) && at.Before(p.until.Add(callTimeout)) {
			return false
		}
		return !at.Before(p.until)
	}
	for n := 1; ; n++ {
		if wait := time.Until(next); wait > 0 {
			if over(next) {
				return nil
			}
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				return ctx.Err()
			case <-timer.C:
			}
		}
		callAt := time.Now()
		if over(callAt) {
			return nil
		}
		next = callAt.Add(time.Second)
		if _, err := io.WriteString(stdin, "go\n"); err != nil {
			t.problem = join(t.problem, "the loop ended before its time was up")
			return nil
		}
		deadline := time.NewTimer(callTimeout)
	wait:
		for {
			select {
			case <-ctx.Done():
				deadline.Stop()
				return ctx.Err()
			case <-deadline.C:
				t.problem = join(t.problem, fmt.Sprintf("call %d did not finish within %s", n, callTimeout))
				return nil
			case line, ok := <-lines:
				if !ok {
					deadline.Stop()
					t.problem = join(t.problem, "the loop ended before its time was up")
					return nil
				}
				if !strings.HasPrefix(line, "ok ") && !strings.HasPrefix(line, "FAILED ") {
					d.o.printf("        | %s\n", line)
					continue
				}
				deadline.Stop()
				d.report(t, n, start, callAt, line)
				break wait
			}
		}
	}
}

// report prints one call, attributed through the fake's records: the loop waits for the next
// "go" before calling again, so every GetCallerIdentity request since the last report belongs to
// this call (the last one is the answer it got, should the CLI have retried). The time shown is
// when the fake AWS received the request (a fresh CLI process takes a moment to get there), or
// when the call started if it never did.
func (d *demo) report(t *tally, n int, start, callAt time.Time, line string) {
	at := callAt.Sub(start)
	reqs := d.w.fake.Requests()
	var req *fakeaws.Request
	for i := d.seen; i < len(reqs); i++ {
		if reqs[i].Op == "GetCallerIdentity" {
			req = &reqs[i]
		}
	}
	d.seen = len(reqs)
	issued := map[string]fakeaws.Credential{}
	for _, c := range d.w.fake.Issued() {
		issued[c.AccessKeyID] = c
	}

	ok := strings.HasPrefix(line, "ok ")
	t.calls++
	key, left := "-", "-"
	if req != nil {
		at = req.Time.Sub(start)
		key = redact(req.AccessKeyID)
		if c, found := issued[req.AccessKeyID]; found {
			left = describeLeft(c.Expiration.Sub(req.Time))
		}
		if t.lastKey != "" && req.AccessKeyID != t.lastKey {
			t.rotations++
			note := ""
			old, found := issued[t.lastKey]
			if at, known := d.issuedAt()[req.AccessKeyID]; found && known {
				note = fmt.Sprintf("  (renewed %.1fs before the old key expired)", old.Expiration.Sub(at).Seconds())
			}
			d.o.printf("          rotated: %s -> %s%s\n", redact(t.lastKey), key, note)
		}
		t.lastKey = req.AccessKeyID
	}
	result := "ok"
	if !ok {
		t.failures++
		code, msg := parseCLIError(strings.TrimPrefix(line, "FAILED "))
		if code == "ExpiredToken" {
			t.expired++
		}
		result = "FAILED  " + msg
		if code != "" {
			result = "FAILED  " + code + ": " + msg
		}
	}
	d.o.printf("  %5.1fs  call %2d  %-11s  %-17s  %s\n", at.Seconds(), n, key, left, result)
}

// issuedAt maps each key issued through the SSO portal to when it was issued: the time of the
// successful GetRoleCredentials request that minted it (the fake handles them one at a time and
// records both in order).
func (d *demo) issuedAt() map[string]time.Time {
	var times []time.Time
	for _, r := range d.w.fake.Requests() {
		if r.Op == "GetRoleCredentials" && r.Code == "" {
			times = append(times, r.Time)
		}
	}
	var keys []string
	for _, c := range d.w.fake.Issued() {
		if c.Op == "GetRoleCredentials" {
			keys = append(keys, c.AccessKeyID)
		}
	}
	m := map[string]time.Time{}
	if len(keys) != len(times) {
		return m
	}
	for i, k := range keys {
		m[k] = times[i]
	}
	return m
}

// describeLeft is a credential's remaining life at the moment the fake AWS received a call.
func describeLeft(d time.Duration) string {
	if d > 0 {
		return fmt.Sprintf("%.1fs left", math.Floor(d.Seconds()*10)/10)
	}
	return fmt.Sprintf("expired %.1fs ago", math.Ceil(float64(-d)/float64(100*time.Millisecond))/10)
}

var cliErrorPattern = regexp.MustCompile(`An error occurred \(([^)]+)\)[^:]*: (.*)`)

// parseCLIError picks the AWS error code and message out of the CLI's error output.
func parseCLIError(out string) (code, msg string) {
	out = strings.TrimSpace(out)
	if m := cliErrorPattern.FindStringSubmatch(out); m != nil {
		return m[1], strings.TrimSpace(m[2])
	}
	if len(out) > 120 {
		out = out[:117] + "..."
	}
	return "", out
}

// pasteCredentials gets one set of role credentials the way a user would copy them from the
// SSO portal, with the real AWS CLI against the fake, and returns the fake's record of them.
func (d *demo) pasteCredentials(parent context.Context) (fakeaws.Credential, error) {
	ctx, cancel := context.WithTimeout(parent, callTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", "sso", "get-role-credentials",
		"--role-name", roleName, "--account-id", accountID, "--access-token", ssoToken,
		"--region", region, "--output", "text", "--query", "roleCredentials.accessKeyId")
	cmd.Env = d.w.env
	cmd.Dir = d.w.home
	cmd.WaitDelay = 3 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if parent.Err() != nil {
			return fakeaws.Credential{}, parent.Err()
		}
		_, msg := parseCLIError(out.String())
		return fakeaws.Credential{}, fmt.Errorf("aws sso get-role-credentials: %v: %s", err, msg)
	}
	key := strings.TrimSpace(out.String())
	for _, c := range d.w.fake.Issued() {
		if c.AccessKeyID == key {
			return c, nil
		}
	}
	return fakeaws.Credential{}, fmt.Errorf("aws sso get-role-credentials returned a key the fake AWS never issued (%s)", redact(key))
}

// showLog prints the end of awsrun's log after a failure; it holds no key material.
func (d *demo) showLog(path string) {
	data, err := os.ReadFile(path)
	if err != nil || len(data) == 0 {
		return
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	d.o.printf("  the end of awsrun's log:\n")
	for _, l := range lines {
		d.o.printf("    log| %s\n", l)
	}
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// output serialises lines from the demo and from the children's stderr.
type output struct {
	mu sync.Mutex
	w  io.Writer
}

func (o *output) printf(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	fmt.Fprintf(o.w, format, args...)
}

// prefixWriter prints a child's stderr line by line, indented under the call lines.
type prefixWriter struct {
	o      *output
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		p.o.printf("%s%s\n", p.prefix, p.buf[:i])
		p.buf = p.buf[i+1:]
	}
	return len(b), nil
}
