package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/awsrun/awsrun/creds"
)

// TestLogAndErrorOutputAreScrubbed: the last line of defence. A secret awsrun has served that
// reaches a log record (any attribute, any level) or the error main prints is replaced there.
func TestLogAndErrorOutputAreScrubbed(t *testing.T) {
	c := aws.Credentials{AccessKeyID: "ASIASCRUBCLI00000001", SecretAccessKey: "cli/scrub+secret/000000000000000000000001",
		SessionToken: "cli-scrub-session-token-00000000000000000001"}
	creds.Remember(c)
	leak := "near " + c.SecretAccessKey + " " + c.SessionToken + " " + c.AccessKeyID

	path := filepath.Join(t.TempDir(), "awsrun.log")
	logger, _, closer, err := newLogger(-4, path, os.Stderr) // debug
	if err != nil {
		t.Fatal(err)
	}
	logger.Debug("a record "+leak, "error", errors.New(leak), "group", []string{leak})
	logger.Warn("another", "value", leak)
	closer.Close()
	logText, _ := os.ReadFile(path)

	var stderr bytes.Buffer
	if code := report(&stderr, errors.New("resolve: "+leak)); code != exitUnavailable {
		t.Errorf("exit %d", code)
	}
	report(&stderr, &usageError{err: errors.New("bad --region " + leak)})

	for what, out := range map[string]string{"the log": string(logText), "stderr": stderr.String()} {
		for _, s := range []string{c.SecretAccessKey, c.SessionToken, c.AccessKeyID} {
			if strings.Contains(out, s) {
				t.Errorf("%s holds %.10s...:\n%s", what, s, out)
			}
		}
		if !strings.Contains(out, "near [secret] [token] ASIA...0001") {
			t.Errorf("%s not scrubbed as expected:\n%s", what, out)
		}
	}
}
