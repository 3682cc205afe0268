//go:build unix

package state

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// profileFake serves its own key, "ok" as another key, and refuses the rest with a code.
type profileFake struct {
	gate chan struct{} // holds every exchange until closed
}

func (p *profileFake) Credentials(context.Context) (aws.Credentials, error) {
	<-p.gate
	return aws.Credentials{AccessKeyID: "OWN", SecretAccessKey: "s"}, nil
}

func (p *profileFake) Status() Entry { return Entry{Profile: "own"} }

func (p *profileFake) ProfileCredentials(_ context.Context, name string) (aws.Credentials, string, error) {
	<-p.gate
	if name == "ok" {
		return aws.Credentials{AccessKeyID: "OTHER", SecretAccessKey: "s"}, "eu-west-1", nil
	}
	return aws.Credentials{}, "", &ProfileError{Code: CodeNotAllowed, Message: `profile "` + name + `" is not available`}
}

// TestListenServesProfilesWithCodes: a Listener answers a profile request with the profile's
// credentials and region, and a refusal with its code; more concurrent exchanges than the
// server runs at once wait for a slot instead of being dropped (a child has no fallback).
func TestListenServesProfilesWithCodes(t *testing.T) {
	dir, err := os.MkdirTemp("/tmp", "stp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "sock")
	p := &profileFake{gate: make(chan struct{})}
	l, err := Listen(sock, p, func() string { return "us-east-1" })
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket mode: %v %v", fi, err)
	}
	const n = 3 * maxConns
	var wg sync.WaitGroup
	got := make([]Served, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = FetchProfileCredentials(context.Background(), sock, "ok")
		}()
	}
	close(p.gate)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || got[i].Credentials.AccessKeyID != "OTHER" || got[i].Region != "eu-west-1" {
			t.Fatalf("exchange %d: %+v %v", i, got[i], errs[i])
		}
	}
	own, err := FetchCredentials(context.Background(), sock)
	if err != nil || own.Credentials.AccessKeyID != "OWN" || own.Region != "us-east-1" {
		t.Errorf("own: %+v %v", own, err)
	}
	_, err = FetchProfileCredentials(context.Background(), sock, "prod")
	var pe *ProfileError
	if !errors.As(err, &pe) || pe.Code != CodeNotAllowed || pe.Message != `profile "prod" is not available` {
		t.Errorf("refusal: %v", err)
	}
}
