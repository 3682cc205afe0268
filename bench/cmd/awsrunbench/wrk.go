//go:build unix

package main

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"time"
)

var wrkDur = 2 * time.Second

type wrkResult struct {
	p50, p99 float64 // microseconds
	rps      float64
	bad      int // non-2xx responses and socket errors
}

var (
	reWrkPct  = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	reWrkRPS  = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reWrkNon2 = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	reWrkSock = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// runWrk runs wrk (pinned to CPU 1 when pin) against s with conc keep-alive connections.
func runWrk(s *server, conc int, pin bool) (wrkResult, error) {
	argv := []string{"wrk", "-t1", fmt.Sprintf("-c%d", conc), fmt.Sprintf("-d%ds", int(wrkDur.Seconds())), "--latency", "-H", "Authorization: " + s.token, s.url}
	if pin {
		argv = append([]string{"taskset", "-c", "1"}, argv...)
	}
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %v: %s", err, out)
	}
	text := string(out)
	var res wrkResult
	for _, m := range reWrkPct.FindAllStringSubmatch(text, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		switch m[3] {
		case "ms":
			v *= 1e3
		case "s":
			v *= 1e6
		}
		if m[1] == "50" {
			res.p50 = v
		} else {
			res.p99 = v
		}
	}
	m := reWrkRPS.FindStringSubmatch(text)
	if m == nil || res.p50 == 0 {
		return res, fmt.Errorf("cannot parse wrk output: %s", text)
	}
	res.rps, _ = strconv.ParseFloat(m[1], 64)
	if m := reWrkNon2.FindStringSubmatch(text); m != nil {
		n, _ := strconv.Atoi(m[1])
		res.bad += n
	}
	if m := reWrkSock.FindStringSubmatch(text); m != nil {
		for _, x := range m[1:] {
			n, _ := strconv.Atoi(x)
			res.bad += n
		}
	}
	return res, nil
}

// benchWrk: same servers, wrk as the client (a light C client: closer to the servers' own
// cost than the Go client), rounds alternated. Returns false if wrk is not installed.
func benchWrk(r *report, aw, mh *server, pin bool) (bool, error) {
	if _, err := exec.LookPath("wrk"); err != nil {
		r.note("endpoint: wrk not installed (apt-get install -y wrk); Go-client figures carry the targets")
		return false, nil
	}
	// Single 2 s rounds of the same server vary by several percent on a shared VM; the median
	// paired ratio of seven (by default) is what holds still from run to run.
	rounds := 2**epRounds + 1
	for _, conc := range []int{1, 10} {
		var p50a, p50b, p99a, p99b, rpsA, rpsB, ratios []float64
		bad := 0
		for round := 0; round < rounds; round++ {
			var ra, rb wrkResult
			var err error
			first, second := aw, mh
			if round%2 == 1 {
				first, second = mh, aw
			}
			x, err := runWrk(first, conc, pin)
			if err != nil {
				return true, err
			}
			y, err := runWrk(second, conc, pin)
			if err != nil {
				return true, err
			}
			if first == aw {
				ra, rb = x, y
			} else {
				ra, rb = y, x
			}
			p50a, p50b = append(p50a, ra.p50), append(p50b, rb.p50)
			p99a, p99b = append(p99a, ra.p99), append(p99b, rb.p99)
			rpsA, rpsB = append(rpsA, ra.rps), append(rpsB, rb.rps)
			ratios = append(ratios, ra.rps/rb.rps)
			bad += ra.bad + rb.bad
			debugf("wrk c=%d round %d: awsrun %.0f req/s p50 %.0f us, minhandler %.0f req/s p50 %.0f us", conc, round, ra.rps, ra.p50, rb.rps, rb.p50)
		}
		ratio := median(ratios)
		// Issue 13 sets the throughput target at c=10; c=1 is shown beside it.
		var rpsMet *bool
		rpsTarget := ""
		if conc == 10 {
			rpsMet, rpsTarget = check(ratio >= 0.9), ">= 0.9x minhandler"
		}
		r.add(fmt.Sprintf("endpoint c=%d req/s (wrk, keep-alive)", conc), fmt.Sprintf("%.0f req/s", median(rpsA)),
			fmt.Sprintf("minhandler %.0f req/s", median(rpsB)), fmt.Sprintf("%.2fx", ratio), rpsTarget, rpsMet)
		var met *bool
		target := ""
		if conc == 1 {
			met, target = check(median(p50a) <= 100), "<= 100 us"
		}
		r.add(fmt.Sprintf("endpoint c=%d latency p50 (wrk)", conc), fmt.Sprintf("%.0f us", median(p50a)), fmt.Sprintf("minhandler %.0f us", median(p50b)),
			fmt.Sprintf("%.2fx", median(p50a)/median(p50b)), target, met)
		r.add(fmt.Sprintf("endpoint c=%d latency p99 (wrk)", conc), fmt.Sprintf("%.0f us", median(p99a)), fmt.Sprintf("minhandler %.0f us", median(p99b)),
			fmt.Sprintf("%.2fx", median(p99a)/median(p99b)), "", nil)
		if bad > 0 {
			r.note("endpoint (wrk) c=%d: %d non-2xx responses or socket errors", conc, bad)
		}
	}
	return true, nil
}
