package doctor

import (
	"fmt"
	"strconv"
	"time"
)

// shortLived is the lifetime under which clients refresh on almost every call: botocore
// refreshes in the last 15 minutes, the JS and Go SDKs in the last 5.
const shortLived = 15 * time.Minute

// sessionDuration compares the session length asked for with what AWS granted.
func (d *doctor) sessionDuration() {
	const name = "session-duration"
	if !d.haveCreds || !d.creds.CanExpire {
		d.add(name, Skip, "no expiring credentials to measure", "")
		return
	}
	// Expiry is stamped by AWS's clock: take a skew measured by the clock check out again.
	granted := d.creds.Expires.Sub(d.resolvedAt)
	if skew, _, ok := d.probe.sample(); ok {
		granted -= skew
	}
	granted = granted.Round(time.Second)
	kind := ""
	if d.prof != nil {
		kind = d.prof.Kind()
	}
	if kind == "assume-role" {
		asked, set := d.o.Duration, "awsrun's --duration"
		if ds := d.prof.Keys["duration_seconds"]; ds != "" {
			n, err := strconv.Atoi(ds)
			if err != nil || n < 900 || n > 43200 {
				d.add(name, Fail, fmt.Sprintf("duration_seconds = %s in [profile %s] is not a number of seconds from 900 to 43200", ds, d.prof.Name),
					fmt.Sprintf("set duration_seconds = 3600 in [profile %s]", d.prof.Name))
				return
			}
			asked, set = time.Duration(n)*time.Second, "duration_seconds"
		}
		if granted < asked-time.Minute {
			role := roleName(d.prof.Keys["role_arn"])
			d.add(name, Warn, fmt.Sprintf("asked for %s (%s), AWS granted %s", human(asked), set, human(granted)),
				fmt.Sprintf("raise the role's limit (aws iam update-role --role-name %s --max-session-duration %d) or set duration_seconds = %d in [profile %s]",
					role, int(asked/time.Second), int(granted.Round(time.Minute)/time.Second), d.prof.Name))
			return
		}
		d.add(name, OK, fmt.Sprintf("role sessions last %s (asked %s by %s)", human(granted), human(asked), set), "")
		return
	}
	if granted < shortLived {
		fix := "ask for longer sessions: awsrun --duration 1h"
		switch kind {
		case "sso":
			fix = "raise the permission set's session duration in IAM Identity Center"
		case "process":
			fix = "make the credential_process command return credentials that live longer"
		}
		d.add(name, Warn, fmt.Sprintf("credentials live only %s: AWS clients refresh in their last 5-15 minutes, so nearly every call would refresh", human(granted)), fix)
		return
	}
	d.add(name, OK, fmt.Sprintf("credentials last %s", human(granted)), "")
}

// roleName is the last path element of a role ARN: arn:aws:iam::1:role/path/Name -> Name.
func roleName(arn string) string {
	for i := len(arn) - 1; i >= 0; i-- {
		if arn[i] == '/' {
			return arn[i+1:]
		}
	}
	return arn
}
