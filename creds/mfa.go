package creds

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// MFASessionDuration is how long one MFA code lasts: the GetSessionToken session it buys
// (IAM allows up to 36 h). Role sessions are renewed from it without asking again.
const MFASessionDuration = 12 * time.Hour

// mfaChain is the session-token pattern for profiles with mfa_serial: the long-term keys and
// one MFA code buy a GetSessionToken session (hours), and the role is assumed from that session
// without MFA, so hourly renewals never ask the user again while the child owns the terminal.
// It applies when the keys are in the profile itself or in its direct source_profile.
func (s *Source) mfaChain(files *Files, cfg aws.Config) (aws.CredentialsProvider, bool) {
	p := s.profile
	if p == nil || p.Keys["mfa_serial"] == "" {
		return nil, false
	}
	keys := p
	if p.Keys["role_arn"] != "" {
		src, err := files.Lookup(p.Keys["source_profile"])
		if err != nil || src.Keys["aws_access_key_id"] == "" || src.Keys["role_arn"] != "" {
			return nil, false
		}
		keys = src
	}
	long := aws.Credentials{AccessKeyID: keys.Keys["aws_access_key_id"], SecretAccessKey: keys.Keys["aws_secret_access_key"], Source: "SharedConfigCredentials"}
	if long.AccessKeyID == "" || long.SecretAccessKey == "" {
		return nil, false
	}
	serial := p.Keys["mfa_serial"]
	token := s.tokenFunc(p)
	sessionCfg := cfg.Copy()
	sessionCfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return long, nil })
	if sessionCfg.Region == "" {
		sessionCfg.Region = "us-east-1"
	}
	session := aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		code, err := token()
		if err != nil {
			return aws.Credentials{}, err
		}
		out, err := sts.NewFromConfig(sessionCfg).GetSessionToken(ctx, &sts.GetSessionTokenInput{
			DurationSeconds: aws.Int32(int32(MFASessionDuration / time.Second)),
			SerialNumber:    aws.String(serial),
			TokenCode:       aws.String(code),
		})
		if err != nil {
			return aws.Credentials{}, fmt.Errorf("get MFA session: %w", err)
		}
		c := out.Credentials
		return aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey),
			SessionToken: aws.ToString(c.SessionToken), CanExpire: true, Expires: aws.ToTime(c.Expiration), Source: "GetSessionToken+MFA"}, nil
	}), func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = 5 * time.Minute })
	if p.Keys["role_arn"] == "" {
		return session, true
	}
	roleCfg := cfg.Copy()
	roleCfg.Credentials = session
	duration := s.opts.Duration
	if v, err := strconv.Atoi(p.Keys["duration_seconds"]); err == nil && v > 0 {
		duration = time.Duration(v) * time.Second
	}
	role := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(roleCfg), p.Keys["role_arn"], func(o *stscreds.AssumeRoleOptions) {
		o.Duration = duration
		o.RoleSessionName = p.Keys["role_session_name"]
		if o.RoleSessionName == "" {
			o.RoleSessionName = "awsrun-" + strconv.FormatInt(time.Now().Unix(), 10)
		}
		if x := p.Keys["external_id"]; x != "" {
			o.ExternalID = aws.String(x)
		}
	})
	return role, true
}

// tokenFunc returns how to get an MFA code: the profile's mfa_process command when set (works
// without a terminal, at any time), else the caller's prompt.
func (s *Source) tokenFunc(p *Profile) func() (string, error) {
	if cmd := p.Keys["mfa_process"]; cmd != "" {
		return func() (string, error) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			c := exec.CommandContext(ctx, "sh", "-c", cmd)
			c.Env = s.processEnviron()
			out, err := c.Output()
			if err != nil {
				return "", fmt.Errorf("run mfa_process: %w", err)
			}
			return strings.TrimSpace(string(out)), nil
		}
	}
	if s.opts.MFAToken != nil {
		return s.opts.MFAToken
	}
	return func() (string, error) { return "", &MFARequiredError{Profile: s.opts.Profile} }
}
