//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// loopGuardLimit stops a recursion the test provokes if awsrun does not: each level of the
// credential_process script counts itself, and past this many it fails instead of recursing.
const loopGuardLimit = 12

// countedAwsrun writes a credential_process script that counts its runs in h/<name>.count and
// runs this test binary as `awsrun ARGS...`; count reads the tally.
func countedAwsrun(t *testing.T, h, name string, args ...string) (script string, count func() int) {
	t.Helper()
	a, _ := json.Marshal(args)
	if strings.Contains(string(a), "'") {
		t.Fatalf("argument with a single quote: %s", a)
	}
	counter := filepath.Join(h, name+".count")
	script = filepath.Join(h, "bin", name)
	if err := os.MkdirAll(filepath.Dir(script), 0o700); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf("#!/bin/sh\nn=$(cat '%s' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '%s'\n"+
		"if [ $n -gt %d ]; then echo 'test guard: stopped the recursion' >&2; exit 3; fi\n"+
		"AWSRUN_TEST_MAIN=1 AWSRUN_TEST_ARGS='%s' exec '%s'\n", counter, counter, loopGuardLimit, a, os.Args[0])
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	return script, func() int {
		b, _ := os.ReadFile(counter)
		n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		return n
	}
}

// runBounded runs awsrun and fails the test if it does not end within the deadline.
func runBounded(t *testing.T, h string, args ...string) result {
	t.Helper()
	done := make(chan result, 1)
	go func() { done <- runAwsrun(t, h, nil, args...) }()
	select {
	case r := <-done:
		return r
	case <-time.After(2 * time.Minute):
		t.Fatal("awsrun did not end")
	}
	return result{}
}

// TestRecursionGuardProfileWithComma: a profile whose name holds the chain's separator is still
// found in the chain.
func TestRecursionGuardProfileWithComma(t *testing.T) {
	h := home(t, "")
	script, count := countedAwsrun(t, h, "loop", "export", "--profile", "a,b", "--format", "credential-process")
	writeConfig(t, h, "[profile a,b]\ncredential_process = "+script+"\n")
	r := runBounded(t, h, "export", "-p", "a,b")
	if r.code == 0 || r.stdout != "" {
		t.Errorf("exit %d stdout %q", r.code, r.stdout)
	}
	if !strings.Contains(r.stderr, "would never end") || !strings.Contains(r.stderr, `"a,b" -> "a,b"`) {
		t.Errorf("stderr does not name the loop:\n%s", r.stderr)
	}
	if n := count(); n != 1 {
		t.Errorf("the credential_process ran %d times, want 1", n)
	}
}

// TestRecursionGuardRunMode: `awsrun -p x -- ...` as the credential_process of profile x.
func TestRecursionGuardRunMode(t *testing.T) {
	h := home(t, "")
	script, count := countedAwsrun(t, h, "loop", "-p", "x", "--", os.Args[0], "__credproc__")
	writeConfig(t, h, "[profile x]\ncredential_process = "+script+"\n")
	r := runBounded(t, h, "-p", "x", "--", "true")
	if r.code == 0 {
		t.Errorf("exit 0")
	}
	if !strings.Contains(r.stderr, "would never end") || !strings.Contains(r.stderr, `"x" -> "x"`) {
		t.Errorf("stderr does not name the loop:\n%s", r.stderr)
	}
	if n := count(); n != 1 {
		t.Errorf("the credential_process ran %d times, want 1", n)
	}
}

// TestRecursionGuardDepth: profiles p1..p10, each resolving through awsrun export for the next
// (p10 is a plain credential_process): 8 nested resolutions work, a 9th is refused.
func TestRecursionGuardDepth(t *testing.T) {
	h := home(t, "")
	var cfg strings.Builder
	for i := 1; i < 10; i++ {
		script, _ := countedAwsrun(t, h, fmt.Sprintf("p%d", i), "export", "--profile", fmt.Sprintf("p%d", i+1), "--format", "credential-process")
		fmt.Fprintf(&cfg, "[profile p%d]\ncredential_process = %s\n", i, script)
	}
	fmt.Fprintf(&cfg, "[profile p10]\ncredential_process = %s __credproc__\n", os.Args[0])
	writeConfig(t, h, cfg.String())
	if r := runBounded(t, h, "export", "-p", "p3"); r.code != 0 || !strings.Contains(r.stdout, "AWS_ACCESS_KEY_ID") {
		t.Errorf("8 nested resolutions (p3..p10): exit %d\n%s", r.code, r.stderr)
	}
	r := runBounded(t, h, "export", "-p", "p1")
	if r.code == 0 || r.stdout != "" {
		t.Errorf("9 nested resolutions (p1..p10): exit %d stdout %q", r.code, r.stdout)
	}
	if !strings.Contains(r.stderr, "nested more than 8 deep") || !strings.Contains(r.stderr, `"p1" -> "p2" -> "p3" -> "p4" -> "p5" -> "p6" -> "p7" -> "p8" -> "p9"`) {
		t.Errorf("stderr does not name the chain:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "exit status 78") {
		t.Errorf("the refusing awsrun did not exit 78:\n%s", r.stderr)
	}
}

func writeConfig(t *testing.T, h, config string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(h, ".aws", "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
}
