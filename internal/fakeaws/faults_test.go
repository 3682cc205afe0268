package fakeaws

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

var testRole = aws.String("arn:aws:iam::123456789012:role/r")

func assumeRole(s *Server) (*sts.AssumeRoleOutput, error) {
	return stsClient(s, userKey, userSecret, "").AssumeRole(context.Background(), &sts.AssumeRoleInput{
		RoleArn: testRole, RoleSessionName: aws.String("faults"),
	})
}

func callerIdentity(s *Server) error {
	_, err := stsClient(s, userKey, userSecret, "").GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	return err
}

// Each fault answers in the wire shape of the operation it is set on, with the code and status
// AWS would use, and touches no other operation.
func TestFaultAnswers(t *testing.T) {
	tests := []struct {
		name   string
		op     string
		kind   FaultKind
		code   string
		status int
	}{
		{"sts server error", "AssumeRole", FaultServerError, "InternalFailure", 500},
		{"sts throttle", "AssumeRole", FaultThrottle, "Throttling", 400},
		{"sts expired", "AssumeRole", FaultExpired, "ExpiredToken", 403},
		{"sso server error", "GetRoleCredentials", FaultServerError, "InternalServerException", 500},
		{"sso throttle", "GetRoleCredentials", FaultThrottle, "TooManyRequestsException", 429},
		{"sso expired token", "GetRoleCredentials", FaultExpired, "UnauthorizedException", 401},
		{"oidc expired refresh token", "CreateToken", FaultExpired, "InvalidGrantException", 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := withClock(t, time.Hour)
			s.AddSSOAccessToken("tok", clock.Now().Add(time.Hour))
			s.AddSSOClient("cid", "csecret", "refresh")
			s.SetFault(tt.op, Fault{Kind: tt.kind})
			var err error
			switch tt.op {
			case "AssumeRole":
				_, err = assumeRole(s)
			case "GetRoleCredentials":
				_, err = getRoleCredentials(s, "tok")
			case "CreateToken":
				_, err = createToken(s, "cid", "csecret", "refresh")
			}
			wantAPIError(t, err, tt.code, tt.status)
			if err := callerIdentity(s); err != nil {
				t.Errorf("GetCallerIdentity, which has no fault: %v", err)
			}
			if s.Errors(tt.code) != 1 || s.Calls(tt.op) != 1 || s.Faulted(tt.op) != 1 {
				t.Errorf("errors %d calls %d faulted %d", s.Errors(tt.code), s.Calls(tt.op), s.Faulted(tt.op))
			}
			if len(s.Issued()) != 0 {
				t.Errorf("a faulted request issued %v", s.Issued())
			}
		})
	}
}

func TestFaultCountClearsItself(t *testing.T) {
	s, _ := withClock(t, time.Hour)
	s.SetFault("AssumeRole", Fault{Kind: FaultServerError, Count: 2})
	for i := range 2 {
		if _, err := assumeRole(s); err == nil {
			t.Fatalf("attempt %d succeeded during the fault", i+1)
		}
	}
	if _, err := assumeRole(s); err != nil {
		t.Fatalf("after Count requests: %v", err)
	}
	if s.Faulted("AssumeRole") != 2 || s.Calls("AssumeRole") != 3 || len(s.Issued()) != 1 {
		t.Errorf("faulted %d calls %d issued %d", s.Faulted("AssumeRole"), s.Calls("AssumeRole"), len(s.Issued()))
	}
}

func TestFaultAnyOpAndClear(t *testing.T) {
	s, _ := withClock(t, time.Hour)
	s.SetFault(AnyOp, Fault{Kind: FaultThrottle})
	s.SetFault("AssumeRole", Fault{Kind: FaultServerError})
	wantAPIError(t, callerIdentity(s), "Throttling", 400)
	_, err := assumeRole(s)
	wantAPIError(t, err, "InternalFailure", 500)
	s.ClearFault("AssumeRole")
	_, err = assumeRole(s)
	wantAPIError(t, err, "Throttling", 400)
	if s.Faulted(AnyOp) != 2 || s.Faulted("AssumeRole") != 1 {
		t.Errorf("faulted any %d assume %d", s.Faulted(AnyOp), s.Faulted("AssumeRole"))
	}
	s.ClearFaults()
	if _, err := assumeRole(s); err != nil {
		t.Fatal(err)
	}
	if err := callerIdentity(s); err != nil {
		t.Fatal(err)
	}
}

func TestFaultMalformed(t *testing.T) {
	s, clock := withClock(t, time.Hour)
	s.AddSSOAccessToken("tok", clock.Now().Add(time.Hour))
	s.SetFault("AssumeRole", Fault{Kind: FaultMalformed})
	s.SetFault("GetRoleCredentials", Fault{Kind: FaultMalformed})
	if _, err := assumeRole(s); err == nil || !strings.Contains(err.Error(), "StatusCode: 200") {
		t.Errorf("AssumeRole with a cut-off body: %v", err)
	}
	if _, err := getRoleCredentials(s, "tok"); err == nil || !strings.Contains(err.Error(), "StatusCode: 200") {
		t.Errorf("GetRoleCredentials with a cut-off body: %v", err)
	}
	if s.Errors(CodeMalformed) != 2 || len(s.Issued()) != 0 {
		t.Errorf("malformed answers %d, issued %d", s.Errors(CodeMalformed), len(s.Issued()))
	}
}

