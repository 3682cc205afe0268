package fakeaws

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func TestGetCallerIdentityUser(t *testing.T) {
	s, _ := withClock(t, time.Hour)
	out, err := stsClient(s, userKey, userSecret, "").GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(out.Arn), "arn:aws:iam::123456789012:user/user-"+userKey; got != want {
		t.Errorf("arn %q, want %q", got, want)
	}
	if aws.ToString(out.Account) != "123456789012" || !strings.HasPrefix(aws.ToString(out.UserId), "AIDA") {
		t.Errorf("account %q user id %q", aws.ToString(out.Account), aws.ToString(out.UserId))
	}
	if keys := s.CallerKeys(); len(keys) != 1 || keys[0] != userKey {
		t.Errorf("caller keys %v", keys)
	}
	if n := s.Calls("GetCallerIdentity"); n != 1 {
		t.Errorf("calls %d", n)
	}
	reqs := s.Requests()
	if len(reqs) != 1 || reqs[0].Region != "us-east-1" || reqs[0].Status != 200 || reqs[0].AccessKeyID != userKey {
		t.Errorf("requests %+v", reqs)
	}
}

func TestAssumeRoleChaining(t *testing.T) {
	s, clock := withClock(t, 90*time.Second)
	ctx := context.Background()

	first, err := stsClient(s, userKey, userSecret, "").AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String("arn:aws:iam::111122223333:role/team/Admin"),
		RoleSessionName: aws.String("alice"),
		DurationSeconds: aws.Int32(3600),
	})
	if err != nil {
		t.Fatal(err)
	}
	c1 := lastIssued(t, s)
	if c1.Op != "AssumeRole" || c1.CallerKeyID != userKey || c1.RequestedDuration != time.Hour {
		t.Errorf("issued %v caller %s requested %s", c1, c1.CallerKeyID, c1.RequestedDuration)
	}
	if !strings.HasPrefix(c1.AccessKeyID, "ASIA") || len(c1.AccessKeyID) != 20 || len(c1.SecretAccessKey) != 40 {
		t.Errorf("key shapes %q / %d-char secret", c1.AccessKeyID, len(c1.SecretAccessKey))
	}
	wantExp := clock.Now().Add(90 * time.Second).UTC().Truncate(time.Second)
	if !c1.Expiration.Equal(wantExp) || !aws.ToTime(first.Credentials.Expiration).Equal(wantExp) {
		t.Errorf("expiration %s / wire %s, want %s", c1.Expiration, aws.ToTime(first.Credentials.Expiration), wantExp)
	}
	if aws.ToString(first.Credentials.AccessKeyId) != c1.AccessKeyID ||
		aws.ToString(first.Credentials.SessionToken) != c1.SessionToken {
		t.Error("wire credentials differ from Issued()")
	}
	roleArn := "arn:aws:sts::111122223333:assumed-role/Admin/alice"
	if aws.ToString(first.AssumedRoleUser.Arn) != roleArn || c1.ARN != roleArn {
		t.Errorf("assumed role arn %q / %q", aws.ToString(first.AssumedRoleUser.Arn), c1.ARN)
	}
	if id := aws.ToString(first.AssumedRoleUser.AssumedRoleId); !strings.HasPrefix(id, "AROA") || !strings.HasSuffix(id, ":alice") {
		t.Errorf("assumed role id %q", id)
	}

	who, err := stsClientFor(s, c1).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != roleArn || aws.ToString(who.Account) != "111122223333" ||
		aws.ToString(who.UserId) != aws.ToString(first.AssumedRoleUser.AssumedRoleId) {
		t.Errorf("caller identity %+v", who)
	}

	// Chaining: the second role is assumed with the first role's session.
	_, err = stsClientFor(s, c1).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::444455556666:role/Deploy"), RoleSessionName: aws.String("chained"),
		DurationSeconds: aws.Int32(3600),
	})
	if err != nil {
		t.Fatal(err)
	}
	c2 := lastIssued(t, s)
	if c2.CallerKeyID != c1.AccessKeyID {
		t.Errorf("chained credential signed by %s, want %s", c2.CallerKeyID, c1.AccessKeyID)
	}
	who2, err := stsClientFor(s, c2).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who2.Arn) != "arn:aws:sts::444455556666:assumed-role/Deploy/chained" {
		t.Errorf("chained arn %q", aws.ToString(who2.Arn))
	}
	if keys := s.CallerKeys(); len(keys) != 2 || keys[0] != c1.AccessKeyID || keys[1] != c2.AccessKeyID {
		t.Errorf("caller keys %v", keys)
	}

	// AWS caps chained sessions at one hour.
	_, err = stsClientFor(s, c2).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::444455556666:role/Deploy"), RoleSessionName: aws.String("long"),
		DurationSeconds: aws.Int32(7200),
	})
	wantAPIError(t, err, "ValidationError", 400)
	if !strings.Contains(err.Error(), "role chaining") {
		t.Errorf("want the role-chaining limit, got %v", err)
	}
	if n := s.Calls("AssumeRole"); n != 3 {
		t.Errorf("AssumeRole calls %d", n)
	}
}

