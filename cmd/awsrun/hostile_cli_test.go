//go:build unix

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// hostileProfile does something when pasted into a shell unquoted.
const hostileProfile = "dev&&touch${IFS}pwned"

const hostileConfig = "[profile " + hostileProfile + "]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\n[sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n"

// TestLoginAutoPassesHostileNameAsOneArgument: --login auto runs the login command itself; it
// must hand the profile name over as one argv element, never through a shell.
func TestLoginAutoPassesHostileNameAsOneArgument(t *testing.T) {
	h := home(t, hostileConfig)
	bin, cwd := filepath.Join(h, "bin"), t.TempDir()
	record := filepath.Join(h, "aws-args")
	if err := os.MkdirAll(bin, 0o700); err != nil {
		t.Fatal(err)
	}
	fake := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done > \"$AWSRUN_TEST_RECORD\"\n"
	if err := os.WriteFile(filepath.Join(bin, "aws"), []byte(fake), 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := awsrunCmd(t, h, []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "AWSRUN_TEST_RECORD=" + record},
		"-p", hostileProfile, "--login", "auto", "--notify=false", "--", "true")
	cmd.Dir = cwd
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != exitNoPerm {
		t.Errorf("exit %d (%v), want %d (the fake login leaves no token); stderr:\n%s", code, err, exitNoPerm, stderr.String())
	}
	got, err := os.ReadFile(record)
	if err != nil {
		t.Fatalf("the login command did not run: %v; stderr:\n%s", err, stderr.String())
	}
	args := strings.Split(strings.TrimSuffix(string(got), "\x00"), "\x00")
	if want := []string{"sso", "login", "--profile", hostileProfile}; !slices.Equal(args, want) {
		t.Errorf("the login command got %q, want %q", args, want)
	}
	for _, dir := range []string{cwd, h} {
		if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
			t.Errorf("%s/pwned was created", dir)
		}
	}
	if !strings.Contains(stderr.String(), "try: aws sso login --profile '"+hostileProfile+"'") {
		t.Errorf("the try: line does not quote the profile:\n%s", stderr.String())
	}
}
