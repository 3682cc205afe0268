//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/internal/fakeaws"
	"github.com/awsrun/awsrun/internal/shellquote"
)

// The child's config with the user's whole AWS world (creds.ChildWorldConfig), read by every
// real client: the AWS CLI v1 and v2, boto3, the AWS SDK for JavaScript v3 and the AWS SDK for
// Go v2. Each allowed profile's credential_process runs a stand-in for awsrun (under a path with
// a space and a quote) that prints fixed keys for the profile it was asked for; the fake STS
// records which key signed each call, so the test sees which profile each client acted as. A
// refused profile must fail with a message naming --profiles, and must never reach the
// container endpoint that serves the chosen profile.

// worldUserConfig is the user's ~/.aws/config: the chosen profile dev (SSO), prod (a role),
// a name with every character the SDKs all accept, names with a space and a quote (which the
// JS SDK v3 does not read, with or without awsrun), and ops (its own credential_process).
const worldUserConfig = `[default]
region = us-east-1

[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer
region = us-east-1

[profile prod]
role_arn = arn:aws:iam::123456789012:role/Prod
source_profile = base
region = eu-west-3

[profile team-a.b@c:x/y+z%]
region = ap-southeast-2

[profile my prof]
region = sa-east-1

[profile it's]
region = ca-central-1

[profile ops]
credential_process = /bin/false
region = eu-central-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
`

// worldUserCredentials holds base's keys, keys for the odd name, and a profile with a space in
// its name that --profiles leaves out.
const worldUserCredentials = `[base]
aws_access_key_id = AKIAUSERBASEKEY00001
aws_secret_access_key = user-base-secret-0000000000000000000001

[team-a.b@c:x/y+z%]
aws_access_key_id = AKIAUSERTEAMKEY00001
aws_secret_access_key = user-team-secret-0000000000000000000001

[with space]
aws_access_key_id = AKIAUSERSPACEKEY0001
aws_secret_access_key = user-space-secret-000000000000000000001
`

// worldProfile is a profile the child may use: the key the stand-in prints for it, and the
// region its requests are signed for (its own setting, carried into the child's config).
type worldProfile struct {
	name, key, secret, region string
}

type worldSetup struct {
	fake        *fakeaws.Server
	env         []string // a child's environment
	allowed     []worldProfile
	refused     []string
	endpointKey string
	endpointHit *atomic.Int64
	standInLog  string
}