func TestAssumeRoleValidation(t *testing.T) {
	s, _ := withClock(t, time.Hour)
	c := stsClient(s, userKey, userSecret, "")
	ctx := context.Background()
	for name, in := range map[string]*sts.AssumeRoleInput{
		"bad arn":      {RoleArn: aws.String("arn:aws:iam::123:role/x"), RoleSessionName: aws.String("ok")},
		"bad session":  {RoleArn: aws.String("arn:aws:iam::123456789012:role/x"), RoleSessionName: aws.String("a b")},
		"too short":    {RoleArn: aws.String("arn:aws:iam::123456789012:role/x"), RoleSessionName: aws.String("ok"), DurationSeconds: aws.Int32(899)},
		"too long":     {RoleArn: aws.String("arn:aws:iam::123456789012:role/x"), RoleSessionName: aws.String("ok"), DurationSeconds: aws.Int32(43201)},
		"bad mfa code": {RoleArn: aws.String("arn:aws:iam::123456789012:role/x"), RoleSessionName: aws.String("ok"), SerialNumber: aws.String("arn:aws:iam::123456789012:mfa/u"), TokenCode: aws.String("12345")},
	} {
		_, err := c.AssumeRole(ctx, in)
		if name == "bad mfa code" {
			wantAPIError(t, err, "AccessDenied", 403)
		} else {
			wantAPIError(t, err, "ValidationError", 400)
		}
	}
	if len(s.Issued()) != 0 {
		t.Errorf("issued on invalid input: %v", s.Issued())
	}
	_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/x"), RoleSessionName: aws.String("ok"),
		SerialNumber: aws.String("arn:aws:iam::123456789012:mfa/u"), TokenCode: aws.String("654321"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := lastIssued(t, s); got.SerialNumber != "arn:aws:iam::123456789012:mfa/u" || got.TokenCode != "654321" {
		t.Errorf("mfa not recorded: %q %q", got.SerialNumber, got.TokenCode)
	}
}

func TestGetSessionToken(t *testing.T) {
	s, _ := withClock(t, time.Hour)
	ctx := context.Background()
	out, err := stsClient(s, userKey, userSecret, "").GetSessionToken(ctx, &sts.GetSessionTokenInput{
		DurationSeconds: aws.Int32(129600),
		SerialNumber:    aws.String("arn:aws:iam::123456789012:mfa/alice"),
		TokenCode:       aws.String("123456"),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := lastIssued(t, s)
	if c.Op != "GetSessionToken" || c.AccessKeyID != aws.ToString(out.Credentials.AccessKeyId) || c.TokenCode != "123456" {
		t.Errorf("issued %v", c)
	}
	who, err := stsClientFor(s, c).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != "arn:aws:iam::123456789012:user/user-"+userKey {
		t.Errorf("session credential acts as %q", aws.ToString(who.Arn))
	}
	_, err = stsClientFor(s, c).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	wantAPIError(t, err, "AccessDenied", 403)

	// A session from GetSessionToken is not a role session, so AssumeRole
	// from it may exceed an hour (the aws-vault pattern).
	if _, err := stsClientFor(s, c).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/x"), RoleSessionName: aws.String("ok"),
		DurationSeconds: aws.Int32(7200),
	}); err != nil {
		t.Fatal(err)
	}
}

func TestExpiredToken(t *testing.T) {
	s, clock := withClock(t, 30*time.Second)
	ctx := context.Background()
	if _, err := stsClient(s, userKey, userSecret, "").AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/x"), RoleSessionName: aws.String("s1"),
	}); err != nil {
		t.Fatal(err)
	}
	c := lastIssued(t, s)
	client := stsClientFor(s, c)
	if _, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	clock.Set(c.Expiration) // AWS treats the expiration instant itself as expired
	_, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "ExpiredToken", 403)
	if n := s.Errors("ExpiredToken"); n != 1 {
		t.Errorf("ExpiredToken count %d", n)
	}
	if keys := s.CallerKeys(); len(keys) != 1 {
		t.Errorf("failed call recorded as caller: %v", keys)
	}
	// Long-term keys never expire.
	clock.Advance(48 * time.Hour)
	s.SetLifetime(48*time.Hour + time.Minute)
	_, err = stsClient(s, userKey, userSecret, "").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	// The client still signs with the real clock, now two days behind.
	wantAPIError(t, err, "SignatureDoesNotMatch", 403)
}

