package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/awsrun/awsrun/creds"
	"github.com/awsrun/awsrun/internal/shellquote"
)

// expiringSoon is how little life left in fresh credentials is worth a warning: clients then
// refresh on nearly every call.
const expiringSoon = 5 * time.Minute

// credentials resolves the profile the way a new awsrun would.
func (d *doctor) credentials(ctx context.Context) {
	const name = "credentials"
	switch {
	case d.o.Resolve == nil:
		d.add(name, Skip, "no resolver", "")
		return
	case d.prof == nil && !d.envKeys:
		d.add(name, Skip, "fix the profile first", "")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, d.o.Timeout)
	defer cancel()
	start := d.now()
	c, region, err := d.o.Resolve(ctx)
	if err != nil {
		d.add(name, Fail, err.Error(), d.fixFor(err))
		return
	}
	d.haveCreds, d.creds, d.resolvedAt, d.resolvedRegion = true, c, start, region
	src := c.Source
	if src == "" {
		src = "the SDK"
	}
	if !c.CanExpire {
		d.add(name, OK, fmt.Sprintf("long-term key %s from %s; it does not expire", creds.Redact(c.AccessKeyID), src), "")
		return
	}
	msg := fmt.Sprintf("%s from %s, expire %s", creds.Redact(c.AccessKeyID), src, when(c.Expires, d.now()))
	if c.Expires.Sub(d.now()) < expiringSoon {
		d.add(name, Warn, msg+": brand-new credentials should live longer", "see session-duration")
		return
	}
	d.add(name, OK, msg, "")
}

// fixFor is the command that fixes a resolution error.
func (d *doctor) fixFor(err error) string {
	var (
		login      *creds.LoginRequiredError
		mfa        *creds.MFARequiredError
		access     *creds.AccessError
		parse      *creds.ParseError
		notFound   *creds.ProfileNotFoundError
		incomplete *creds.IncompleteProfileError
	)
	profile := d.o.Profile
	switch {
	case errors.As(err, &login):
		return login.Hint()
	case errors.As(err, &mfa):
		return "run awsrun doctor in a terminal to type the MFA code, or set mfa_process in [profile " + mfa.Profile + "] to a command that prints it"
	case errors.As(err, &parse):
		return fmt.Sprintf("fix %s at line %d", d.tilde(parse.Path), parse.Line)
	case errors.As(err, &notFound):
		return shellquote.Join("aws", "configure", "sso", "--profile", notFound.Name)
	case errors.As(err, &incomplete):
		return configureFix(incomplete.Profile)
	case errors.As(err, &access):
		return fixForCode(access.Code, profile)
	case strings.Contains(err.Error(), "DurationSeconds"):
		return fmt.Sprintf("lower duration_seconds in [profile %s] (a role reached from another role session gets at most 1 h)", profile)
	case errors.Is(err, context.DeadlineExceeded):
		return "check network access to AWS (proxy, VPN, AWS_ENDPOINT_URL_*), then run awsrun doctor again"
	}
	return shellquote.Join("aws", "sts", "get-caller-identity", "--profile", profile, "--debug")
}

// fixForCode maps the AWS error codes that mean "these credentials are no good" to a fix.
func fixForCode(code, profile string) string {
	profile = shellquote.Quote(profile)
	switch code {
	case "ExpiredToken", "ExpiredTokenException":
		return "the credentials expired: check the clock (see clock), unset stale AWS_* keys, then aws sso login --profile " + profile + " or renew the keys"
	case "InvalidClientTokenId", "UnrecognizedClientException":
		return "the access key is unknown or deactivated: aws configure --profile " + profile
	case "SignatureDoesNotMatch", "InvalidSignatureException", "RequestExpired":
		return "check the secret key (aws configure --profile " + profile + ") and the clock (see clock)"
	case "AccessDenied", "AccessDeniedException":
		return "the identity may not do this: check that the role trusts it and allows sts:AssumeRole"
	}
	return "aws sts get-caller-identity --profile " + profile + " --debug"
}

// configureFix is the command that sets a profile up, SSO first.
func configureFix(profile string) string {
	p := shellquote.Quote(profile)
	return "aws configure sso --profile " + p + "   (or, for access keys: aws configure --profile " + p + ")"
}

// identity asks STS who the credentials belong to: the proof AWS accepts them.
func (d *doctor) identity(ctx context.Context) {
	const name = "identity"
	if !d.haveCreds {
		d.add(name, Skip, "no credentials to ask with", "")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, d.o.Timeout)
	defer cancel()
	client, err := d.stsClient(ctx, credentials.StaticCredentialsProvider{Value: d.creds})
	if err != nil {
		d.add(name, Fail, "set up the STS client: "+creds.Describe(err), "aws sts get-caller-identity --profile "+d.o.Profile)
		return
	}
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		var api smithy.APIError
		if errors.As(err, &api) {
			d.add(name, Fail, fmt.Sprintf("sts get-caller-identity: %s: %s", api.ErrorCode(), api.ErrorMessage()), fixForCode(api.ErrorCode(), d.o.Profile))
			return
		}
		d.add(name, Fail, "sts get-caller-identity: "+creds.Describe(err), "check network access to AWS (proxy, VPN, AWS_ENDPOINT_URL_STS)")
		return
	}
	d.add(name, OK, fmt.Sprintf("sts get-caller-identity: account %s, %s", aws.ToString(out.Account), aws.ToString(out.Arn)), "")
}

// stsClient builds an STS client as the profile would, so endpoint settings in the profile and
// AWS_ENDPOINT_URL_* apply, but signing with the given credentials through the date probe.
func (d *doctor) stsClient(ctx context.Context, cp aws.CredentialsProvider) (*sts.Client, error) {
	region := d.resolvedRegion
	if region == "" {
		region = "us-east-1" // STS answers GetCallerIdentity in every region
	}
	opts := []func(*config.LoadOptions) error{
		config.WithSharedConfigFiles([]string{d.configPath}),
		config.WithSharedCredentialsFiles([]string{d.credsPath}),
		config.WithRegion(region),
		config.WithCredentialsProvider(cp),
	}
	if d.prof != nil {
		opts = append(opts, config.WithSharedConfigProfile(d.prof.Name))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, err
	}
	// Wrapped after loading: the SDK applies AWS_CA_BUNDLE only to an HTTP client it built.
	cfg.HTTPClient = d.probe.via(cfg.HTTPClient)
	return sts.NewFromConfig(cfg), nil
}
