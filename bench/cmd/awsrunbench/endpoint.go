//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// server is a long-running process (awsrun with a sleeping child, or the floor handler) and
// the endpoint it published.
type server struct {
	cmd        *exec.Cmd
	done       chan struct{}
	url, token string
	stderr     limitedBuf
}

var publishSeq int

// startPublished starts argv (which must make something write "URL\nTOKEN\n" to file) and
// waits for the file.
func startPublished(env []string, file string, argv []string) (*server, error) {
	s := &server{done: make(chan struct{})}
	s.cmd = exec.Command(argv[0], argv[1:]...)
	s.cmd.Env = env
	s.cmd.Stderr = &s.stderr
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		data, err := os.ReadFile(file)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if err == nil && len(lines) >= 2 && lines[0] != "" {
			s.url, s.token = lines[0], lines[1]
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("%v exited before publishing: %s", argv, s.stderr.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	s.stop()
	return nil, fmt.Errorf("%v did not publish its endpoint in 30s", argv)
}

// startAwsrun runs awsrun with a child that publishes its endpoint and then runs sleepArgv.
func startAwsrun(w *world, awsrun string, args []string, sleepFor string) (*server, error) {
	publishSeq++
	file := filepath.Join(w.home, fmt.Sprintf("endpoint-%d", publishSeq))
	argv := append([]string{awsrun}, args...)
	argv = append(argv, "--notify=false", "--", "sh", "-c",
		`printf '%s\n%s\n' "$AWS_CONTAINER_CREDENTIALS_FULL_URI" "$AWS_CONTAINER_AUTHORIZATION_TOKEN" > "$0.tmp" && mv "$0.tmp" "$0"; exec sleep `+sleepFor, file)
	return startPublished(w.env, file, argv)
}

func startMinhandler(w *world, argv []string) (*server, error) {
	publishSeq++
	file := filepath.Join(w.home, fmt.Sprintf("endpoint-%d", publishSeq))
	return startPublished(w.env, file, append(argv, file))
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// get fetches the credentials once, as a child's SDK would; returns status and AccessKeyId.
func (s *server) get(c *http.Client) (int, string, error) {
	req, _ := http.NewRequest("GET", s.url, nil)
	req.Header.Set("Authorization", s.token)
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var body struct{ AccessKeyId string }
	err = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.AccessKeyId, err
}

type loadResult struct {
	lat    []float64 // microseconds
	rps    float64
	errors int
}

// load sends n requests over conc keep-alive connections and times each one.
func load(s *server, conc, n int) loadResult {
	tr := &http.Transport{MaxIdleConns: conc * 2, MaxIdleConnsPerHost: conc * 2, DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	one := func() (time.Duration, bool) {
		req, _ := http.NewRequest("GET", s.url, nil)
		req.Header.Set("Authorization", s.token)
		t0 := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			return time.Since(t0), false
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(t0), err == nil && resp.StatusCode == 200
	}
	for i := 0; i < 100; i++ { // warm the connections
		one()
	}
	var mu sync.Mutex
	res := loadResult{}
	var wg sync.WaitGroup
	per := n / conc
	t0 := time.Now()
	for g := 0; g < conc; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]float64, 0, per)
			errs := 0
			for i := 0; i < per; i++ {
				d, ok := one()
				lat = append(lat, float64(d)/float64(time.Microsecond))
				if !ok {
					errs++
				}
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.errors += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.rps = float64(per*conc) / time.Since(t0).Seconds()
	return res
}

func benchEndpoint(r *report, w *world, b binaries) error {
	// Servers on CPU 0, wrk on CPU 1 (as perf-anchors.md), when taskset exists.
	_, terr := exec.LookPath("taskset")
	pin := terr == nil
	prefix := func(argv []string) []string {
		if pin {
			return append([]string{"taskset", "-c", "0"}, argv...)
		}
		return argv
	}
	aw, err := startAwsrun(w, prefix([]string{b.awsrun})[0], append(prefix([]string{b.awsrun})[1:], "-p", "sso"), "3600")
	if err != nil {
		return err
	}
	defer aw.stop()
	mh, err := startMinhandler(w, prefix([]string{b.minhandler}))
	if err != nil {
		return err
	}
	defer mh.stop()
	if code, key, err := aw.get(http.DefaultClient); err != nil || code != 200 || key == "" {
		return fmt.Errorf("awsrun endpoint: status %d key %q err %v", code, key, err)
	}
	haveWrk, err := benchWrk(r, aw, mh, pin)
	if err != nil {
		r.note("endpoint: wrk run failed: %v", err)
		haveWrk = false
	}
	for _, conc := range []int{1, 10} {
		var latA, latB, rpsA, rpsB, ratios []float64
		errs := 0
		for round := 0; round < *epRounds; round++ {
			var ra, rb loadResult
			if round%2 == 0 {
				ra = load(aw, conc, *epReqs)
				rb = load(mh, conc, *epReqs)
			} else {
				rb = load(mh, conc, *epReqs)
				ra = load(aw, conc, *epReqs)
			}
			latA, latB = append(latA, ra.lat...), append(latB, rb.lat...)
			rpsA, rpsB = append(rpsA, ra.rps), append(rpsB, rb.rps)
			ratios = append(ratios, ra.rps/rb.rps)
			errs += ra.errors + rb.errors
			debugf("endpoint c=%d round %d: awsrun %.0f req/s, minhandler %.0f req/s", conc, round, ra.rps, rb.rps)
		}
		ratio := median(ratios)
		r.add(fmt.Sprintf("endpoint c=%d req/s (Go client, keep-alive)", conc), fmt.Sprintf("%.0f req/s", median(rpsA)),
			fmt.Sprintf("minhandler %.0f req/s", median(rpsB)), fmt.Sprintf("%.2fx", ratio), goTarget(haveWrk, ">= 0.9x minhandler"), goCheck(haveWrk, ratio >= 0.9))
		p50a, p50b := median(latA), median(latB)
		var met *bool
		target := ""
		if conc == 1 {
			met, target = goCheck(haveWrk, p50a <= 100), goTarget(haveWrk, "<= 100 us")
		}
		r.add(fmt.Sprintf("endpoint c=%d latency p50 (Go client)", conc), fmt.Sprintf("%.0f us", p50a), fmt.Sprintf("minhandler %.0f us", p50b),
			fmt.Sprintf("%.2fx", p50a/p50b), target, met)
		p99a, p99b := quantile(latA, 0.99), quantile(latB, 0.99)
		r.add(fmt.Sprintf("endpoint c=%d latency p99 (Go client)", conc), fmt.Sprintf("%.0f us", p99a), fmt.Sprintf("minhandler %.0f us", p99b),
			fmt.Sprintf("%.2fx", p99a/p99b), "", nil)
		if errs > 0 {
			r.note("endpoint c=%d: %d failed requests (non-200 or transport errors)", conc, errs)
		}
	}
	return nil
}

// With wrk present, wrk's figures carry the targets; the Go client's are shown for reference.
func goTarget(haveWrk bool, t string) string {
	if haveWrk {
		return "(see wrk)"
	}
	return t
}

func goCheck(haveWrk, ok bool) *bool {
	if haveWrk {
		return nil
	}
	return check(ok)
}
