package endpoint

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/smithy-go"
)

// TestGoSDKContainerProvider reads the endpoint with aws-sdk-go-v2's own container provider.
func TestGoSDKContainerProvider(t *testing.T) {
	static := aws.Credentials{AccessKeyID: "AKIATESTSTATICKEY123", SecretAccessKey: "static-secret"}
	tests := []struct {
		name  string
		creds aws.Credentials
		want  aws.Credentials
	}{
		{"session credentials", testCreds, aws.Credentials{
			AccessKeyID:     testCreds.AccessKeyID,
			SecretAccessKey: testCreds.SecretAccessKey,
			SessionToken:    testCreds.SessionToken,
			AccountID:       testCreds.AccountID,
			CanExpire:       true,
			Expires:         testCreds.Expires.Truncate(time.Second),
		}},
		{"long-term keys", static, aws.Credentials{
			AccessKeyID:     static.AccessKeyID,
			SecretAccessKey: static.SecretAccessKey,
			CanExpire:       true,
			Expires:         testNow.Add(time.Hour),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, Options{Provider: fixed(tt.creds)})
			p := endpointcreds.New(s.URL(), func(o *endpointcreds.Options) { o.AuthorizationToken = s.Token() })
			got, err := p.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			want.Source = endpointcreds.ProviderName
			if !got.Expires.Equal(want.Expires) {
				t.Errorf("Expires %v, want %v", got.Expires, want.Expires)
			}
			got.Expires, want.Expires = time.Time{}, time.Time{}
			if got != want {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestGoSDKSeesErrors(t *testing.T) {
	tests := []struct {
		name     string
		provider aws.CredentialsProvider
		token    string
		code     string
		message  string
	}{
		{"wrong token", fixed(testCreds), "wrong", "AccessDenied", "missing or wrong authorization token"},
		{"unavailable", failing(errors.New("token expired")), testToken, "CredentialsUnavailable", "run: aws sso login --profile dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, Options{
				Provider: tt.provider,
				Hint:     func(error) string { return "run: aws sso login --profile dev" },
			})
			p := endpointcreds.New(s.URL(), func(o *endpointcreds.Options) {
				o.AuthorizationToken = tt.token
				o.Retryer = aws.NopRetryer{}
			})
			_, err := p.Retrieve(context.Background())
			var api smithy.APIError
			if !errors.As(err, &api) {
				t.Fatalf("error %v is not an API error", err)
			}
			if api.ErrorCode() != tt.code || api.ErrorMessage() != tt.message {
				t.Errorf("code %q message %q, want %q %q", api.ErrorCode(), api.ErrorMessage(), tt.code, tt.message)
			}
		})
	}
}

// TestGoSDKDefaultChain gives a child's view: only the two variables from Env, read by the
// default chain, which also applies the SDK's own allowed-host check to the URL.
func TestGoSDKDefaultChain(t *testing.T) {
	s := startServer(t, Options{})
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":                        filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":            filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":              "true",
		"AWS_PROFILE":                            "",
		"AWS_ACCESS_KEY_ID":                      "",
		"AWS_SECRET_ACCESS_KEY":                  "",
		"AWS_SESSION_TOKEN":                      "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "",
	} {
		t.Setenv(k, v)
	}
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got.Source != endpointcreds.ProviderName || got.AccessKeyID != testCreds.AccessKeyID ||
		got.SecretAccessKey != testCreds.SecretAccessKey || got.SessionToken != testCreds.SessionToken {
		t.Errorf("got %+v", got)
	}
}
