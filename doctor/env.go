package doctor

import (
	"fmt"
	"strings"
	"time"

	"github.com/awsrun/awsrun/creds"
)

// credentialVars are the variables every AWS SDK and CLI takes credentials from before any
// profile; a pasted or exported set never refreshes and is the usual "expired token" culprit.
var credentialVars = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_CREDENTIAL_EXPIRATION",
}

// envCredentials finds keys in the environment that shadow the profile, and whether
// AWS_CREDENTIAL_EXPIRATION says they are dead already.
func (d *doctor) envCredentials() {
	const name = "env-credentials"
	var set []string
	for _, v := range credentialVars {
		if d.env[v] != "" {
			set = append(set, v)
		}
	}
	if len(set) == 0 {
		d.add(name, OK, "no AWS keys in the environment", "")
		return
	}
	if d.env["AWSRUN"] == "1" && d.env["AWSRUN_INJECT"] == "env" {
		d.add(name, OK, "keys set by the awsrun this runs under (--inject env); it restarts the command before they expire", "")
		return
	}
	key := d.env["AWS_ACCESS_KEY_ID"]
	if key == "" {
		key = d.env["AWS_ACCESS_KEY"]
	}
	subject := strings.Join(set, ", ")
	if key != "" {
		subject = "AWS_ACCESS_KEY_ID " + creds.Redact(key)
	}
	fix := "unset " + strings.Join(set, " ")
	shadow := fmt.Sprintf("the AWS CLI and SDKs started from this shell use it instead of profile %q and never renew it", d.o.Profile)
	if exp := d.env["AWS_CREDENTIAL_EXPIRATION"]; exp != "" {
		t, err := time.Parse(time.RFC3339, exp)
		switch {
		case err != nil:
			d.add(name, Warn, fmt.Sprintf("%s is in the environment with an unreadable AWS_CREDENTIAL_EXPIRATION; %s", subject, shadow), fix)
		case !t.After(d.now()):
			d.add(name, Fail, fmt.Sprintf("%s in the environment expired %s (AWS_CREDENTIAL_EXPIRATION); %s, so they fail with ExpiredToken", subject, whenFlat(t, d.now()), shadow), fix)
		default:
			d.add(name, Warn, fmt.Sprintf("%s in the environment expires %s; %s", subject, when(t, d.now()), shadow), fix)
		}
		return
	}
	kind := "keys"
	switch {
	case d.env["AWS_SESSION_TOKEN"] != "" || d.env["AWS_SECURITY_TOKEN"] != "" || strings.HasPrefix(key, "ASIA"):
		kind = "temporary keys with no AWS_CREDENTIAL_EXPIRATION (they stop working within hours)"
	case strings.HasPrefix(key, "AKIA"):
		kind = "long-term keys"
	}
	d.add(name, Warn, fmt.Sprintf("%s in the environment: %s; %s", subject, kind, shadow), fix)
}

// envOverrides finds the other variables that change which credentials tools use.
func (d *doctor) envOverrides() {
	const name = "env-overrides"
	var msgs, fixes []string
	st := OK
	warn := func(msg, fix string) {
		st = Warn
		msgs = append(msgs, msg)
		fixes = append(fixes, fix)
	}
	p, dp := d.env["AWS_PROFILE"], d.env["AWS_DEFAULT_PROFILE"]
	if p != "" && dp != "" && p != dp {
		warn(fmt.Sprintf("AWS_PROFILE=%s but AWS_DEFAULT_PROFILE=%s: awsrun and AWS CLI v2 use %s, AWS CLI v1 uses %s", p, dp, p, dp),
			"unset AWS_DEFAULT_PROFILE")
	}
	if d.env["AWS_WEB_IDENTITY_TOKEN_FILE"] != "" && d.env["AWSRUN"] != "1" {
		warn("AWS_WEB_IDENTITY_TOKEN_FILE is set: the AWS SDKs use web identity before any profile",
			"unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN AWS_ROLE_SESSION_NAME")
	}
	if d.env["AWS_BEARER_TOKEN_BEDROCK"] != "" {
		warn("AWS_BEARER_TOKEN_BEDROCK is set: Claude Code sends this Bedrock API key instead of signing with the profile's credentials (awsrun removes it for its child)",
			"unset AWS_BEARER_TOKEN_BEDROCK")
	}
	if d.env["AWSRUN"] == "1" {
		msgs = append(msgs, fmt.Sprintf("running inside awsrun for profile %q: these checks see the command's view (private config, loopback endpoint)", d.env["AWSRUN_PROFILE"]))
	}
	if len(msgs) == 0 {
		msgs = append(msgs, "no conflicting AWS_PROFILE/AWS_DEFAULT_PROFILE, web identity or Bedrock API key variables")
	}
	d.add(name, st, strings.Join(msgs, "; "), strings.Join(fixes, "; "))
}
