//go:build unix

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsrun/awsrun/doctor"
	"github.com/awsrun/awsrun/internal/fakeaws"
)

// runDoctor runs `awsrun doctor --json ARGS` in the world and decodes the report.
func runDoctor(t *testing.T, w *fakeWorld, env []string, args ...string) (*doctor.Report, result) {
	t.Helper()
	r := w.run(env, append([]string{"doctor", "--json"}, args...)...)
	var rep doctor.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("doctor output is not a report (exit %d): %v\nstdout:\n%s\nstderr:\n%s", r.code, err, r.stdout, r.stderr)
	}
	w.assertNoSecrets("doctor output", r.stdout, r.stderr)
	return &rep, r
}

func check(t *testing.T, rep *doctor.Report, name string) doctor.Check {
	t.Helper()
	for _, c := range rep.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %q in %+v", name, rep.Checks)
	return doctor.Check{}
}

// expect asserts a check's status and that its message (and fix) contain the given parts.
func expect(t *testing.T, rep *doctor.Report, name string, st doctor.Status, msgParts []string, fixParts ...string) {
	t.Helper()
	c := check(t, rep, name)
	if c.Status != st {
		t.Errorf("%s: status %s, want %s: %s (fix: %s)", name, c.Status, st, c.Message, c.Fix)
	}
	for _, p := range msgParts {
		if !strings.Contains(c.Message, p) {
			t.Errorf("%s: message %q lacks %q", name, c.Message, p)
		}
	}
	for _, p := range fixParts {
		if !strings.Contains(c.Fix, p) {
			t.Errorf("%s: fix %q lacks %q", name, c.Fix, p)
		}
	}
}

func TestDoctorHealthySSOProfile(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	rep, r := runDoctor(t, w, nil, "-p", "sso")
	if r.code != 0 || rep.Failed() || rep.Warnings != 0 {
		t.Fatalf("exit %d, report %+v\nstderr %s", r.code, rep.Checks, r.stderr)
	}
	if rep.Profile != "sso" || rep.ProfileFrom != "--profile" {
		t.Errorf("profile %q from %q", rep.Profile, rep.ProfileFrom)
	}
	expect(t, rep, "profile", doctor.OK, []string{`"sso" (from --profile)`, `sso-session "corp"`, "account 111122223333", "role Developer", "~/.aws/config:4"})
	expect(t, rep, "sso-config", doctor.OK, []string{"start URL " + worldStartURL, "region us-east-1"})
	expect(t, rep, "sso-token", doctor.OK, []string{"refresh token present", "client registration ends"})
	expect(t, rep, "credentials", doctor.OK, []string{"ASIA", "SSOProvider", "expire"})
	expect(t, rep, "identity", doctor.OK, []string{"account 111122223333", "assumed-role/AWSReservedSSO_Developer"})
	expect(t, rep, "clock", doctor.OK, []string{"of AWS's clock"})
	expect(t, rep, "session-duration", doctor.OK, []string{"credentials last 1h"})
	expect(t, rep, "region", doctor.OK, []string{`us-east-1 (from profile "sso")`})
	expect(t, rep, "cli-cache", doctor.OK, []string{"no AWS CLI credential cache"})
	expect(t, rep, "claude-settings", doctor.OK, []string{"no Claude Code settings"})

	// The same profile picked through AWS_PROFILE says so; the text form has one line per check.
	r = w.run([]string{"AWS_PROFILE=sso"}, "doctor")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || !strings.HasPrefix(lines[0], `awsrun doctor: profile "sso" (AWS_PROFILE)`) || len(lines) != len(rep.Checks)+2 {
		t.Fatalf("text report (exit %d):\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, l := range lines[1 : len(lines)-1] {
		if !strings.HasPrefix(l, "ok  ") && !strings.HasPrefix(l, "skip") {
			t.Errorf("unexpected line %q", l)
		}
	}
	if !strings.HasSuffix(lines[len(lines)-1], "0 warnings, 0 failed, 0 skipped") {
		t.Errorf("summary %q", lines[len(lines)-1])
	}
	w.assertNoSecrets("doctor text output", r.stdout, r.stderr)
}

// TestDoctorClockSkew runs doctor against a fake AWS whose clock (and so its Date header) is
// off: a minute or two is a warning, beyond the 5-minute SigV4 window a failure.
func TestDoctorClockSkew(t *testing.T) {
	cases := []struct {
		skew   time.Duration
		status doctor.Status
		dir    string
		code   int
	}{
		{2 * time.Minute, doctor.Warn, "behind", 0},
		{-3 * time.Minute, doctor.Warn, "ahead of", 0},
		{10 * time.Minute, doctor.Fail, "behind", 1},
		{20 * time.Second, doctor.OK, "", 0},
	}
	for _, c := range cases {
		t.Run(c.skew.String(), func(t *testing.T) {
			t.Parallel()
			skew := c.skew
			w := newFakeWorld(t, fakeaws.Options{Now: func() time.Time { return time.Now().Add(skew) }}, "")
			rep, r := runDoctor(t, w, nil, "-p", "sso")
			if r.code != c.code {
				t.Errorf("exit %d, want %d: %s", r.code, c.code, r.stderr)
			}
			expect(t, rep, "clock", c.status, []string{c.dir})
			if c.status != doctor.OK {
				expect(t, rep, "clock", c.status, []string{"STS Date header"}, "timedatectl")
			}
			if c.code == 1 && !strings.Contains(r.stderr, "awsrun: error: doctor found 1 failing check;") {
				t.Errorf("stderr %q", r.stderr)
			}
		})
	}
}

func TestDoctorClockWithoutCredentials(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{Now: func() time.Time { return time.Now().Add(-8 * time.Minute) }}, "")
	os.RemoveAll(filepath.Join(w.home, ".aws", "sso"))
	rep, _ := runDoctor(t, w, nil, "-p", "sso")
	expect(t, rep, "identity", doctor.Skip, nil)
	expect(t, rep, "clock", doctor.Fail, []string{"8m ahead of AWS's"})
}

