//go:build unix

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// benchRotation runs a real AWS client (SDK for JavaScript v3, else boto3) through awsrun in a
// loop against a fake AWS issuing credentials that live *lifetime, until awsrun has rotated
// them *rotations times, and counts the client's failed calls.
func benchRotation(r *report, root, tmp string, b binaries) error {
	name, argv, err := pickClient(root)
	if err != nil {
		return err
	}
	w, err := newWorld(tmp, *lifetime)
	if err != nil {
		return err
	}
	defer w.close()
	stop := filepath.Join(w.home, "stop")
	args := append([]string{b.awsrun, "-p", "sso", "--notify=false", "--"}, argv...)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(append([]string{}, w.env...), "STOP_FILE="+stop, "LOOP_SECONDS=100000", "LOOP_PAUSE_MS=100")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	limit := time.Duration(*rotations+2)*(*lifetime)*3 + time.Minute
	deadline := time.After(limit)
	var exitErr error
	exited := false
wait:
	for {
		if len(w.fake.Issued())-1 >= *rotations {
			break
		}
		select {
		case exitErr = <-done:
			exited = true
			break wait
		case <-deadline:
			break wait
		case <-time.After(100 * time.Millisecond):
		}
	}
	rot := len(w.fake.Issued()) - 1
	elapsed := time.Since(t0)
	if !exited {
		os.WriteFile(stop, nil, 0o600)
		select {
		case exitErr = <-done:
		case <-time.After(60 * time.Second):
			cmd.Process.Kill()
			exitErr = <-done
		}
	}
	text := out.String()
	calls, failures := -1, -1
	if m := regexp.MustCompile(`calls=(\d+) failures=(\d+)`).FindStringSubmatch(text); m != nil {
		fmt.Sscan(m[1], &calls)
		fmt.Sscan(m[2], &failures)
	}
	failLines := strings.Count(text, "FAIL")
	errs := failLines
	if failures > errs {
		errs = failures
	}
	if calls < 0 || exitErr != nil {
		errs++ // the loop did not finish cleanly: count it as an error
		r.note("rotation: client %s ended with %v; last output:\n%s", name, exitErr, tail(text, 1500))
	} else if errs > 0 {
		r.note("rotation: client failures:\n%s", tail(grepLines(text, "FAIL"), 1500))
	}
	if rot < *rotations {
		r.note("rotation: only %d of %d rotations within %s", rot, *rotations, limit)
	}
	r.add(fmt.Sprintf("rotations: %s client, %s creds", name, lifetime.String()),
		fmt.Sprintf("%d errors / %d rotations, %d calls, %s", errs, rot, calls, elapsed.Round(time.Second)), "", "",
		fmt.Sprintf("0 errors over %d rotations (1000 full)", *rotations), check(errs == 0 && rot >= *rotations))
	if *rotations < 1000 {
		r.note("rotation: %d rotations measured (make bench default); the full target is 0 errors over 1,000: run with -rotations 1000 (about %s)",
			*rotations, (time.Duration(1000) * (*lifetime) * 2 / 3).Round(time.Minute))
	}
	return nil
}

func pickClient(root string) (string, []string, error) {
	js := filepath.Join(root, "e2e", "js")
	haveJS := false
	if _, err := exec.LookPath("node"); err == nil {
		if _, err := os.Stat(filepath.Join(js, "node_modules", "@aws-sdk", "client-sts")); err == nil {
			haveJS = true
		}
	}
	haveBoto := exec.Command("python3", "-c", "import boto3").Run() == nil
	switch {
	case (*client == "js" || *client == "auto") && haveJS:
		return "js (SDK v3)", []string{"node", filepath.Join(js, "sts-loop.mjs")}, nil
	case (*client == "boto3" || *client == "auto") && haveBoto:
		return "boto3", []string{"python3", filepath.Join(root, "e2e", "testdata", "boto3-loop.py")}, nil
	}
	return "", nil, fmt.Errorf("no rotation client: need node with e2e/js/node_modules (cd e2e/js && npm ci) or python3 with boto3")
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
