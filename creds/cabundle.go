package creds

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"sync"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// lazyCAClient is the SDK's HTTP client with a custom CA bundle that it reads on the first
// request instead of at load. The SDK parses AWS_CA_BUNDLE while it loads the configuration,
// which costs several milliseconds for a system-sized bundle on every start, even when the
// credentials never need a request (static keys) or the first one comes later.
type lazyCAClient struct {
	path string

	once   sync.Once
	client *awshttp.BuildableClient
	err    error
}

func (c *lazyCAClient) Do(req *http.Request) (*http.Response, error) {
	c.once.Do(c.build)
	if c.err != nil {
		return nil, c.err
	}
	return c.client.Do(req)
}

func (c *lazyCAClient) build() {
	pem, err := os.ReadFile(c.path)
	if err != nil {
		c.err = fmt.Errorf("read the CA bundle named by AWS_CA_BUNDLE: %w", err)
		return
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		c.err = fmt.Errorf("read the CA bundle %s (AWS_CA_BUNDLE): no PEM certificate in it", c.path)
		return
	}
	// Like the SDK: the bundle replaces the system roots rather than adding to them.
	c.client = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		tr.TLSClientConfig.RootCAs = pool
	})
}
