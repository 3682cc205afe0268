package wrapper

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCatchUpSeesEditsMadeBeforeTheWatchStarted: an edit of the config between awsrun reading it
// and the watch starting (it starts once the child has settled) is picked up when the watch
// comes up, as the watch would have; unchanged files cause no reload.
func TestCatchUpSeesEditsMadeBeforeTheWatchStarted(t *testing.T) {
	home := t.TempDir()
	aws := filepath.Join(home, ".aws")
	if err := os.MkdirAll(aws, 0o700); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(aws, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("credentials", "[dev]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = secretsecretsecretsecretsecretsecret1234\n")
	write("config", "[profile dev]\nregion = us-east-1\n")
	log, read := skewLog()
	cfg := Config{Profile: "dev", ProfileExplicit: true, NoSession: true, Command: []string{"true"},
		Env: []string{"HOME=" + home}, Logger: log}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	s, err := newSession(context.Background(), cfg, newEnviron(cfg.Env))
	if err != nil {
		t.Fatal(err)
	}
	s.catchUp(context.Background())
	if s.region() != "us-east-1" {
		t.Fatalf("region %q before any edit", s.region())
	}
	if got := read(); strings.Contains(got, "profile reloaded") {
		t.Errorf("reloaded although nothing changed:\n%s", got)
	}
	write("config", "[profile dev]\nregion = eu-central-1\n")
	s.catchUp(context.Background())
	if s.region() != "eu-central-1" {
		t.Errorf("region %q after an edit made before the watch started; log:\n%s", s.region(), read())
	}
}
