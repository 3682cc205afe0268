//go:build linux

package endpoint

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"

	"github.com/awsrun/awsrun/internal/testutil"
)

// floodRole makes the test binary, run again as a subprocess, play a part of
// TestTokenHolderServedDuringFlood (TestFloodProcess) instead of testing.
const (
	floodRole = "AWSRUN_ENDPOINT_FLOOD_ROLE"
	floodURL  = "AWSRUN_ENDPOINT_FLOOD_URL"
	// floodCap overrides the bound on untrusted connections, so the server runs out of
	// descriptors (EMFILE) before it reaches the bound.
	floodCap = "AWSRUN_ENDPOINT_FLOOD_CAP"
)

// floodNofile is the server's file descriptor limit: the review's `ulimit -n 100`.
const floodNofile = 100

// TestFloodProcess is a subprocess of TestTokenHolderServedDuringFlood. As the server it lowers
// its own RLIMIT_NOFILE (never the test process's), serves, prints the URL and stops at the
// end of stdin. As the token holder it is a client in a process of its own, as a child's SDK
// is: it fetches credentials 10 times, each on a new connection, with the Go SDK's container
// provider and its retries, and a timeout as tight as botocore's (2 s per attempt).
func TestFloodProcess(t *testing.T) {
	switch os.Getenv(floodRole) {
	case "server":
		lim := &syscall.Rlimit{Cur: floodNofile, Max: floodNofile}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, lim); err != nil {
			t.Fatal(err)
		}
		s, err := New(Options{Provider: fixed(testCreds), Token: testToken, Path: testPath})
		if err != nil {
			t.Fatal(err)
		}
		if c := os.Getenv(floodCap); c != "" {
			if s.maxUntrusted, err = strconv.Atoi(c); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("%s\n", s.URL())
		io.Copy(io.Discard, os.Stdin)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			t.Error(err)
		}
		st := s.Stats()
		fmt.Fprintf(os.Stderr, "flood server: %d served, %d refused, %d connections evicted\n",
			st.Served, st.Unauthorized+st.NotFound+st.BadRequest, st.Evicted)
	case "holder":
		for i := range 10 {
			p := endpointcreds.New(os.Getenv(floodURL), func(o *endpointcreds.Options) {
				o.AuthorizationToken = testToken
				o.HTTPClient = &http.Client{
					Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
					Timeout:   2 * time.Second,
				}
			})
			c, err := p.Retrieve(context.Background())
			if err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			if c.AccessKeyID != testCreds.AccessKeyID {
				t.Fatalf("request %d: got key %s", i, c.AccessKeyID)
			}
		}
	default:
		t.Skip("a subprocess of TestTokenHolderServedDuringFlood")
	}
}

// TestTokenHolderServedDuringFlood: a local process holds 500 connections open (idle, with
// half-sent headers, or after a refused request) and opens a new one whenever one is closed,
// against an endpoint whose process may have only 100 file descriptors. Every request of the
// token holder (TestFloodProcess) still succeeds within its client's timeouts. The second case
// sets the bound above what the descriptors allow, so accept fails with EMFILE under the flood.
func TestTokenHolderServedDuringFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("floods a subprocess with 500 connections")
	}
	t.Run("bound from the descriptor limit", func(t *testing.T) { floodRun(t, "") })
	t.Run("out of descriptors", func(t *testing.T) { floodRun(t, "400") })
}

func floodRun(t *testing.T, bound string) {
	server := exec.Command(os.Args[0], "-test.run=^TestFloodProcess$", "-test.count=1")
	server.Env = append(os.Environ(), floodRole+"=server", floodCap+"="+bound)
	stdin, err := server.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := server.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	server.Stderr = os.Stderr
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- server.Wait() }()
	defer func() {
		stdin.Close()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("server subprocess: %v", err)
			}
		case <-time.After(60 * time.Second):
			server.Process.Kill()
			t.Errorf("server subprocess did not stop")
		}
	}()
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() {
		t.Fatal("the server subprocess printed no URL")
	}
	url := lines.Text()
	go io.Copy(io.Discard, stdout) // the test framework's own lines
	addr := url[len("http://") : len(url)-len(testPath)]

	f := testutil.StartFlood(t, addr, 500)
	defer f.Stop()

	holder := exec.Command(os.Args[0], "-test.run=^TestFloodProcess$", "-test.count=1", "-test.v")
	holder.Env = append(os.Environ(), floodRole+"=holder", floodURL+"="+url)
	out, err := holder.CombinedOutput()
	if err != nil {
		t.Fatalf("the token holder failed during the flood (%s): %v\n%s", f.Summary(), err, out)
	}
	t.Logf("flood: %s", f.Summary())
}
