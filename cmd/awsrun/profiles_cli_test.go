//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/internal/fakeaws"
)

// TestProfilesFlag: --profiles (and AWSRUN_PROFILES) is read at start: a list that is not one
// is a usage error, a list naming a profile the files lack stops awsrun with exit 78 naming the
// profiles that exist, before the command runs.
func TestProfilesFlag(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	marker := "command-ran"
	for _, tc := range []struct {
		env  []string
		args []string
		code int
		want []string
	}{
		{nil, []string{"--profiles", "sso,,role"}, exitUsage, []string{"--profiles: name 2 of the list", "usage: awsrun"}},
		{[]string{"AWSRUN_PROFILES=,"}, nil, exitUsage, []string{"--profiles: name 1 of the list"}},
		{nil, []string{"--profiles", "role,prdo"}, exitConfig, []string{`check --profiles: profile "prdo" not found; profiles that exist: `, "base", "role", "awsrun: try: aws configure list-profiles"}},
		{[]string{"AWSRUN_PROFILES=nosuch"}, nil, exitConfig, []string{`profile "nosuch" not found`}},
		{nil, []string{"--profiles", "role,base"}, 0, []string{marker}},
		{nil, []string{"--profiles", "none"}, 0, []string{marker}},
		{[]string{"AWSRUN_PROFILES=all"}, nil, 0, []string{marker}},
	} {
		args := append(append([]string{"-p", "sso"}, tc.args...), "--", "sh", "-c", "echo "+marker)
		r := w.run(tc.env, args...)
		got := r.stdout + r.stderr
		if r.code != tc.code {
			t.Errorf("%v awsrun %q: exit %d, want %d: %s", tc.env, args, r.code, tc.code, got)
			continue
		}
		for _, s := range tc.want {
			if !strings.Contains(got, s) {
				t.Errorf("%v awsrun %q: output lacks %q: %s", tc.env, args, s, got)
			}
		}
		if tc.code != 0 && strings.Contains(r.stdout, marker) {
			t.Errorf("%v awsrun %q ran the command", tc.env, args)
		}
	}
}

// exportInChild runs `awsrun export ARGS` inside `awsrun -p sso [flags] --` and returns the
// child's result (the export's own exit status is the child's).
func (w *fakeWorld) exportInChild(flags []string, args ...string) result {
	w.t.Helper()
	script := w.awsrunScript("export-in-child", append([]string{"export"}, args...)...)
	return w.run(nil, append(append([]string{"-p", "sso"}, flags...), "--", script)...)
}

