package doctor

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/awsrun/awsrun/creds"
)

// SigV4 requests more than 5 minutes off AWS's clock are rejected; awsrun's renewal timing and
// the SDKs' refresh windows also assume an accurate clock, so a minute is already worth a look.
const (
	skewWarn = time.Minute
	skewFail = 5 * time.Minute
)

// dateProbe is the HTTP client of doctor's AWS calls: it notes AWS's clock from the Date
// header of the first answer, with the local time halfway through the round trip.
type dateProbe struct {
	next http.RoundTripper
	now  func() time.Time

	once   sync.Once
	client aws.HTTPClient

	mu     sync.Mutex
	have   bool
	server time.Time
	local  time.Time
	rtt    time.Duration
}

func (p *dateProbe) Do(req *http.Request) (*http.Response, error) {
	p.once.Do(func() {
		if p.next != nil {
			p.client = &http.Client{Transport: p.next}
		} else {
			p.client = awshttp.NewBuildableClient()
		}
	})
	return p.observe(p.client, req)
}

// via is the probe in front of another client: the SDK's own, which carries settings such as
// the CA bundle of AWS_CA_BUNDLE that the SDK applies only to a client it built itself.
func (p *dateProbe) via(c aws.HTTPClient) aws.HTTPClient {
	if p.next != nil || c == nil {
		return p // tests' own transport, or no client of the SDK's to keep
	}
	return probeVia{p, c}
}

type probeVia struct {
	p *dateProbe
	c aws.HTTPClient
}

func (v probeVia) Do(req *http.Request) (*http.Response, error) { return v.p.observe(v.c, req) }

// observe sends req through c and notes AWS's Date from the first answer.
func (p *dateProbe) observe(c aws.HTTPClient, req *http.Request) (*http.Response, error) {
	start := p.now()
	resp, err := c.Do(req)
	end := p.now()
	if err == nil {
		if date, perr := http.ParseTime(resp.Header.Get("Date")); perr == nil {
			p.mu.Lock()
			if !p.have {
				// Date is cut to the second: the server's clock was somewhere in the next second.
				p.have, p.server, p.local, p.rtt = true, date.Add(500*time.Millisecond), start.Add(end.Sub(start)/2), end.Sub(start)
			}
			p.mu.Unlock()
		}
	}
	return resp, err
}

func (p *dateProbe) sample() (skew, rtt time.Duration, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.server.Sub(p.local), p.rtt, p.have
}

// clock compares the local clock with the Date header of an STS answer; any answer will do,
// so without credentials it sends one unsigned request, which STS refuses with a Date.
func (d *doctor) clock(ctx context.Context) {
	const name = "clock"
	skew, rtt, ok := d.probe.sample()
	var probeErr error
	if !ok {
		ctx, cancel := context.WithTimeout(ctx, d.o.Timeout)
		defer cancel()
		probeErr = d.probeClock(ctx)
		skew, rtt, ok = d.probe.sample()
	}
	if !ok {
		msg := "could not reach STS to compare clocks"
		if probeErr != nil {
			msg += ": " + creds.Describe(probeErr)
		}
		d.add(name, Warn, msg, "check network access to AWS (proxy, VPN, AWS_ENDPOINT_URL_STS)")
		return
	}
	abs := skew.Abs()
	dir := "behind"
	if skew < 0 {
		dir = "ahead of"
	}
	fix := "sync the clock: sudo timedatectl set-ntp true (Linux) or sudo sntp -sS time.apple.com (macOS)"
	// The Date header's one-second resolution and the round trip bound what we can tell.
	slack := time.Second + rtt/2
	switch {
	case abs > skewFail+slack:
		d.add(name, Fail, fmt.Sprintf("this machine's clock is %s %s AWS's (STS Date header): AWS rejects signed requests more than 5 minutes off", human(abs), dir), fix)
	case abs > skewWarn+slack:
		d.add(name, Warn, fmt.Sprintf("this machine's clock is %s %s AWS's (STS Date header): signing fails beyond 5 minutes, and renewal timing assumes an accurate clock", human(abs), dir), fix)
	default:
		d.add(name, OK, fmt.Sprintf("within %s of AWS's clock (STS Date header)", human(max(abs, time.Second))), "")
	}
}

// probeClock sends one unsigned GetCallerIdentity to the STS endpoint in use; the answer is an
// error, but it carries AWS's Date.
func (d *doctor) probeClock(ctx context.Context) error {
	region := d.resolvedRegion
	if region == "" {
		region = "us-east-1"
	}
	o := sts.Options{
		Region:      region,
		Credentials: aws.AnonymousCredentials{},
		HTTPClient:  d.probe,
	}
	for _, v := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"} {
		if u := d.env[v]; u != "" && d.env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] != "true" {
			o.BaseEndpoint = aws.String(u)
			break
		}
	}
	_, err := sts.New(o).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	return err
}
