package fakeaws

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/awsrun/awsrun/internal/testutil"
)

func TestLifecycle(t *testing.T) {
	s := New(Options{})
	if err := s.Close(); err != nil {
		t.Errorf("close before start: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("url %q", s.URL())
	}
	if err := s.Start(); err == nil {
		t.Error("second Start succeeded")
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
}

// Concurrent clients of every kind, for the race detector and to check the
// counters stay exact.
func TestConcurrentClients(t *testing.T) {
	s, clock := withClock(t, time.Hour)
	s.AddSSOAccessToken("tok", clock.Now().Add(time.Hour))
	const workers, rounds = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*3)
	for w := range workers {
		wg.Go(func() {
			ctx := context.Background()
			user := stsClient(s, userKey, userSecret, "")
			for r := range rounds {
				out, err := user.AssumeRole(ctx, &sts.AssumeRoleInput{
					RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String(fmt.Sprintf("w%d-%d", w, r)),
				})
				if err != nil {
					errs <- err
					continue
				}
				c := out.Credentials
				if _, err := stsClient(s, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
					errs <- err
				}
				if _, err := getRoleCredentials(s, "tok"); err != nil {
					errs <- err
				}
				clock.Advance(time.Millisecond)
				_ = s.Issued()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	n := workers * rounds
	if s.Calls("AssumeRole") != n || s.Calls("GetCallerIdentity") != n || s.Calls("GetRoleCredentials") != n ||
		len(s.Issued()) != 2*n || len(s.CallerKeys()) != n || len(s.Requests()) != 3*n {
		t.Errorf("counts: %d %d %d %d %d", s.Calls("AssumeRole"), s.Calls("GetCallerIdentity"),
			s.Calls("GetRoleCredentials"), len(s.Issued()), len(s.CallerKeys()))
	}
}

func TestLogsCarryNoSecrets(t *testing.T) {
	var buf testutil.LockedBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clock := NewClock(time.Now())
	s := startServer(t, Options{Now: clock.Now, Logger: logger})
	s.AddUser(userKey, userSecret)
	s.AddSSOAccessToken("sso-access-token-secret", clock.Now().Add(time.Hour))
	s.AddSSOClient("cid", "client-secret-value", "refresh-token-value")
	ctx := context.Background()

	if _, err := stsClient(s, userKey, userSecret, "").AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("s1"),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := stsClient(s, userKey, "bad", "").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
		t.Fatal("bad secret accepted")
	}
	if _, err := ssoClient(s).GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{
		AccessToken: aws.String("sso-access-token-secret"), AccountId: aws.String("111122223333"), RoleName: aws.String("r"),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := createToken(s, "cid", "client-secret-value", "refresh-token-value"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	logs := buf.String()
	secrets := []string{userSecret, "sso-access-token-secret", "client-secret-value", "refresh-token-value"}
	for _, c := range s.Issued() {
		secrets = append(secrets, c.SecretAccessKey, c.SessionToken)
		if !strings.Contains(logs, c.AccessKeyID) {
			t.Errorf("issued key %s not logged", c.AccessKeyID)
		}
	}
	for _, tok := range s.IssuedSSOTokens() {
		secrets = append(secrets, tok.AccessToken, tok.RefreshToken)
	}
	for _, sec := range secrets {
		if strings.Contains(logs, sec) {
			t.Errorf("secret %.6s... found in logs", sec)
		}
	}
	if fmt.Sprint(s.Issued()[0]) == "" || strings.Contains(fmt.Sprintf("%v %+v", s.Issued()[0], s.Issued()[0]), s.Issued()[0].SecretAccessKey) {
		t.Error("Credential formatting leaks the secret")
	}
}