func TestInvalidCredentials(t *testing.T) {
	s, _ := withClock(t, time.Hour)
	ctx := context.Background()

	_, err := stsClient(s, "AKIAUNKNOWN000000000", userSecret, "").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "InvalidClientTokenId", 403)

	_, err = stsClient(s, userKey, "wrong-secret", "").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "SignatureDoesNotMatch", 403)

	if _, err := stsClient(s, userKey, userSecret, "").AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/x"), RoleSessionName: aws.String("s1"),
	}); err != nil {
		t.Fatal(err)
	}
	c := lastIssued(t, s)
	_, err = stsClient(s, c.AccessKeyID, c.SecretAccessKey, "not-the-token").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "InvalidClientTokenId", 403)
	_, err = stsClient(s, c.AccessKeyID, c.SecretAccessKey, "").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "InvalidClientTokenId", 403)
	_, err = stsClient(s, c.AccessKeyID, "wrong", c.SessionToken).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "SignatureDoesNotMatch", 403)

	if s.Errors("InvalidClientTokenId") != 3 || s.Errors("SignatureDoesNotMatch") != 2 || s.Calls("GetCallerIdentity") != 5 {
		t.Errorf("errors %d/%d calls %d", s.Errors("InvalidClientTokenId"), s.Errors("SignatureDoesNotMatch"), s.Calls("GetCallerIdentity"))
	}
	if len(s.CallerKeys()) != 0 {
		t.Errorf("failed calls recorded as callers: %v", s.CallerKeys())
	}
	// Every failure still names the key that was presented.
	for _, r := range s.Requests() {
		if r.AccessKeyID == "" {
			t.Errorf("request without key: %+v", r)
		}
	}
}

func TestSignatureTimeWindow(t *testing.T) {
	s, clock := withClock(t, time.Hour)
	clock.Advance(10 * time.Minute)
	_, err := stsClient(s, userKey, userSecret, "").GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "SignatureDoesNotMatch", 403)
	if !strings.Contains(err.Error(), "Signature expired") {
		t.Errorf("message: %v", err)
	}
	clock.Advance(-20 * time.Minute)
	_, err = stsClient(s, userKey, userSecret, "").GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "SignatureDoesNotMatch", 403)
	if !strings.Contains(err.Error(), "Signature not yet current") {
		t.Errorf("message: %v", err)
	}
}

type noBackoff struct{}

func (noBackoff) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

// The Date header follows Options.Now like AWS's follows AWS's clock, so the
// SDK's clock-skew correction recovers from a skewed host clock as it would
// against AWS: one SignatureDoesNotMatch, then a retry signed at server time.
func TestDateHeaderDrivesSDKSkewCorrection(t *testing.T) {
	s, clock := withClock(t, time.Hour)
	clock.Advance(10 * time.Minute)
	client := sts.New(sts.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider(userKey, userSecret, ""),
		Retryer:      retry.NewStandard(func(o *retry.StandardOptions) { o.Backoff = noBackoff{} }),
	})
	if _, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	if s.Errors("SignatureDoesNotMatch") != 1 || s.Calls("GetCallerIdentity") != 2 {
		t.Errorf("errors %d calls %d", s.Errors("SignatureDoesNotMatch"), s.Calls("GetCallerIdentity"))
	}
}