func TestDoctorEnvironmentCredentials(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	stale := []string{
		"AWS_ACCESS_KEY_ID=ASIASTALEKEY00001234",
		"AWS_SECRET_ACCESS_KEY=stale-secret-value-0001",
		"AWS_SESSION_TOKEN=stale-session-token-0001",
	}
	expired := append(stale, "AWS_CREDENTIAL_EXPIRATION="+time.Now().Add(-2*time.Hour).UTC().Format(time.RFC3339))
	rep, r := runDoctor(t, w, expired, "-p", "sso")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	expect(t, rep, "env-credentials", doctor.Fail, []string{"ASIA...1234", "expired", "2h ago", `instead of profile "sso"`},
		"unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION")
	for _, out := range []string{r.stdout, r.stderr} {
		if strings.Contains(out, "stale-secret") || strings.Contains(out, "stale-session") {
			t.Error("doctor printed a secret from the environment")
		}
	}

	fresh := append(stale, "AWS_CREDENTIAL_EXPIRATION="+time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	rep, r = runDoctor(t, w, fresh, "-p", "sso")
	expect(t, rep, "env-credentials", doctor.Warn, []string{"expires", "never renew"}, "unset AWS_ACCESS_KEY_ID")
	if r.code != 0 {
		t.Errorf("warnings only, exit %d", r.code)
	}

	rep, _ = runDoctor(t, w, append(stale[:1:1], "AWS_SECRET_ACCESS_KEY=x", "AWS_PROFILE=sso", "AWS_DEFAULT_PROFILE=role", "AWS_BEARER_TOKEN_BEDROCK=abc"))
	expect(t, rep, "env-credentials", doctor.Warn, []string{"temporary keys with no AWS_CREDENTIAL_EXPIRATION"})
	expect(t, rep, "env-overrides", doctor.Warn, []string{"AWS_PROFILE=sso but AWS_DEFAULT_PROFILE=role", "AWS_BEARER_TOKEN_BEDROCK"},
		"unset AWS_DEFAULT_PROFILE", "unset AWS_BEARER_TOKEN_BEDROCK")
	if rep.Profile != "sso" || rep.ProfileFrom != "AWS_PROFILE" {
		t.Errorf("profile %q from %q", rep.Profile, rep.ProfileFrom)
	}
}

func TestDoctorSSOTokenStates(t *testing.T) {
	t.Run("not logged in", func(t *testing.T) {
		t.Parallel()
		w := newFakeWorld(t, fakeaws.Options{}, "")
		os.RemoveAll(filepath.Join(w.home, ".aws", "sso"))
		rep, r := runDoctor(t, w, nil, "-p", "sso")
		if r.code != 1 {
			t.Errorf("exit %d", r.code)
		}
		expect(t, rep, "sso-token", doctor.Fail, []string{"not logged in", `sso-session "corp"`, "~/.aws/sso/cache/"}, "aws sso login --profile sso")
		expect(t, rep, "credentials", doctor.Fail, []string{"not logged in"}, "aws sso login --profile sso")
		expect(t, rep, "identity", doctor.Skip, nil)
		expect(t, rep, "session-duration", doctor.Skip, nil)
	})
	t.Run("session ended", func(t *testing.T) {
		t.Parallel()
		w := newFakeWorld(t, fakeaws.Options{}, "")
		w.login(-time.Hour, false)
		rep, _ := runDoctor(t, w, nil, "-p", "sso")
		expect(t, rep, "sso-token", doctor.Fail, []string{"ended", "1h ago"}, "aws sso login --profile sso")
		expect(t, rep, "credentials", doctor.Fail, []string{"has ended"}, "aws sso login --profile sso")
	})
	t.Run("ends soon without refresh token", func(t *testing.T) {
		t.Parallel()
		w := newFakeWorld(t, fakeaws.Options{}, "")
		w.login(10*time.Minute, false)
		rep, r := runDoctor(t, w, nil, "-p", "sso")
		expect(t, rep, "sso-token", doctor.Warn, []string{"no refresh token", "ends then", "in 10m"}, "aws sso login --profile sso")
		expect(t, rep, "credentials", doctor.OK, nil)
		if r.code != 0 {
			t.Errorf("exit %d", r.code)
		}
	})
	t.Run("expired but refreshable", func(t *testing.T) {
		t.Parallel()
		w := newFakeWorld(t, fakeaws.Options{}, "")
		w.login(-time.Minute, true)
		rep, r := runDoctor(t, w, nil, "-p", "sso")
		expect(t, rep, "sso-token", doctor.OK, []string{"refresh token renews it"})
		expect(t, rep, "credentials", doctor.OK, nil)
		if r.code != 0 || w.fake.Calls("CreateToken") != 1 {
			t.Errorf("exit %d, CreateToken calls %d", r.code, w.fake.Calls("CreateToken"))
		}
	})
	t.Run("role on an SSO profile", func(t *testing.T) {
		t.Parallel()
		cfg := worldConfig + "\n[profile chained]\nrole_arn = arn:aws:iam::111122223333:role/Admin\nsource_profile = sso\nregion = us-east-1\n"
		w := newFakeWorld(t, fakeaws.Options{}, cfg)
		rep, _ := runDoctor(t, w, nil, "-p", "chained")
		expect(t, rep, "profile", doctor.OK, []string{`assume role arn:aws:iam::111122223333:role/Admin from profile "sso" (IAM Identity Center`})
		expect(t, rep, "sso-token", doctor.OK, []string{`sso-session "corp"`})
		expect(t, rep, "identity", doctor.OK, []string{"assumed-role/Admin/"})
	})
}

func TestDoctorConfigProblems(t *testing.T) {
	cases := []struct {
		name, config, profile string
		check                 string
		msg, fix              []string
	}{
		{"malformed", "[default]\nregion = us-east-1\n[profile broken\n", "default", "config-files",
			[]string{"~/.aws/config:3: section header is missing its closing ']'"}, []string{"fix ~/.aws/config at line 3"}},
		{"missing profile", worldConfig, "staging", "profile",
			[]string{`profile "staging" not found; profiles that exist: base, default`}, []string{"aws configure sso --profile staging"}},
		{"mistyped profile", worldConfig, "bsae", "profile",
			[]string{`profile "bsae" not found`}, []string{"awsrun doctor --profile base"}},
		{"no credential settings", worldConfig, "default", "profile",
			[]string{`profile "default" (from --profile) has no credential settings`}, []string{"aws configure sso --profile default"}},
		{"sso-session section missing", "[profile s]\nsso_session = gone\nsso_account_id = 1\nsso_role_name = R\n", "s", "sso-config",
			[]string{`names sso_session "gone"`, "no [sso-session gone] section"}, []string{"add [sso-session gone]"}},
		{"sso-session incomplete", "[profile s]\nsso_session = half\nsso_role_name = R\n[sso-session half]\nsso_start_url = https://x.awsapps.com/start\n", "s", "sso-config",
			[]string{"missing sso_region in [sso-session half], sso_account_id in [profile s]"}, []string{"aws configure sso --profile s"}},
		{"legacy incomplete", "[profile l]\nsso_start_url = https://x.awsapps.com/start\nsso_account_id = 1\nsso_role_name = R\n", "l", "sso-config",
			[]string{"missing sso_region in [profile l]"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newFakeWorld(t, fakeaws.Options{}, c.config)
			rep, r := runDoctor(t, w, nil, "-p", c.profile)
			if r.code != 1 {
				t.Errorf("exit %d, want 1", r.code)
			}
			expect(t, rep, c.check, doctor.Fail, c.msg, c.fix...)
			expect(t, rep, "identity", doctor.Skip, nil)
		})
	}
}

func TestDoctorCLICacheFixRemovesOnlyExpired(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	past := time.Now().Add(-time.Hour).UTC()
	future := time.Now().Add(time.Hour).UTC()
	expired := w.writeFile(".aws/cli/cache/old.json", `{"Credentials":{"AccessKeyId":"ASIAOLD","SecretAccessKey":"cache-secret-1","Expiration":"`+past.Format("2006-01-02T15:04:05UTC")+`"},"ProviderType":"sso"}`)
	expired2 := w.writeFile(".aws/cli/cache/old2.json", `{"Credentials":{"Expiration":"`+past.Format("2006-01-02T15:04:05+00:00")+`"}}`)
	live := w.writeFile(".aws/cli/cache/live.json", `{"Credentials":{"Expiration":"`+future.Format(time.RFC3339)+`"}}`)
	odd := w.writeFile(".aws/cli/cache/odd.json", `not json`)

	rep, _ := runDoctor(t, w, nil, "-p", "sso")
	expect(t, rep, "cli-cache", doctor.Warn, []string{"2 of 4 entries in ~/.aws/cli/cache have expired", "1 entry without a readable Expiration"},
		"awsrun doctor --fix")
	for _, p := range []string{expired, expired2, live, odd} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("doctor without --fix removed %s", p)
		}
	}
	rep, _ = runDoctor(t, w, nil, "-p", "sso", "--fix")
	expect(t, rep, "cli-cache", doctor.OK, []string{"removed 2 expired entries", "2 left"})
	for _, p := range []string{expired, expired2} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("expired entry %s kept", p)
		}
	}
	for _, p := range []string{live, odd} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("--fix removed %s, which had not expired", p)
		}
	}
}

