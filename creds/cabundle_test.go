package creds

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tlsFront puts an HTTPS server in front of the fake STS and returns its URL and a PEM file
// holding its certificate.
func tlsFront(t *testing.T, target string) (string, string) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(u))
	t.Cleanup(srv.Close)
	pemFile := filepath.Join(t.TempDir(), "bundle.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(pemFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return srv.URL, pemFile
}

// otherCA writes a self-signed certificate that did not sign the test server's.
func otherCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "other"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "other.pem")
	if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestCABundleReadOnFirstRequest: AWS_CA_BUNDLE handed over by the caller is used for the
// SDK's requests, and a bundle that would fail is not even read while no request is needed.
func TestCABundleReadOnFirstRequest(t *testing.T) {
	fake, files, cp, kp := mfaWorld(t, "[profile base]\nregion = us-east-1\n")
	front, bundle := tlsFront(t, fake.URL())
	t.Setenv("AWS_ENDPOINT_URL_STS", front)
	t.Setenv("AWS_CA_BUNDLE", "")
	ctx := context.Background()

	t.Run("trusted", func(t *testing.T) {
		src, err := Open(ctx, files, Options{Profile: "base", ConfigFile: cp, CredentialsFile: kp, CABundle: bundle})
		if err != nil {
			t.Fatal(err)
		}
		c, err := src.Retrieve(ctx)
		if err != nil {
			t.Fatalf("GetSessionToken over TLS with the bundle: %v", err)
		}
		if c.AccessKeyID == mfaUser || !c.CanExpire {
			t.Fatalf("want session credentials from STS, got key %s", Redact(c.AccessKeyID))
		}
	})
	t.Run("other bundle", func(t *testing.T) {
		other := otherCA(t)
		src, err := Open(ctx, files, Options{Profile: "base", ConfigFile: cp, CredentialsFile: kp, CABundle: other})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := src.Retrieve(ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("want a certificate error with a bundle that does not hold the server's CA, got %v", err)
		}
	})
	t.Run("missing file, no request", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "nope.pem")
		src, err := Open(ctx, files, Options{Profile: "base", ConfigFile: cp, CredentialsFile: kp, CABundle: missing, NoSession: true})
		if err != nil {
			t.Fatalf("static keys need no request, so no bundle: %v", err)
		}
		if _, err := src.Retrieve(ctx); err != nil {
			t.Fatalf("static keys need no request, so no bundle: %v", err)
		}
		src, err = Open(ctx, files, Options{Profile: "base", ConfigFile: cp, CredentialsFile: kp, CABundle: missing})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := src.Retrieve(ctx); err == nil || !strings.Contains(err.Error(), "AWS_CA_BUNDLE") {
			t.Fatalf("want the missing bundle named on the first request, got %v", err)
		}
	})
}