func newWorldSetup(t *testing.T) *worldSetup {
	t.Helper()
	fake := fakeaws.New(fakeaws.Options{Lifetime: time.Hour})
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fake.Close() })
	home := t.TempDir()
	staged, err := fakeaws.StageWorld(home, fake, fakeaws.WorldOptions{Config: worldUserConfig, KeyProfiles: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	write(t, staged.CredentialsFile, worldUserCredentials)

	// The container endpoint serves the chosen profile (dev) as awsrun's would.
	endpointCred, err := fake.IssueLoginCredential("arn:aws:iam::111122223333:user/endpoint-dev", time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	const token = "world-endpoint-token"
	hits := &atomic.Int64{}
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Authorization") != token {
			http.Error(w, `{"message":"bad token"}`, http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{
			"AccessKeyId": endpointCred.AccessKeyID, "SecretAccessKey": endpointCred.SecretAccessKey,
			"Token": endpointCred.SessionToken, "Expiration": endpointCred.Expiration.Format(time.RFC3339),
		})
	}))
	t.Cleanup(endpoint.Close)

	s := &worldSetup{fake: fake, endpointKey: endpointCred.AccessKeyID, endpointHit: hits,
		refused: []string{"base", "ops", "with space"}}
	s.allowed = []worldProfile{
		{"dev", "AKIAWORLDDEV00000001", "world-dev-secret-00000000000000000000001", "us-east-1"},
		{"prod", "AKIAWORLDPROD0000001", "world-prod-secret-0000000000000000000001", "eu-west-3"},
		{"team-a.b@c:x/y+z%", "AKIAWORLDTEAM0000001", "world-team-secret-0000000000000000000001", "ap-southeast-2"},
		{"my prof", "AKIAWORLDSPACE000001", "world-space-secret-000000000000000000001", "sa-east-1"},
		{"it's", "AKIAWORLDQUOTE000001", "world-quote-secret-000000000000000000001", "ca-central-1"},
	}
	for _, p := range s.allowed {
		fake.AddUser(p.key, p.secret)
	}

	// The stand-in for awsrun, under a directory whose name has a space and a quote.
	dir := filepath.Join(home, "awsrun's tools")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	s.standInLog = filepath.Join(home, "stand-in.log")
	standIn := filepath.Join(dir, "awsrun stand-in")
	var cases strings.Builder
	expires := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for _, p := range s.allowed {
		fmt.Fprintf(&cases, "%s) printf '%%s\\n' '{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"%s\",\"Expiration\":\"%s\"}' ;;\n", shellquote.Quote(p.name), p.key, p.secret, expires)
	}
	write(t, standIn, `#!/bin/sh
# A stand-in for awsrun export: fixed keys for each profile it may be asked for.
printf '%s|' "$#" "$@" >> '`+s.standInLog+`'
echo >> '`+s.standInLog+`'
if [ $# -ne 5 ] || [ "$1" != export ] || [ "$2" != --profile ] || [ "$4" != --format ] || [ "$5" != credential-process ]; then
  echo "stand-in: unexpected arguments" >&2
  exit 64
fi
case "$3" in
`+cases.String()+`*) echo "stand-in: no such profile" >&2; exit 65 ;;
esac
`)
	if err := os.Chmod(standIn, 0o700); err != nil {
		t.Fatal(err)
	}

	files, err := creds.LoadFiles(staged.ConfigFile, staged.CredentialsFile)
	if err != nil {
		t.Fatal(err)
	}
	chosen, err := files.Lookup("dev")
	if err != nil {
		t.Fatal(err)
	}
	filter, err := creds.ParseProfileFilter("prod,team-a.b@c:x/y+z%,my prof,it's")
	if err != nil {
		t.Fatal(err)
	}
	if err := filter.Check(files); err != nil {
		t.Fatal(err)
	}
	world, err := files.ChildWorldConfig(creds.WorldOptions{Chosen: chosen, Executable: standIn, Filter: filter})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(world.Refused, ","); got != "base,ops,with space" {
		t.Fatalf("refused %s, want base,ops,with space", got)
	}
	if len(world.Skipped) != 1 || world.Skipped[0].Name != "default" {
		t.Fatalf("skipped %v, want only default", world.Skipped)
	}
	childConfig := filepath.Join(home, "child", "config")
	emptyCreds := filepath.Join(home, "child", "credentials")
	if err := os.MkdirAll(filepath.Dir(childConfig), 0o700); err != nil {
		t.Fatal(err)
	}
	write(t, childConfig, string(world.Data))
	write(t, emptyCreds, "")
	s.env = append(append([]string{}, staged.Env...),
		"AWS_CONFIG_FILE="+childConfig,
		"AWS_SHARED_CREDENTIALS_FILE="+emptyCreds,
		"AWS_CONTAINER_CREDENTIALS_FULL_URI="+endpoint.URL+"/creds",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN="+token,
	)
	return s
}

// whoami is one real client: it makes one GetCallerIdentity as profile ("" for none) in the
// child's environment plus extra.
type whoami struct {
	name string
	run  func(t *testing.T, s *worldSetup, profile string, extra ...string) (string, error)
}

func runClient(s *worldSetup, dir string, profileEnv string, extra []string, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, s.env...), extra...)
	if profileEnv != "" {
		cmd.Env = append(cmd.Env, "AWS_PROFILE="+profileEnv)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func worldClients(t *testing.T) []whoami {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Dir(file)
	withProfile := func(argv []string, profile string) []string {
		if profile == "" {
			return argv
		}
		return append(argv, "--profile", profile)
	}
	cs := []whoami{
		{"awscli-v1", func(t *testing.T, s *worldSetup, profile string, extra ...string) (string, error) {
			return runClient(s, dir, "", extra, withProfile([]string{"aws", "sts", "get-caller-identity", "--output", "text", "--query", "Arn"}, profile)...)
		}},
		{"awscli-v2", func(t *testing.T, s *worldSetup, profile string, extra ...string) (string, error) {
			// Debian's 2.9.19 ignores AWS_ENDPOINT_URL_STS.
			return runClient(s, dir, "", extra, withProfile([]string{"/usr/bin/aws", "sts", "get-caller-identity", "--output", "text", "--query", "Arn", "--endpoint-url", s.fake.URL()}, profile)...)
		}},
		{"boto3", func(t *testing.T, s *worldSetup, profile string, extra ...string) (string, error) {
			return runClient(s, dir, profile, extra, "python3", "-c",
				"import boto3; print(boto3.session.Session().client('sts').get_caller_identity()['Arn'])")
		}},
		{"js", func(t *testing.T, s *worldSetup, profile string, extra ...string) (string, error) {
			return runClient(s, filepath.Join(dir, "js"), profile, extra, "node", "sts-whoami.mjs")
		}},
		{"go", goWhoami},
	}
	return cs
}

// goWhoami runs the AWS SDK for Go v2 in this process, with the child's environment.
func goWhoami(t *testing.T, s *worldSetup, profile string, extra ...string) (string, error) {
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CA_BUNDLE"} {
		t.Setenv(k, "")
	}
	for _, kv := range append(append([]string{}, s.env...), extra...) {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || k == "HOME" {
			t.Setenv(k, v)
		}
	}
	t.Setenv("AWS_PROFILE", profile)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err.Error(), err
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return err.Error(), err
	}
	return *out.Arn, nil
}

