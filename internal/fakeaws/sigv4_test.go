package fakeaws

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The worked example from the AWS SigV4 documentation (IAM ListUsers), so the
// verifier is pinned to the spec and not only to one SDK's signer.
func TestSignatureDocumentedExample(t *testing.T) {
	r := httptest.NewRequest("GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", nil)
	r.Host = "iam.amazonaws.com"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	r.Header.Set("X-Amz-Date", "20150830T123600Z")
	a, aerr := parseAuthorization("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, " +
		"SignedHeaders=content-type;host;x-amz-date, " +
		"Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7")
	if aerr != nil {
		t.Fatal(aerr)
	}
	creq := canonicalRequest(r, a.signedHeaders, nil)
	sum := sha256.Sum256([]byte(creq))
	if got := hex.EncodeToString(sum[:]); got != "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59" {
		t.Errorf("canonical request hash %s\n%s", got, creq)
	}
	if !signatureMatches(r, nil, a, "20150830T123600Z", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY") {
		t.Error("documented signature rejected")
	}
	if signatureMatches(r, nil, a, "20150830T123600Z", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEx") {
		t.Error("wrong secret accepted")
	}
}

// Requests with awkward queries, headers and bodies, signed by the SDK's own
// signer, must verify: the canonicalisation agrees with a real client's.
func TestSignatureAgreesWithSDKSigner(t *testing.T) {
	s, _ := withClock(t, time.Hour)
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: userKey, SecretAccessKey: userSecret}
	cases := []struct {
		name, method, query, body string
		headers                   map[string][]string
	}{
		{name: "form body", method: "POST", body: "Action=GetCallerIdentity&Version=2011-06-15"},
		{name: "query only", method: "GET", query: "Version=2011-06-15&Action=GetCallerIdentity"},
		{name: "odd query", method: "POST", query: "z=1&a=b%20c&a=a&t=%7E*%2B%C3%A9&empty=", body: "Action=GetCallerIdentity&Version=2011-06-15"},
		{name: "spaced and repeated headers", method: "POST", body: "Action=GetCallerIdentity&Version=2011-06-15",
			headers: map[string][]string{"X-Amz-Meta-Spaced": {"  a   b  c "}, "X-Amz-Meta-Multi": {"one", "two"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := s.URL() + "/"
			if tc.query != "" {
				url += "?" + tc.query
			}
			req, err := http.NewRequest(tc.method, url, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			for k, vs := range tc.headers {
				for _, v := range vs {
					req.Header.Add(k, v)
				}
			}
			sum := sha256.Sum256([]byte(tc.body))
			if err := signer.SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "sts", "eu-west-1", time.Now()); err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !strings.Contains(string(b), "<GetCallerIdentityResult>") {
				t.Fatalf("HTTP %d: %s", resp.StatusCode, b)
			}
		})
	}
}

// rawSTS sends a hand-made STS request, signed unless sign is false, for the
// protocol errors no SDK would provoke.
func rawSTS(t *testing.T, s *Server, body string, sign bool, service string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", s.URL()+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if sign {
		sum := sha256.Sum256([]byte(body))
		creds := aws.Credentials{AccessKeyID: userKey, SecretAccessKey: userSecret}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "text/xml" {
		t.Errorf("content type %q", ct)
	}
	return resp.StatusCode, string(b)
}

func TestSTSProtocolErrors(t *testing.T) {
	s, _ := withClock(t, time.Hour)
	for _, tc := range []struct {
		name, body, service string
		sign                bool
		status              int
		code                string
	}{
		{"unsigned", "Action=GetCallerIdentity&Version=2011-06-15", "sts", false, 403, "MissingAuthenticationToken"},
		{"unknown action", "Action=GetFederationToken&Version=2011-06-15", "sts", true, 400, "InvalidAction"},
		{"wrong version", "Action=GetCallerIdentity&Version=2010-05-08", "sts", true, 400, "InvalidAction"},
		{"wrong service scope", "Action=GetCallerIdentity&Version=2011-06-15", "iam", true, 403, "SignatureDoesNotMatch"},
	} {
		status, body := rawSTS(t, s, tc.body, tc.sign, tc.service)
		want := `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>` + tc.code + `</Code>`
		if status != tc.status || !strings.HasPrefix(body, want) || !strings.Contains(body, "</Error><RequestId>") {
			t.Errorf("%s: HTTP %d %s", tc.name, status, body)
		}
	}
	if s.Errors("InvalidAction") != 2 || s.Calls("GetFederationToken") != 1 {
		t.Errorf("counters: %d %d", s.Errors("InvalidAction"), s.Calls("GetFederationToken"))
	}
}

func TestSTSResponseEnvelope(t *testing.T) {
	s, _ := withClock(t, time.Hour)
	status, body := rawSTS(t, s, "Action=GetCallerIdentity&Version=2011-06-15", true, "sts")
	if status != 200 {
		t.Fatalf("HTTP %d %s", status, body)
	}
	for _, want := range []string{
		`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>`,
		`</GetCallerIdentityResult><ResponseMetadata><RequestId>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %q in %s", want, body)
		}
	}
}
