package wrapper

import (
	"slices"
	"strings"
	"testing"
)

// FuzzBuildChildEnv feeds the child-environment builder arbitrary parent environments (entries
// separated by NUL, as in /proc/PID/environ) and endpoint values, and checks the contract of
// design.md: no variable that could make the child's SDK pick other credentials survives unless
// awsrun set it itself, awsrun's own values are exact, everything else is passed through with
// the value the child would have seen, and the result is well-formed (sorted, one entry per
// key). Seeds are in testdata/fuzz/FuzzBuildChildEnv.
func FuzzBuildChildEnv(f *testing.F) {
	f.Add("PATH=/bin\x00AWS_PROFILE=prod\x00AWS_ACCESS_KEY_ID=AKIA\x00AWS_REGION=eu-west-1", "http://127.0.0.1:1/p", "tok", "/priv/config", "/priv/credentials", "us-east-1", "dev")
	f.Fuzz(func(t *testing.T, base, uri, token, configFile, credsFile, region, profile string) {
		baseList := strings.Split(base, "\x00")
		got := buildChildEnv(childEnvInput{
			base:            baseList,
			endpointEnv:     []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + uri, "AWS_CONTAINER_AUTHORIZATION_TOKEN=" + token},
			configFile:      configFile,
			credentialsFile: credsFile,
			region:          region,
			profile:         profile,
		})
		if !slices.IsSorted(got) {
			t.Errorf("not sorted: %q", got)
		}
		env := map[string]string{}
		for _, kv := range got {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				t.Fatalf("malformed entry %q", kv)
			}
			if _, dup := env[k]; dup {
				t.Fatalf("%s twice in %q", k, got)
			}
			env[k] = v
		}

		set := map[string]string{
			"AWS_CONTAINER_CREDENTIALS_FULL_URI": uri,
			"AWS_CONTAINER_AUTHORIZATION_TOKEN":  token,
			"AWS_CONFIG_FILE":                    configFile,
			"AWS_SHARED_CREDENTIALS_FILE":        credsFile,
			"AWSRUN":                             "1",
			"AWSRUN_PROFILE":                     profile,
		}
		if region != "" {
			set["AWS_REGION"], set["AWS_DEFAULT_REGION"] = region, region
		}
		for k, v := range set {
			if got, ok := env[k]; !ok || got != v {
				t.Errorf("%s = %q (present %v), want %q", k, got, ok, v)
			}
		}
		for _, k := range scrubbed {
			if _, mine := set[k]; !mine {
				if v, ok := env[k]; ok {
					t.Errorf("%s=%q reached the child", k, v)
				}
			}
		}
		// The rest passes through as the parent had it (the last of repeated entries wins,
		// as in exec); entries without a name are dropped.
		want := map[string]string{}
		for _, kv := range baseList {
			if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
				want[k] = v
			}
		}
		for k, v := range want {
			if _, mine := set[k]; mine || slices.Contains(scrubbed, k) {
				continue
			}
			if env[k] != v {
				t.Errorf("%s = %q, the parent had %q", k, env[k], v)
			}
		}
		for k := range env {
			if _, mine := set[k]; !mine {
				if _, inherited := want[k]; !inherited {
					t.Errorf("%s appeared from nowhere", k)
				}
			}
		}
	})
}