func TestDoctorRoleSessionDuration(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	rep, r := runDoctor(t, w, nil, "-p", "role")
	if r.code != 0 {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
	expect(t, rep, "profile", doctor.OK, []string{"assume role arn:aws:iam::123456789012:role/Deployer", `from profile "base" (access key AKIA...0001)`, "duration_seconds 7200", "~/.aws/config:15"})
	expect(t, rep, "sso-token", doctor.Skip, []string{"does not use IAM Identity Center"})
	expect(t, rep, "identity", doctor.OK, []string{"assumed-role/Deployer/awsrun-"})
	expect(t, rep, "session-duration", doctor.Warn, []string{"asked for 2h (duration_seconds), AWS granted 1h"},
		"aws iam update-role --role-name Deployer --max-session-duration 7200", "duration_seconds = 3600")
	expect(t, rep, "region", doctor.OK, []string{"eu-west-1"})
	issued := w.fake.Issued()
	if len(issued) == 0 || issued[len(issued)-1].RequestedDuration != 2*time.Hour {
		t.Errorf("awsrun did not ask for duration_seconds: %+v", issued)
	}

	// A fake that only grants 10 minutes makes every kind of profile warn.
	w = newFakeWorld(t, fakeaws.Options{Lifetime: 10 * time.Minute}, "")
	rep, _ = runDoctor(t, w, nil, "-p", "sso")
	expect(t, rep, "session-duration", doctor.Warn, []string{"live only 10m"}, "permission set's session duration")
}

func TestDoctorRegionAndClaudeSettings(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	rep, r := runDoctor(t, w, nil, "-p", "noregion")
	expect(t, rep, "region", doctor.Warn, []string{`no region in --region, AWS_REGION, AWS_DEFAULT_REGION or profile "noregion"`}, "aws configure set region us-east-1 --profile noregion")
	if r.code != 0 {
		t.Errorf("exit %d", r.code)
	}
	rep, r = runDoctor(t, w, []string{"CLAUDE_CODE_USE_BEDROCK=1"}, "-p", "noregion")
	expect(t, rep, "region", doctor.Fail, nil)
	expect(t, rep, "claude-bedrock", doctor.OK, []string{"CLAUDE_CODE_USE_BEDROCK=1 (from the environment)"})
	if r.code != 1 {
		t.Errorf("exit %d", r.code)
	}
	rep, _ = runDoctor(t, w, []string{"AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=us-west-2"}, "-p", "sso")
	expect(t, rep, "region", doctor.Warn, []string{"AWS CLI v1 reads only AWS_DEFAULT_REGION"}, "export AWS_DEFAULT_REGION=eu-west-1")

	w.writeFile(".claude/settings.json", `{
  "env": {"AWS_PROFILE": "sso", "AWS_ACCESS_KEY_ID": "AKIACLAUDEKEY0000001", "CLAUDE_CODE_USE_BEDROCK": "1"},
  "awsCredentialExport": "aws-vault export --format=json sso",
  "awsAuthRefresh": "aws sso login --profile sso"
}`)
	rep, r = runDoctor(t, w, nil, "-p", "sso")
	expect(t, rep, "claude-settings", doctor.Fail, []string{
		"env block of ~/.claude/settings.json sets AWS_ACCESS_KEY_ID: Claude Code uses them and never asks awsrun's endpoint",
		"sets AWS_PROFILE=sso",
		"awsCredentialExport in ~/.claude/settings.json runs `aws-vault ...`",
		"awsAuthRefresh in ~/.claude/settings.json runs `aws ...`",
	}, `remove AWS_ACCESS_KEY_ID from "env"`, `"awsCredentialExport": "awsrun export --profile sso --format claude"`)
	expect(t, rep, "claude-bedrock", doctor.OK, []string{"from ~/.claude/settings.json"})
	if r.code != 1 {
		t.Errorf("exit %d", r.code)
	}

	w.writeFile(".claude/settings.json", `{"env": {"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": "us-east-1"},
  "awsCredentialExport": "awsrun export --profile sso --format claude"}`)
	rep, _ = runDoctor(t, w, nil, "-p", "sso")
	expect(t, rep, "claude-settings", doctor.OK, []string{"awsCredentialExport in ~/.claude/settings.json uses awsrun export"})

	w.writeFile(".claude/settings.json", `{"env": `)
	rep, _ = runDoctor(t, w, nil, "-p", "sso")
	expect(t, rep, "claude-settings", doctor.Warn, []string{"not valid JSON"}, "fix ~/.claude/settings.json")
}

func TestDoctorRunsAProgramCalledDoctorAfterDashDash(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	bin := filepath.Join(w.home, "bin")
	os.MkdirAll(bin, 0o700)
	os.WriteFile(filepath.Join(bin, "doctor"), []byte("#!/bin/sh\necho \"child doctor $*\"\n"), 0o700)
	r := w.run([]string{"PATH=" + bin + ":" + os.Getenv("PATH")}, "-p", "proc", "--", "doctor", "--json", "x")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "child doctor --json x" {
		t.Errorf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	r = w.run(nil, "doctor", "extra")
	if r.code != exitUsage || !strings.Contains(r.stderr, "use: awsrun -- doctor") {
		t.Errorf("stray argument: exit %d %q", r.code, r.stderr)
	}
}