func TestFaultRefuseResetsTheConnection(t *testing.T) {
	s, _ := withClock(t, time.Hour)
	s.SetFault("AssumeRole", Fault{Kind: FaultRefuse, Count: 1})
	_, err := assumeRole(s)
	if err == nil {
		t.Fatal("a reset connection gave an answer")
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() != 0 {
		t.Errorf("got HTTP %d, want no answer: %v", re.HTTPStatusCode(), err)
	}
	if s.Errors(CodeConnectionReset) != 1 || s.Calls("AssumeRole") != 1 {
		t.Errorf("resets %d calls %d", s.Errors(CodeConnectionReset), s.Calls("AssumeRole"))
	}
	if _, err := assumeRole(s); err != nil {
		t.Fatalf("after the reset: %v", err)
	}
}

func TestFaultDelayServesLater(t *testing.T) {
	s, _ := withClock(t, time.Hour)
	s.SetFault("AssumeRole", Fault{Kind: FaultDelay, Delay: 50 * time.Millisecond, Count: 1})
	if _, err := assumeRole(s); err != nil {
		t.Fatal(err)
	}
	if s.Faulted("AssumeRole") != 1 || len(s.Issued()) != 1 {
		t.Errorf("faulted %d issued %d", s.Faulted("AssumeRole"), len(s.Issued()))
	}
}

// A request held by a long delay must not hold up Close, or a test's cleanup would hang.
func TestCloseReleasesDelayedRequests(t *testing.T) {
	s := New(Options{})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	s.AddUser(userKey, userSecret)
	s.SetFault("AssumeRole", Fault{Kind: FaultDelay, Delay: time.Hour})
	got := make(chan error, 1)
	go func() {
		_, err := assumeRole(s)
		got <- err
	}()
	ctx, cancel := context.WithTimeoutCause(context.Background(), 20*time.Second, errors.New("the delayed request never arrived"))
	defer cancel()
	if err := s.WaitFor(ctx, func(s *Server) bool { return s.Faulted("AssumeRole") == 1 }); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("Close waited for the delayed request")
	}
	select {
	case err := <-got:
		if err == nil {
			t.Error("the delayed request got an answer after Close")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the delayed request never ended")
	}
}

// Skew moves the clock of one operation (or all, SetClockSkew): its Date header, its SigV4
// window and what it issues.
func TestSkew(t *testing.T) {
	s, clock := withClock(t, time.Hour)
	s.SetFault("AssumeRole", Fault{Kind: FaultSkew, Skew: 10 * time.Minute})
	_, err := assumeRole(s)
	wantAPIError(t, err, "SignatureDoesNotMatch", 403)
	if !strings.Contains(err.Error(), "Signature expired") {
		t.Errorf("message: %v", err)
	}
	if err := callerIdentity(s); err != nil {
		t.Errorf("GetCallerIdentity has no skew: %v", err)
	}

	s.SetFault("AssumeRole", Fault{Kind: FaultSkew, Skew: 2 * time.Minute})
	out, err := assumeRole(s)
	if err != nil {
		t.Fatal(err)
	}
	if want := clock.Now().Add(2*time.Minute + time.Hour).Truncate(time.Second); !out.Credentials.Expiration.Equal(want) {
		t.Errorf("expiration %v, want %v", out.Credentials.Expiration, want)
	}

	s.ClearFaults()
	s.SetClockSkew(-3 * time.Minute)
	resp, err := http.Get(s.URL() + "/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, want := resp.Header.Get("Date"), clock.Now().Add(-3*time.Minute).UTC().Format(http.TimeFormat); got != want {
		t.Errorf("Date %q, want %q", got, want)
	}
	s.SetClockSkew(0)
	resp, err = http.Get(s.URL() + "/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got, want := resp.Header.Get("Date"), clock.Now().UTC().Format(http.TimeFormat); got != want {
		t.Errorf("Date %q after SetClockSkew(0), want %q", got, want)
	}
}

func TestDoorRefusesWhileShut(t *testing.T) {
	s, clock := withClock(t, time.Hour)
	s.AddSSOAccessToken("tok", clock.Now().Add(time.Hour))
	d, err := s.OpenDoor()
	if err != nil {
		t.Fatal(err)
	}
	if d.URL() == s.URL() || !strings.HasPrefix(d.URL(), "http://127.0.0.1:") {
		t.Fatalf("door URL %q, server URL %q", d.URL(), s.URL())
	}
	viaDoor := func() error {
		c := sso.New(sso.Options{Region: "us-east-1", BaseEndpoint: aws.String(d.URL()), RetryMaxAttempts: 1})
		_, err := c.GetRoleCredentials(context.Background(), &sso.GetRoleCredentialsInput{
			AccessToken: aws.String("tok"), AccountId: aws.String("111122223333"), RoleName: aws.String("Admin"),
		})
		return err
	}
	if err := viaDoor(); err != nil {
		t.Fatalf("through the open door: %v", err)
	}
	url := d.URL()
	if err := d.Shut(); err != nil {
		t.Fatal(err)
	}
	if err := viaDoor(); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("through the shut door: %v, want connection refused", err)
	}
	if err := callerIdentity(s); err != nil {
		t.Errorf("the main URL must stay up: %v", err)
	}
	if err := d.Reopen(); err != nil {
		t.Fatal(err)
	}
	if d.URL() != url {
		t.Errorf("reopened on %s, was %s", d.URL(), url)
	}
	if err := viaDoor(); err != nil {
		t.Fatalf("through the reopened door: %v", err)
	}
	if s.Calls("GetRoleCredentials") != 2 {
		t.Errorf("calls %d, want the two that got through", s.Calls("GetRoleCredentials"))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := viaDoor(); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("door still open after Close: %v", err)
	}
	if err := d.Reopen(); err == nil {
		t.Error("Reopen after Close succeeded")
	}
}