// awsCLIEnv is what the AWS CLI needs, beyond awsrun's test environment, to run in the child:
// no pager, and the Python it was installed with.
func awsCLIEnv() []string {
	env := []string{"AWS_PAGER="}
	for _, k := range []string{"PYENV_ROOT", "PYENV_VERSION", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// TestChildGetsOtherProfilesFromParent: inside awsrun -p sso, `awsrun export --profile role`
// is answered by the parent over AWSRUN_SOCKET from the user's real files (the child's config
// has no role of its own); --profiles refuses with exit 78 naming --profiles; an MFA profile
// fails at once with 77; a missing one with 78.
func TestChildGetsOtherProfilesFromParent(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	type out struct{ AccessKeyId, Region, Profile string }
	r := w.exportInChild(nil, "--profile", "role", "--format", "json")
	var o out
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &o) != nil {
		t.Fatalf("export --profile role in the child: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	role := w.issued(o.AccessKeyId)
	// The region is the child's AWS_REGION (the chosen profile's), as for every SDK in it.
	if role == nil || !strings.Contains(role.ARN, "assumed-role/Deployer") || o.Region != "us-east-1" {
		t.Errorf("export --profile role in the child got %+v (issued as %v), want the Deployer role in the child's region", o, role)
	}
	for _, tc := range []struct {
		flags []string
		code  int
		want  string
	}{
		{[]string{"--profiles", "none"}, exitConfig, `profile "role" is not available inside this awsrun: it runs with --profiles none`},
		{[]string{"--profiles", "base,mfa"}, exitConfig, `profile "role" is not available inside this awsrun: it is not in --profiles (base, mfa)`},
	} {
		before := w.fake.Calls("AssumeRole")
		r := w.exportInChild(tc.flags, "--profile", "role", "--format", "credential-process")
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("%v: exit %d stdout %q stderr %s", tc.flags, r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stderr, "awsrun: try: start awsrun with the profile in --profiles") {
			t.Errorf("%v: no hint naming --profiles: %s", tc.flags, r.stderr)
		}
		if n := w.fake.Calls("AssumeRole"); n != before {
			t.Errorf("%v: a refused profile was resolved (%d AssumeRole calls)", tc.flags, n-before)
		}
	}
	// The chosen profile is never refused.
	if r := w.exportInChild([]string{"--profiles", "none"}, "--profile", "sso", "--format", "json"); r.code != 0 {
		t.Errorf("--profiles none refused the chosen profile: exit %d %s", r.code, r.stderr)
	}
	done := make(chan result, 1)
	go func() { done <- w.exportInChild(nil, "--profile", "mfa", "--format", "json") }()
	select {
	case r = <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("the parent waited for an MFA code")
	}
	if r.code != exitNoPerm || !strings.Contains(r.stderr, `profile "mfa" needs an MFA code`) || !strings.Contains(r.stderr, "mfa_process") {
		t.Errorf("mfa profile: exit %d %s", r.code, r.stderr)
	}
	r = w.exportInChild(nil, "--profile", "nosuch", "--format", "json")
	if r.code != exitConfig || !strings.Contains(r.stderr, `"nosuch" not found`) {
		t.Errorf("missing profile: exit %d %s", r.code, r.stderr)
	}
}

// TestChildProfileSingleFlight: 50 concurrent `awsrun export --profile role` in one child make
// one upstream call: the parent's lifecycle for role is shared.
func TestChildProfileSingleFlight(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	script := w.awsrunScript("export-role", "export", "--profile", "role", "--format", "credential-process")
	loop := `fail=0; i=0; while [ $i -lt 50 ]; do i=$((i+1)); ("$0" >"$1/out.$i" 2>&1 || echo "export $i: exit $?" >>"$1/failed") & done; wait; cat "$1/failed" 2>/dev/null; grep -L AccessKeyId "$1"/out.* ; true`
	dir := t.TempDir()
	r := w.run(nil, "-p", "sso", "--", "sh", "-c", loop, script, dir)
	if r.code != 0 || strings.TrimSpace(r.stdout) != "" {
		t.Fatalf("50 exports: exit %d, failures:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	keys := map[string]bool{}
	for i := 1; i <= 50; i++ {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("out.%d", i)))
		var o struct{ AccessKeyId string }
		if err != nil || json.Unmarshal(b, &o) != nil {
			t.Fatalf("export %d: %s %v", i, b, err)
		}
		keys[o.AccessKeyId] = true
	}
	if n := w.fake.Calls("AssumeRole"); n != 1 || len(keys) != 1 {
		t.Errorf("50 concurrent exports: %d AssumeRole calls, %d distinct keys; want 1 and 1", n, len(keys))
	}
}

// TestChildConfigHasEveryProfile: in endpoint mode the AWS CLI in the child runs with
// --profile role and acts as role (the parent serves it through the child's config, which
// runs awsrun export as role's credential_process), not as the chosen sso; under
// --profiles none the same call fails naming --profiles, never falling through to sso.
func TestChildConfigHasEveryProfile(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	env := awsCLIEnv()
	if _, _, err := w.awsCLI(nil, "aws", "--version"); err != nil {
		t.Skip("the AWS CLI does not run:", err)
	}
	call := `aws sts get-caller-identity --output json --profile role && AWS_PROFILE=role aws sts get-caller-identity --output json`
	r := w.run(env, "-p", "sso", "--", "sh", "-c", call)
	if r.code != 0 {
		t.Fatalf("aws --profile role in the child: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	for i, out := range strings.SplitAfter(strings.TrimSpace(r.stdout), "}") {
		if strings.TrimSpace(out) == "" {
			continue
		}
		if arn := callerARN(t, out); !strings.Contains(arn, "assumed-role/Deployer") {
			t.Errorf("call %d in the child acts as %s, want the role", i, arn)
		}
	}
	r = w.run(env, "-p", "sso", "--profiles", "none", "--", "sh", "-c", "aws sts get-caller-identity --output json --profile role")
	if r.code == 0 || !strings.Contains(r.stderr, "--profiles") || strings.Contains(r.stdout, "Arn") {
		t.Errorf("--profiles none: aws --profile role: exit %d stdout %q stderr %s", r.code, r.stdout, r.stderr)
	}
}

// TestNestedAwsrunOtherProfile: `awsrun -p role -- aws ...` inside `awsrun -p sso` gets role
// through the parent (it was refused with exit 78); --profiles still refuses it, before the
// inner command runs.
func TestNestedAwsrunOtherProfile(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	env := awsCLIEnv()
	if _, _, err := w.awsCLI(nil, "aws", "--version"); err != nil {
		t.Skip("the AWS CLI does not run:", err)
	}
	inner := w.awsrunScript("nested-role", "-p", "role", "--", "aws", "sts", "get-caller-identity", "--output", "json")
	r := w.run(env, "-p", "sso", "--", inner)
	if r.code != 0 {
		t.Fatalf("nested awsrun -p role: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if arn := callerARN(t, r.stdout); !strings.Contains(arn, "assumed-role/Deployer") {
		t.Errorf("nested awsrun -p role acts as %s", arn)
	}
	marker := w.awsrunScript("nested-marker", "-p", "role", "--", "sh", "-c", "echo inner-ran")
	r = w.run(env, "-p", "sso", "--profiles", "base", "--", marker)
	if r.code != exitConfig || !strings.Contains(r.stderr, `profile "role" is not available inside this awsrun: it is not in --profiles (base)`) || strings.Contains(r.stdout, "inner-ran") {
		t.Errorf("nested awsrun for a refused profile: exit %d stdout %q stderr %s", r.code, r.stdout, r.stderr)
	}
}

// TestChildConfigWith200Profiles: a config with 200 more profiles gives the child a section for
// each, every one a credential_process of this awsrun with the profile's own region, and one
// of them picked at random works through the parent.
func TestChildConfigWith200Profiles(t *testing.T) {
	var b strings.Builder
	b.WriteString(worldConfig)
	for i := range 200 {
		fmt.Fprintf(&b, "\n[profile p%03d]\nrole_arn = arn:aws:iam::123456789012:role/Deployer\nsource_profile = base\nregion = eu-west-%d\n", i, 1+i%3)
	}
	w := newFakeWorld(t, fakeaws.Options{}, b.String())
	exportP := w.awsrunScript("export-p137", "export", "--profile", "p137", "--format", "json")
	r := w.run(nil, "-p", "sso", "--", "sh", "-c", `cat "$AWS_CONFIG_FILE" && echo ===== && "$0"`, exportP)
	cfg, exported, ok := strings.Cut(r.stdout, "=====\n")
	if r.code != 0 || !ok {
		t.Fatalf("exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	for i := range 200 {
		section := fmt.Sprintf("[profile p%03d]\n", i)
		at := strings.Index(cfg, section)
		if at < 0 {
			t.Fatalf("the child's config lacks %s", section)
		}
		body, _, _ := strings.Cut(cfg[at+len(section):], "\n[")
		if !strings.Contains(body, fmt.Sprintf("region = eu-west-%d\n", 1+i%3)) ||
			!strings.Contains(body, fmt.Sprintf("export --profile 'p%03d' --format credential-process", i)) ||
			strings.Contains(body, "role_arn") || strings.Contains(body, "source_profile") {
			t.Fatalf("section p%03d:\n%s", i, body)
		}
	}
	if !strings.Contains(exported, `"AccessKeyId":"ASIA`) || strings.Contains(r.stderr, "error") {
		t.Errorf("export --profile p137 in the child: %s %s", exported, r.stderr)
	}
}

// TestChildProfileSourcedFromChosenProfile: inside awsrun -p sso, a profile whose
// credential_process is `awsrun export --profile sso` (its credentials come from the chosen
// profile) is served by the parent as sso's identity, to `awsrun export` and to the AWS CLI's
// --profile in the child: the credential_process gets the chain of
// its own resolution, not the parent's sso (it was refused as a loop, exit 78). A real loop is
// still refused: a profile whose credential_process is awsrun for itself, and two that name
// each other, each credential_process run once.
func TestChildProfileSourcedFromChosenProfile(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	viaSSO := w.awsrunScript("export-sso", "export", "--profile", "sso", "--format", "credential-process")
	self, selfRuns := countedAwsrun(t, w.home, "self", "export", "--profile", "self", "--format", "credential-process")
	loopA, loopARuns := countedAwsrun(t, w.home, "loopa", "export", "--profile", "loopb", "--format", "credential-process")
	loopB, loopBRuns := countedAwsrun(t, w.home, "loopb", "export", "--profile", "loopa", "--format", "credential-process")
	cfg, err := os.ReadFile(filepath.Join(w.home, ".aws", "config"))
	if err != nil {
		t.Fatal(err)
	}
	writeConfig(t, w.home, string(cfg)+fmt.Sprintf(`
[profile viasso]
credential_process = %s
region = eu-west-1

[profile self]
credential_process = %s

[profile loopa]
credential_process = %s

[profile loopb]
credential_process = %s
`, viaSSO, self, loopA, loopB))

	r := w.exportInChild(nil, "--profile", "viasso", "--format", "json")
	var o struct{ AccessKeyId string }
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &o) != nil {
		t.Fatalf("export --profile viasso in the child: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	got := w.issued(o.AccessKeyId)
	if got == nil || got.Op != "GetRoleCredentials" {
		t.Errorf("viasso got %s, issued as %+v; want sso's role credentials", o.AccessKeyId, got)
	}
	env := awsCLIEnv()
	if _, _, err := w.awsCLI(nil, "aws", "--version"); err != nil {
		t.Log("the AWS CLI does not run; aws --profile viasso not tried:", err)
	} else {
		r := w.run(env, "-p", "sso", "--", "sh", "-c", `aws sts get-caller-identity --output json --profile viasso && echo ===== && aws sts get-caller-identity --output json`)
		via, own, ok := strings.Cut(r.stdout, "=====\n")
		if r.code != 0 || !ok {
			t.Fatalf("aws --profile viasso in the child: exit %d %s %s", r.code, r.stdout, r.stderr)
		}
		if a, b := callerARN(t, via), callerARN(t, own); a != b || a == "" {
			t.Errorf("aws --profile viasso acts as %q, the chosen sso as %q; want the same identity", a, b)
		}
	}

	for _, tc := range []struct {
		profile string
		loop    string
		runs    []func() int
	}{
		{"self", `"self" -> "self"`, []func() int{selfRuns}},
		{"loopa", `"loopa" -> "loopb" -> "loopa"`, []func() int{loopARuns, loopBRuns}},
	} {
		r := w.exportInChild(nil, "--profile", tc.profile, "--format", "credential-process")
		if r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, "would never end") || !strings.Contains(r.stderr, tc.loop) {
			t.Errorf("%s: exit %d stdout %q stderr %s", tc.profile, r.code, r.stdout, r.stderr)
		}
		for i, runs := range tc.runs {
			if n := runs(); n != 1 {
				t.Errorf("%s: credential_process %d ran %d times, want 1", tc.profile, i, n)
			}
		}
	}
}

// TestChildSocketWithDeepTMPDIR: with a TMPDIR so deep that the private directory's socket
// path is over the unix socket limit, the parent still serves the child's other profiles,
// through a socket in a short 0700 directory of its own that is gone once awsrun exits.
func TestChildSocketWithDeepTMPDIR(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, "")
	deep := filepath.Join(w.home, strings.Repeat("d", 60), strings.Repeat("e", 60))
	if err := os.MkdirAll(deep, 0o700); err != nil {
		t.Fatal(err)
	}
	if len(deep) <= 110 {
		t.Fatalf("TMPDIR %q is only %d bytes", deep, len(deep))
	}
	export := w.awsrunScript("export-role", "export", "--profile", "role", "--format", "json")
	r := w.run([]string{"TMPDIR=" + deep}, "-p", "sso", "--", "sh", "-c",
		`printf '%s\n' "$AWSRUN_SOCKET"; ls -ld "$(dirname "$AWSRUN_SOCKET")"; case "$AWS_CONFIG_FILE" in "$TMPDIR"/*) echo config-in-tmpdir;; esac; "$0"`, export)
	lines := strings.SplitN(r.stdout, "\n", 4)
	if r.code != 0 || len(lines) < 4 {
		t.Fatalf("exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	sock, mode, where, exported := lines[0], lines[1], lines[2], lines[3]
	if sock == "" || len(sock) > 100 || !strings.HasPrefix(mode, "drwx------") || where != "config-in-tmpdir" {
		t.Errorf("AWSRUN_SOCKET %q (%d bytes), its directory %q, the private config %q", sock, len(sock), mode, where)
	}
	if !strings.Contains(exported, `"AccessKeyId":"ASIA`) {
		t.Errorf("export --profile role in the child: %s %s", exported, r.stderr)
	}
	if _, err := os.Lstat(filepath.Dir(sock)); !os.IsNotExist(err) {
		t.Errorf("the socket's directory %s is left after awsrun exited: %v", filepath.Dir(sock), err)
	}
}

// TestChildKeepsProfileNameWithSpace: a profile whose name has a space gets its section in the
// child's config twice, as [profile with space] (the Go SDK's reading) and [profile 'with
// space'] (botocore's), with no warning at start; `awsrun export --profile NAME` in the command
// gets it from the parent, which reads the user's real files.
func TestChildKeepsProfileNameWithSpace(t *testing.T) {
	w := newFakeWorld(t, fakeaws.Options{}, worldConfig+"\n[profile with space]\nrole_arn = arn:aws:iam::123456789012:role/Deployer\nsource_profile = base\nregion = eu-west-2\n")
	export := w.awsrunScript("export-with-space", "export", "--profile", "with space", "--format", "json")
	r := w.run(nil, "-p", "sso", "--", "sh", "-c", `cat "$AWS_CONFIG_FILE" && echo ===== && "$0"`, export)
	cfg, exported, ok := strings.Cut(r.stdout, "=====\n")
	if r.code != 0 || !ok {
		t.Fatalf("exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	parsed, err := creds.Parse("child config", []byte(cfg))
	if err != nil {
		t.Fatalf("the child's config does not parse: %v\n%s", err, cfg)
	}
	for _, header := range []string{"profile with space", "profile 'with space'"} {
		s := parsed.Section(header)
		if s == nil || s.Keys["region"] != "eu-west-2" || !strings.HasSuffix(s.Keys["credential_process"], " export --profile 'with space' --format credential-process") {
			t.Errorf("[%s] = %v, want the profile's region and a credential_process asking for it\n%s", header, s, cfg)
		}
	}
	if strings.Contains(r.stderr, "cannot use this profile") {
		t.Errorf("awsrun warned about the profile with a space: %s", r.stderr)
	}
	if !strings.Contains(exported, `"AccessKeyId":"ASIA`) {
		t.Errorf("export --profile 'with space' in the child: %s %s", exported, r.stderr)
	}
}
