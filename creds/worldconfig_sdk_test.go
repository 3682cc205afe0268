package creds

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
)

// The child's config read back by the SDKs' own parsers: the Go SDK's (in this process) and
// botocore's (the AWS CLI v1 and v2 and boto3 share it), for profile names with spaces and
// quotes that the SDKs read differently.

// oddNamesConfig has names with a space, a quote, both, and names every parser reads as they
// are, each with a region of its own.
const oddNamesConfig = `[profile my prof]
region = eu-west-1
output = json

[profile it's]
region = eu-west-2

[profile a"b c]
region = eu-west-3

[profile dev]
region = us-east-2

[profile ünïcödé]
region = ap-south-1

[profile a$b=c,d]
region = ap-south-2
`

var oddNamesRegions = map[string]string{
	"my prof": "eu-west-1", "it's": "eu-west-2", `a"b c`: "eu-west-3", "dev": "us-east-2",
	"ünïcödé": "ap-south-1", "a$b=c,d": "ap-south-2",
}

// writeWorld writes w's config and an empty credentials file to a directory of their own.
func writeWorld(t *testing.T, w *WorldConfig) (configPath, credentialsPath string) {
	t.Helper()
	dir := t.TempDir()
	configPath, credentialsPath = filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	if err := os.WriteFile(configPath, w.Data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(credentialsPath, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return configPath, credentialsPath
}

// goSDKProfile reads profile name from the files as the AWS SDK for Go v2 does.
func goSDKProfile(t *testing.T, configPath, credentialsPath, name string) (config.SharedConfig, error) {
	t.Helper()
	return config.LoadSharedConfigProfile(context.Background(), name, func(o *config.LoadSharedConfigOptions) {
		o.ConfigFiles = []string{configPath}
		o.CredentialsFiles = []string{credentialsPath}
	})
}

// botocoreProfiles returns every profile botocore reads from the files, with its settings; the
// test is skipped only when python3 or botocore is not installed (CI has both).
func botocoreProfiles(t *testing.T, configPath, credentialsPath string) map[string]map[string]any {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	env := []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH"),
		"AWS_CONFIG_FILE=" + configPath, "AWS_SHARED_CREDENTIALS_FILE=" + credentialsPath}
	for _, k := range []string{"PYENV_ROOT", "PYENV_VERSION", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	probe := exec.Command("python3", "-c", "import botocore.session")
	probe.Env = env
	if out, err := probe.CombinedOutput(); err != nil {
		t.Skipf("botocore is not installed for python3: %v %s", err, out)
	}
	cmd := exec.Command("python3", "-c", "import json, botocore.session; print(json.dumps(botocore.session.Session().full_config['profiles']))")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("botocore cannot read the child's config: %v\n%s", err, stderr)
	}
	var profiles map[string]map[string]any
	if err := json.Unmarshal(out, &profiles); err != nil {
		t.Fatalf("botocore's profiles: %v\n%s", err, out)
	}
	return profiles
}

func wantCredentialProcess(name string) string {
	return shellQuote(testExe) + " export --profile " + shellQuote(name) + " --format credential-process"
}

// TestWorldConfigNamesWithSpacesAndQuotesInSDKs: every profile, whatever its name, is read by
// the Go SDK and botocore as itself, with its own settings and a credential_process that asks
// awsrun for it by that name; botocore sees no profile the user does not have.
func TestWorldConfigNamesWithSpacesAndQuotesInSDKs(t *testing.T) {
	f := mustFiles(t, oddNamesConfig, "")
	w := renderWorld(t, f, "dev", ProfileFilter{})
	if len(w.Skipped) != 0 || len(w.Refused) != 0 || len(w.Allowed) != len(oddNamesRegions) {
		t.Fatalf("allowed %q, refused %q, skipped %v: want all %d profiles allowed", w.Allowed, w.Refused, w.Skipped, len(oddNamesRegions))
	}
	configPath, credentialsPath := writeWorld(t, w)
	for name, region := range oddNamesRegions {
		sc, err := goSDKProfile(t, configPath, credentialsPath, name)
		if err != nil {
			t.Errorf("Go SDK, profile %q: %v\n%s", name, err, w.Data)
			continue
		}
		if sc.Region != region || sc.CredentialProcess != wantCredentialProcess(name) {
			t.Errorf("Go SDK, profile %q: region %q, credential_process %q; want %q and %q", name, sc.Region, sc.CredentialProcess, region, wantCredentialProcess(name))
		}
	}
	profiles := botocoreProfiles(t, configPath, credentialsPath)
	for name, region := range oddNamesRegions {
		p := profiles[name]
		if p == nil {
			t.Errorf("botocore has no profile %q in\n%s", name, w.Data)
			continue
		}
		if p["region"] != region || p["credential_process"] != wantCredentialProcess(name) {
			t.Errorf("botocore, profile %q = %v; want region %q and credential_process %q", name, p, region, wantCredentialProcess(name))
		}
	}
	if p := profiles["my prof"]; p != nil && p["output"] != "json" {
		t.Errorf("botocore, profile \"my prof\": output %v, want json", p["output"])
	}
	for name := range profiles {
		if name != "default" && oddNamesRegions[name] == "" {
			t.Errorf("botocore reads a profile %q the user does not have", name)
		}
	}
	// Names botocore reads from "[profile NAME]" as they are get that header only.
	if n := strings.Count(string(w.Data), "\n[profile "); n != len(oddNamesRegions)+3 {
		t.Errorf("%d profile headers, want %d (two for each of the 3 names with a space or a quote)\n%s", n, len(oddNamesRegions)+3, w.Data)
	}
	for _, name := range []string{"dev", "ünïcödé", "a$b=c,d"} {
		if strings.Contains(string(w.Data), "[profile '"+name+"']") {
			t.Errorf("profile %q has a second, quoted header", name)
		}
	}
}

// TestWorldConfigNamesWithSpacesAndQuotesRefused: a refused profile with such a name fails in
// both parsers with the --profiles message, never without a section (where an SDK would fall
// through to the endpoint's identity).
func TestWorldConfigNamesWithSpacesAndQuotesRefused(t *testing.T) {
	f := mustFiles(t, oddNamesConfig, "")
	filter, err := ParseProfileFilter("ünïcödé")
	if err != nil {
		t.Fatal(err)
	}
	w := renderWorld(t, f, "dev", filter)
	if got := strings.Join(w.Allowed, ","); got != "dev,ünïcödé" {
		t.Fatalf("allowed %s, want dev,ünïcödé", got)
	}
	configPath, credentialsPath := writeWorld(t, w)
	refused := []string{"my prof", "it's", `a"b c`, "a$b=c,d"}
	for _, name := range refused {
		sc, err := goSDKProfile(t, configPath, credentialsPath, name)
		if err != nil {
			t.Errorf("Go SDK, profile %q: %v", name, err)
			continue
		}
		if sc.CredentialProcess != "" || sc.RoleARN != refusedRoleARN || !strings.Contains(sc.WebIdentityTokenFile, "--profiles") || !strings.Contains(sc.WebIdentityTokenFile, name) {
			t.Errorf("Go SDK, refused profile %q: credential_process %q, role %q, token file %q", name, sc.CredentialProcess, sc.RoleARN, sc.WebIdentityTokenFile)
		}
	}
	profiles := botocoreProfiles(t, configPath, credentialsPath)
	for _, name := range refused {
		p := profiles[name]
		tokenFile, _ := p["web_identity_token_file"].(string)
		if p == nil || p["credential_process"] != nil || p["role_arn"] != refusedRoleARN || !strings.Contains(tokenFile, "--profiles") || !strings.Contains(tokenFile, name) {
			t.Errorf("botocore, refused profile %q = %v", name, p)
		}
	}
}

// TestWorldConfigQuotedHeaderCollision: when the user also has a profile named as the second
// header would be ("'my prof'", quotes included), that header is left out: botocore refuses a
// file with two sections of one name. Both parsers then read the file, and botocore reads "my
// prof" from "[profile 'my prof']", as it does in the user's own files.
func TestWorldConfigQuotedHeaderCollision(t *testing.T) {
	f := mustFiles(t, "[profile my prof]\nregion = eu-west-1\n\n[profile 'my prof']\nregion = eu-west-2\n", "")
	w := renderWorld(t, f, "", ProfileFilter{})
	if n := strings.Count(string(w.Data), "[profile 'my prof']"); n != 1 {
		t.Fatalf("[profile 'my prof'] written %d times, want once:\n%s", n, w.Data)
	}
	configPath, credentialsPath := writeWorld(t, w)
	for name, region := range map[string]string{"my prof": "eu-west-1", "'my prof'": "eu-west-2"} {
		sc, err := goSDKProfile(t, configPath, credentialsPath, name)
		if err != nil || sc.Region != region || sc.CredentialProcess != wantCredentialProcess(name) {
			t.Errorf("Go SDK, profile %q: %v, region %q, credential_process %q", name, err, sc.Region, sc.CredentialProcess)
		}
	}
	profiles := botocoreProfiles(t, configPath, credentialsPath)
	if p := profiles["my prof"]; p == nil || p["region"] != "eu-west-2" || p["credential_process"] != wantCredentialProcess("'my prof'") {
		t.Errorf("botocore, profile \"my prof\" = %v, want the section of \"'my prof'\", as in the user's files", p)
	}
}
