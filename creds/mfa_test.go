package creds

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awsrun/awsrun/internal/fakeaws"
)

const (
	mfaUser   = "AKIAMFAUSERKEY000001"
	mfaSecret = "mfa-user-secret-000000000000000000000001"
)

func mfaWorld(t *testing.T, config string) (*fakeaws.Server, *Files, string, string) {
	t.Helper()
	fake := fakeaws.New(fakeaws.Options{Lifetime: time.Hour})
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	fake.AddUser(mfaUser, mfaSecret)
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("AWS_ENDPOINT_URL_STS", fake.URL())
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	cp, kp := filepath.Join(home, "config"), filepath.Join(home, "credentials")
	os.WriteFile(cp, []byte(config), 0o600)
	os.WriteFile(kp, []byte(fmt.Sprintf("[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n", mfaUser, mfaSecret)), 0o600)
	files, err := LoadFiles(cp, kp)
	if err != nil {
		t.Fatal(err)
	}
	return fake, files, cp, kp
}

// TestMFASessionTokenPatternAsksOnce: a role with mfa_serial is renewed from one MFA session,
// so the user is asked once, not at every renewal.
func TestMFASessionTokenPatternAsksOnce(t *testing.T) {
	fake, files, cp, kp := mfaWorld(t, "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/me\nregion = us-east-1\n")
	var asked atomic.Int32
	src, err := Open(context.Background(), files, Options{Profile: "admin", ConfigFile: cp, CredentialsFile: kp,
		MFAToken: func() (string, error) { asked.Add(1); return "123456", nil }})
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for i := 0; i < 3; i++ {
		c, err := src.Retrieve(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		keys[c.AccessKeyID] = true
	}
	if asked.Load() != 1 {
		t.Errorf("asked for an MFA code %d times, want 1", asked.Load())
	}
	if len(keys) != 3 || fake.Calls("AssumeRole") != 3 || fake.Calls("GetSessionToken") != 1 {
		t.Errorf("keys %d AssumeRole %d GetSessionToken %d", len(keys), fake.Calls("AssumeRole"), fake.Calls("GetSessionToken"))
	}
	for _, c := range fake.Issued() {
		switch c.Op {
		case "GetSessionToken":
			if c.SerialNumber == "" || c.TokenCode != "123456" || c.CallerKeyID != mfaUser {
				t.Errorf("session token without MFA or from the wrong key: %+v", c)
			}
		case "AssumeRole":
			if c.SerialNumber != "" || c.CallerKeyID == mfaUser {
				t.Errorf("AssumeRole should come from the MFA session without a code: serial %q caller %s", c.SerialNumber, c.CallerKeyID)
			}
		}
	}
}

func TestMFAProcessNeedsNoTerminal(t *testing.T) {
	fake, files, cp, kp := mfaWorld(t, "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/me\nmfa_process = echo 654321\nregion = us-east-1\n")
	src, err := Open(context.Background(), files, Options{Profile: "admin", ConfigFile: cp, CredentialsFile: kp})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, c := range fake.Issued() {
		if c.Op == "GetSessionToken" && c.TokenCode != "654321" {
			t.Errorf("mfa_process code not used: %q", c.TokenCode)
		}
	}
}

func TestMFAWithoutPrompterFailsClearly(t *testing.T) {
	_, files, cp, kp := mfaWorld(t, "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/me\nregion = us-east-1\n")
	src, err := Open(context.Background(), files, Options{Profile: "admin", ConfigFile: cp, CredentialsFile: kp})
	if err == nil {
		_, err = src.Retrieve(context.Background())
	}
	var mfa *MFARequiredError
	if !errorsAs(err, &mfa) {
		t.Errorf("want MFARequiredError, got %v", err)
	}
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