// jsReadsProfileName reports whether the JS SDK v3 reads a [profile NAME] header (@smithy/core
// parseIni's prefixKeyRegex); it ignores any other, in the user's files as in the child's, and
// then falls through to the next provider: names such as "my prof" are not for JS programs.
func jsReadsProfileName(name string) bool { return jsProfileName.MatchString(name) }

var jsProfileName = regexp.MustCompile(`^[\w\-@+.%:/]+$`)

// callsSince returns the GetCallerIdentity requests the fake answered after the first n requests.
func callsSince(fake *fakeaws.Server, n int) []fakeaws.Request {
	var out []fakeaws.Request
	for _, r := range fake.Requests()[n:] {
		if r.Op == "GetCallerIdentity" {
			out = append(out, r)
		}
	}
	return out
}

func TestWorldConfigRealClients(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	if _, err := os.Stat("/usr/bin/aws"); err != nil {
		t.Fatal("the AWS CLI v2 is missing at /usr/bin/aws: apt-get install -y awscli (.ci/run does)")
	}
	s := newWorldSetup(t)
	for _, c := range worldClients(t) {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range s.allowed {
				if c.name == "js" && !jsReadsProfileName(p.name) {
					continue
				}
				before := len(s.fake.Requests())
				hits := s.endpointHit.Load()
				out, err := c.run(t, s, p.name)
				if err != nil {
					t.Errorf("profile %q: %v\n%s", p.name, err, out)
					continue
				}
				calls := callsSince(s.fake, before)
				if len(calls) != 1 || calls[0].AccessKeyID != p.key || calls[0].Code != "" {
					t.Errorf("profile %q: GetCallerIdentity calls %+v, want one signed with %s", p.name, calls, p.key)
					continue
				}
				if calls[0].Region != p.region {
					t.Errorf("profile %q: signed for region %q, want its own %q", p.name, calls[0].Region, p.region)
				}
				if !strings.Contains(out, "user-"+p.key) {
					t.Errorf("profile %q: the client printed %q, want the identity of %s", p.name, out, p.key)
				}
				if n := s.endpointHit.Load() - hits; n != 0 {
					t.Errorf("profile %q: the container endpoint was asked %d times", p.name, n)
				}
			}

			// No profile: [default], served by the container endpoint.
			before := len(s.fake.Requests())
			out, err := c.run(t, s, "")
			if err != nil {
				t.Fatalf("no profile: %v\n%s", err, out)
			}
			if calls := callsSince(s.fake, before); len(calls) != 1 || calls[0].AccessKeyID != s.endpointKey {
				t.Errorf("no profile: calls %+v, want one signed with the endpoint's key", calls)
			}

			for _, name := range s.refused {
				if c.name == "js" && !jsReadsProfileName(name) {
					continue
				}
				before := len(s.fake.Requests())
				hits := s.endpointHit.Load()
				// With the region variables awsrun sets: the JS SDK asks for a region before
				// credentials, and base has none of its own.
				out, err := c.run(t, s, name, "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1")
				if err == nil {
					t.Errorf("refused profile %q: the client succeeded: %s", name, out)
				}
				if !strings.Contains(out, "--profiles") {
					t.Errorf("refused profile %q: the message does not name --profiles:\n%s", name, out)
				}
				if calls := callsSince(s.fake, before); len(calls) != 0 {
					t.Errorf("refused profile %q: the client called STS %d times (%+v)", name, len(calls), calls)
				}
				if n := s.endpointHit.Load() - hits; n != 0 {
					t.Errorf("refused profile %q: the client fell through to the container endpoint (%d requests)", name, n)
				}
			}
		})
	}
	// Every credential_process the clients ran passed the profile name through intact.
	data, err := os.ReadFile(s.standInLog)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		fields := strings.Split(strings.TrimSuffix(line, "|"), "|")
		if len(fields) != 6 || fields[0] != "5" || fields[1] != "export" || fields[2] != "--profile" || fields[4] != "--format" || fields[5] != "credential-process" {
			t.Errorf("the stand-in was run with %q", line)
		}
	}
}
