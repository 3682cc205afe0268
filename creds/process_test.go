//go:build unix

package creds

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProcessEnvReachesCredentialProcess: with ProcessEnv, the credential_process at the root
// of a profile's chain (its own, or its source_profile's) runs with those variables in place of
// awsrun's own, and the roles on top are assumed from what it printed, with the duration the
// SDK would ask for; the process's failure is described as before.
func TestProcessEnvReachesCredentialProcess(t *testing.T) {
	dir := t.TempDir()
	seen := filepath.Join(dir, "seen")
	script := filepath.Join(dir, "proc")
	body := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$AWSRUN_RESOLVE_CHAIN\" >> '%s'\n"+
		"[ \"$1\" = fail ] && exit 3\n"+
		`printf '{"Version":1,"AccessKeyId":"%s","SecretAccessKey":"%s"}'`+"\n", seen, mfaUser, mfaSecret)
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	fake, files, cp, kp := mfaWorld(t, fmt.Sprintf(`[profile proc]
credential_process = %[1]s
[profile role]
role_arn = arn:aws:iam::123456789012:role/Deployer
source_profile = proc
duration_seconds = 7200
[profile procrole]
credential_process = %[1]s
role_arn = arn:aws:iam::123456789012:role/Admin
[profile broken]
credential_process = %[1]s fail
`, script))
	t.Setenv("AWSRUN_RESOLVE_CHAIN", "process-wide")
	for _, tc := range []struct {
		profile, arn string
		duration     time.Duration
	}{
		{"proc", "", 0},
		{"role", "role/Deployer", 2 * time.Hour},
		{"procrole", "role/Admin", time.Hour},
	} {
		os.Remove(seen)
		src, err := Open(context.Background(), files, Options{Profile: tc.profile, ConfigFile: cp, CredentialsFile: kp,
			NoSession: true, ProcessEnv: []string{"AWSRUN_RESOLVE_CHAIN=own," + tc.profile}})
		if err != nil {
			t.Fatalf("%s: %v", tc.profile, err)
		}
		c, err := src.Retrieve(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", tc.profile, err)
		}
		if b, _ := os.ReadFile(seen); string(b) != "own,"+tc.profile+"\n" {
			t.Errorf("%s: the credential_process saw the chain %q", tc.profile, b)
		}
		if tc.arn == "" {
			if c.AccessKeyID != mfaUser {
				t.Errorf("%s: got %s, want the process's key", tc.profile, c.AccessKeyID)
			}
			continue
		}
		var issued bool
		for _, i := range fake.Issued() {
			if i.AccessKeyID == c.AccessKeyID {
				issued = true
				if i.Op != "AssumeRole" || !strings.Contains(i.ARN, tc.arn) || i.CallerKeyID != mfaUser || i.RequestedDuration != tc.duration {
					t.Errorf("%s: issued %v by %s for %s, want %s assumed from the process's key for %s", tc.profile, i, i.CallerKeyID, i.RequestedDuration, tc.arn, tc.duration)
				}
			}
		}
		if !issued {
			t.Errorf("%s: %s was not issued by AssumeRole", tc.profile, c.AccessKeyID)
		}
	}
	src, err := Open(context.Background(), files, Options{Profile: "broken", ConfigFile: cp, CredentialsFile: kp,
		ProcessEnv: []string{"AWSRUN_RESOLVE_CHAIN=broken"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "credential_process failed: exit status 3") {
		t.Errorf("failing credential_process: %v", err)
	}
}
