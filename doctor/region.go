package doctor

import (
	"fmt"

	"github.com/awsrun/awsrun/internal/shellquote"
)

// region finds the region awsrun would give its child, and where it comes from: Claude Code
// on Bedrock needs AWS_REGION and does not read the profile, which is why awsrun sets it.
func (d *doctor) region() {
	const name = "region"
	r, ar, adr := "", d.env["AWS_REGION"], d.env["AWS_DEFAULT_REGION"]
	var from string
	switch {
	case d.o.Region != "":
		r, from = d.o.Region, "--region"
	case ar != "":
		r, from = ar, "AWS_REGION"
	case adr != "":
		r, from = adr, "AWS_DEFAULT_REGION"
	case d.prof != nil && d.prof.Keys["region"] != "":
		r, from = d.prof.Keys["region"], fmt.Sprintf("profile %q", d.prof.Name)
	case d.resolvedRegion != "":
		r, from = d.resolvedRegion, "the SDK"
	}
	if ar != "" && adr != "" && ar != adr {
		d.add(name, Warn, fmt.Sprintf("AWS_REGION=%s but AWS_DEFAULT_REGION=%s: AWS CLI v1 reads only AWS_DEFAULT_REGION", ar, adr),
			"export AWS_DEFAULT_REGION="+shellquote.Quote(ar))
		return
	}
	if r == "" {
		if v, path := d.loadClaude().envValue("AWS_REGION"); v != "" {
			d.add(name, Warn, fmt.Sprintf("no region for profile %q; only Claude Code gets one (AWS_REGION=%s in %s)", d.o.Profile, v, d.tilde(path)),
				shellquote.Join("aws", "configure", "set", "region", v, "--profile", d.o.Profile))
			return
		}
		st := Warn
		if d.bedrock() {
			st = Fail
		}
		d.add(name, st, fmt.Sprintf("no region in --region, AWS_REGION, AWS_DEFAULT_REGION or profile %q: Claude Code on Bedrock needs one", d.o.Profile),
			"aws configure set region us-east-1 --profile "+shellquote.Quote(d.o.Profile))
		return
	}
	d.add(name, OK, fmt.Sprintf("%s (from %s); awsrun gives its command AWS_REGION and AWS_DEFAULT_REGION", r, from), "")
}
