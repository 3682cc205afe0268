package fakeaws

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

const (
	userKey    = "AKIAFAKEAWSTEST00001"
	userSecret = "user/secret+with+base64+chars0000000000"
)

func startServer(t *testing.T, o Options) *Server {
	t.Helper()
	s := New(o)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// withClock starts a server on a settable clock that begins at the real
// time, because clients sign with the real clock.
func withClock(t *testing.T, lifetime time.Duration) (*Server, *Clock) {
	t.Helper()
	c := NewClock(time.Now())
	s := startServer(t, Options{Lifetime: lifetime, Now: c.Now})
	s.AddUser(userKey, userSecret)
	return s, c
}

// One attempt only, so request counts are exact and no test waits on backoff.
func stsClient(s *Server, keyID, secret, token string) *sts.Client {
	return sts.New(sts.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(s.URL()),
		Credentials:      credentials.NewStaticCredentialsProvider(keyID, secret, token),
		RetryMaxAttempts: 1,
	})
}

func stsClientFor(s *Server, c Credential) *sts.Client {
	return stsClient(s, c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
}

func ssoClient(s *Server) *sso.Client {
	return sso.New(sso.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL()), RetryMaxAttempts: 1})
}

func oidcClient(s *Server) *ssooidc.Client {
	return ssooidc.New(ssooidc.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL()), RetryMaxAttempts: 1})
}

// wantAPIError asserts err is the AWS error code with the HTTP status.
func wantAPIError(t *testing.T, err error, code string, status int) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s error, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want code %s, got %s (%v)", code, ae.ErrorCode(), err)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("no HTTP response in %v", err)
	}
	if re.HTTPStatusCode() != status {
		t.Fatalf("%s: want HTTP %d, got %d", code, status, re.HTTPStatusCode())
	}
}

func lastIssued(t *testing.T, s *Server) Credential {
	t.Helper()
	all := s.Issued()
	if len(all) == 0 {
		t.Fatal("nothing issued")
	}
	return all[len(all)-1]
}
