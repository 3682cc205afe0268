package fakeaws

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func getRoleCredentials(s *Server, token string) (*sso.GetRoleCredentialsOutput, error) {
	return ssoClient(s).GetRoleCredentials(context.Background(), &sso.GetRoleCredentialsInput{
		AccessToken: aws.String(token), AccountId: aws.String("111122223333"), RoleName: aws.String("Admin"),
	})
}

func TestGetRoleCredentials(t *testing.T) {
	s, clock := withClock(t, 45*time.Second)
	s.AddSSOAccessToken("portal-token", clock.Now().Add(time.Minute))

	out, err := getRoleCredentials(s, "portal-token")
	if err != nil {
		t.Fatal(err)
	}
	c := lastIssued(t, s)
	rc := out.RoleCredentials
	if c.Op != "GetRoleCredentials" || aws.ToString(rc.AccessKeyId) != c.AccessKeyID ||
		aws.ToString(rc.SecretAccessKey) != c.SecretAccessKey || aws.ToString(rc.SessionToken) != c.SessionToken {
		t.Errorf("wire %+v vs issued %v", rc, c)
	}
	if want := clock.Now().Add(45 * time.Second).Truncate(time.Second); rc.Expiration != want.UnixMilli() || !c.Expiration.Equal(want) {
		t.Errorf("expiration %d, want %d", rc.Expiration, want.UnixMilli())
	}

	who, err := stsClientFor(s, c).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if arn := aws.ToString(who.Arn); !strings.HasPrefix(arn, "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_") || arn != c.ARN {
		t.Errorf("sso arn %q (issued %q)", arn, c.ARN)
	}
	// SSO role credentials are a role session: AssumeRole from them chains.
	_, err = stsClientFor(s, c).AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::111122223333:role/x"), RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(7200),
	})
	wantAPIError(t, err, "ValidationError", 400)
	if !strings.Contains(err.Error(), "role chaining") {
		t.Errorf("want the role-chaining limit, got %v", err)
	}

	_, err = getRoleCredentials(s, "unknown-token")
	var ue *ssotypes.UnauthorizedException
	if !errors.As(err, &ue) || ue.ErrorMessage() != "Session token not found or invalid" {
		t.Fatalf("want UnauthorizedException, got %v", err)
	}
	wantAPIError(t, err, "UnauthorizedException", 401)

	clock.Advance(time.Minute)
	_, err = getRoleCredentials(s, "portal-token")
	if !errors.As(err, &ue) {
		t.Fatalf("expired token: want UnauthorizedException, got %v", err)
	}
	if s.Calls("GetRoleCredentials") != 3 || s.Errors("UnauthorizedException") != 2 {
		t.Errorf("calls %d errors %d", s.Calls("GetRoleCredentials"), s.Errors("UnauthorizedException"))
	}
}

func createToken(s *Server, clientID, secret, refresh string) (*ssooidc.CreateTokenOutput, error) {
	return oidcClient(s).CreateToken(context.Background(), &ssooidc.CreateTokenInput{
		ClientId: aws.String(clientID), ClientSecret: aws.String(secret),
		GrantType: aws.String("refresh_token"), RefreshToken: aws.String(refresh),
	})
}

func TestCreateTokenRefresh(t *testing.T) {
	c := NewClock(time.Now())
	s := startServer(t, Options{Now: c.Now, TokenLifetime: 8 * time.Hour})
	s.AddSSOClient("client-1", "client-secret-1", "refresh-1")

	out, err := createToken(s, "client-1", "client-secret-1", "refresh-1")
	if err != nil {
		t.Fatal(err)
	}
	if out.ExpiresIn != 8*3600 || aws.ToString(out.TokenType) != "Bearer" ||
		aws.ToString(out.AccessToken) == "" || aws.ToString(out.RefreshToken) == "" {
		t.Errorf("create token %+v", out)
	}
	toks := s.IssuedSSOTokens()
	if len(toks) != 1 || toks[0].AccessToken != aws.ToString(out.AccessToken) || toks[0].RefreshToken != aws.ToString(out.RefreshToken) {
		t.Errorf("issued tokens %v", toks)
	}

	if _, err := getRoleCredentials(s, aws.ToString(out.AccessToken)); err != nil {
		t.Fatalf("new access token rejected: %v", err)
	}

	// The used refresh token was rotated out.
	_, err = createToken(s, "client-1", "client-secret-1", "refresh-1")
	var ge *oidctypes.InvalidGrantException
	if !errors.As(err, &ge) || aws.ToString(ge.Error_) != "invalid_grant" {
		t.Fatalf("want InvalidGrantException, got %v", err)
	}
	wantAPIError(t, err, "InvalidGrantException", 400)

	_, err = createToken(s, "client-1", "wrong", aws.ToString(out.RefreshToken))
	var ce *oidctypes.InvalidClientException
	if !errors.As(err, &ce) {
		t.Fatalf("want InvalidClientException, got %v", err)
	}
	wantAPIError(t, err, "InvalidClientException", 401)

	_, err = oidcClient(s).CreateToken(context.Background(), &ssooidc.CreateTokenInput{
		ClientId: aws.String("client-1"), ClientSecret: aws.String("client-secret-1"),
		GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), DeviceCode: aws.String("d"),
	})
	var ue *oidctypes.UnsupportedGrantTypeException
	if !errors.As(err, &ue) {
		t.Fatalf("want UnsupportedGrantTypeException, got %v", err)
	}

	s.SetTokenLifetime(time.Minute)
	out2, err := createToken(s, "client-1", "client-secret-1", aws.ToString(out.RefreshToken))
	if err != nil {
		t.Fatal(err)
	}
	if out2.ExpiresIn != 60 {
		t.Errorf("expiresIn after SetTokenLifetime: %d", out2.ExpiresIn)
	}
	c.Advance(time.Minute)
	if _, err := getRoleCredentials(s, aws.ToString(out2.AccessToken)); err == nil {
		t.Error("access token accepted after its expiry")
	}
	if s.Calls("CreateToken") != 5 || s.Errors("InvalidGrantException") != 1 || s.Errors("InvalidClientException") != 1 {
		t.Errorf("calls %d", s.Calls("CreateToken"))
	}
}

func TestUnknownPath(t *testing.T) {
	s := startServer(t, Options{})
	_, err := sso.New(sso.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL() + "/nope"), RetryMaxAttempts: 1}).
		GetRoleCredentials(context.Background(), &sso.GetRoleCredentialsInput{
			AccessToken: aws.String("t"), AccountId: aws.String("111122223333"), RoleName: aws.String("r"),
		})
	wantAPIError(t, err, "UnknownOperationException", 404)
}
