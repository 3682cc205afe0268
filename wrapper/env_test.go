package wrapper

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestBuildChildEnvScrubsAndSets(t *testing.T) {
	base := []string{
		"PATH=/bin", "HOME=/h", "AWS_PROFILE=prod", "AWS_DEFAULT_PROFILE=x",
		"AWS_ACCESS_KEY_ID=AKIASTALE", "AWS_SECRET_ACCESS_KEY=stale", "AWS_SESSION_TOKEN=stale",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2", "AWS_BEARER_TOKEN_BEDROCK=b",
		"AWS_ENDPOINT_URL_STS=http://127.0.0.1:9", "AWS_CONFIG_FILE=/user/config",
	}
	got := buildChildEnv(childEnvInput{
		base:            base,
		endpointEnv:     []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:1/p", "AWS_CONTAINER_AUTHORIZATION_TOKEN=t"},
		configFile:      "/priv/config",
		credentialsFile: "/priv/credentials",
		region:          "eu-west-1",
		profile:         "dev",
	})
	env := map[string]string{}
	for _, kv := range got {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := env[k]; dup {
			t.Errorf("duplicate %s", k)
		}
		env[k] = v
	}
	for _, gone := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_BEARER_TOKEN_BEDROCK"} {
		if _, ok := env[gone]; ok {
			t.Errorf("%s not scrubbed", gone)
		}
	}
	want := map[string]string{
		"PATH": "/bin", "HOME": "/h", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/p", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "t",
		"AWS_CONFIG_FILE": "/priv/config", "AWS_SHARED_CREDENTIALS_FILE": "/priv/credentials",
		"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1", "AWSRUN": "1", "AWSRUN_PROFILE": "dev",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
}

func BenchmarkBuildChildEnv(b *testing.B) {
	base := make([]string, 0, 60)
	for i := 0; i < 50; i++ {
		base = append(base, "VAR_"+strings.Repeat("x", i%7)+string(rune('A'+i%26))+"=value")
	}
	in := childEnvInput{base: base, endpointEnv: []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI=u", "AWS_CONTAINER_AUTHORIZATION_TOKEN=t"}, configFile: "c", credentialsFile: "k", region: "r", profile: "p"}
	b.ReportAllocs()
	for b.Loop() {
		buildChildEnv(in)
	}
}

// TestChildEnvHasNoResolveChain: the recursion guard's marker, inherited when awsrun itself
// runs as a credential_process, never reaches the command: what the command starts (awsrun
// export or awsrun -p for any profile) is not a resolution awsrun is in the middle of.
func TestChildEnvHasNoResolveChain(t *testing.T) {
	base := []string{"PATH=/bin", ResolveChainVar + "=dev,prod"}
	for _, env := range [][]string{
		buildChildEnv(childEnvInput{base: base, configFile: "/c", credentialsFile: "/k", profile: "dev"}),
		buildEnvModeEnv(base, aws.Credentials{AccessKeyID: "AKIA", SecretAccessKey: "s"}, "us-east-1", "dev"),
	} {
		for _, kv := range env {
			if strings.HasPrefix(kv, ResolveChainVar+"=") {
				t.Errorf("child env has %s", kv)
			}
		}
	}
}
