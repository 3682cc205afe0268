//go:build unix

package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// taskSample is what the kernel has counted for all threads of one process.
type taskSample struct {
	cpuNs    float64 // sum of per-thread schedstat on-CPU time
	switches float64 // voluntary + nonvoluntary context switches, all threads
	ticks    float64 // utime+stime from /proc/PID/stat (clock ticks, whole process)
	threads  int
	rssKiB   float64
	anonKiB  float64 // RssAnon
	fileKiB  float64 // RssFile: pages of the binary
}

func sampleProc(pid int) (taskSample, error) {
	var s taskSample
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	if err != nil || len(tasks) == 0 {
		return s, fmt.Errorf("no tasks for pid %d", pid)
	}
	for _, t := range tasks {
		if data, err := os.ReadFile(filepath.Join(t, "schedstat")); err == nil {
			if f := strings.Fields(string(data)); len(f) > 0 {
				v, _ := strconv.ParseFloat(f[0], 64)
				s.cpuNs += v
			}
		}
		if data, err := os.ReadFile(filepath.Join(t, "status")); err == nil {
			for _, l := range strings.Split(string(data), "\n") {
				if strings.HasPrefix(l, "voluntary_ctxt_switches:") || strings.HasPrefix(l, "nonvoluntary_ctxt_switches:") {
					v, _ := strconv.ParseFloat(strings.TrimSpace(strings.SplitN(l, ":", 2)[1]), 64)
					s.switches += v
				}
			}
		}
		s.threads++
	}
	if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		str := string(data)
		if i := strings.LastIndexByte(str, ')'); i > 0 {
			f := strings.Fields(str[i+1:])
			if len(f) > 12 { // fields 14, 15 of stat: utime, stime
				u, _ := strconv.ParseFloat(f[11], 64)
				st, _ := strconv.ParseFloat(f[12], 64)
				s.ticks = u + st
			}
		}
	}
	if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			f := strings.Fields(l)
			if len(f) < 2 {
				continue
			}
			switch f[0] {
			case "VmRSS:":
				s.rssKiB, _ = strconv.ParseFloat(f[1], 64)
			case "RssAnon:":
				s.anonKiB, _ = strconv.ParseFloat(f[1], 64)
			case "RssFile:":
				s.fileKiB, _ = strconv.ParseFloat(f[1], 64)
			}
		}
	}
	return s, nil
}

func benchIdle(r *report, w *world, b binaries) error {
	sleepFor := strconv.Itoa(int((*idleWin + 30*time.Second).Seconds()))
	aw, err := startAwsrun(w, b.awsrun, []string{"-p", "sso"}, sleepFor)
	if err != nil {
		return err
	}
	defer aw.stop()
	// The floor: minwrap with a sleeping child, measured over the same window.
	mw := exec.Command(b.minwrap, "sleep", sleepFor)
	mw.Env = w.env
	if err := mw.Start(); err != nil {
		return err
	}
	defer func() { mw.Process.Signal(syscall.SIGTERM); mw.Wait() }()
	if code, key, err := aw.get(http.DefaultClient); err != nil || code != 200 || key == "" {
		return fmt.Errorf("awsrun endpoint: status %d key %q err %v", code, key, err)
	}
	http.DefaultClient.CloseIdleConnections()
	// Let start-up work settle: the connection above leaves the endpoint's 5 s read deadline
	// armed; the window measures the steady state of a child that has its credentials.
	time.Sleep(8 * time.Second)
	a0, err := sampleProc(aw.cmd.Process.Pid)
	if err != nil {
		return err
	}
	m0, err := sampleProc(mw.Process.Pid)
	if err != nil {
		return err
	}
	t0 := time.Now()
	time.Sleep(*idleWin)
	a1, err := sampleProc(aw.cmd.Process.Pid)
	if err != nil {
		return err
	}
	m1, err := sampleProc(mw.Process.Pid)
	if err != nil {
		return err
	}
	perMin := float64(time.Minute) / float64(time.Since(t0))
	aCPU := (a1.cpuNs - a0.cpuNs) / 1e6 * perMin
	mCPU := (m1.cpuNs - m0.cpuNs) / 1e6 * perMin
	aSw := (a1.switches - a0.switches) * perMin
	mSw := (m1.switches - m0.switches) * perMin
	ratio := func(a, b float64) string {
		if b <= 0 {
			return "floor 0"
		}
		return fmt.Sprintf("%.2fx", a/b)
	}
	r.add("idle CPU per minute (schedstat, all threads)", fmt.Sprintf("%.3f ms", aCPU), fmt.Sprintf("minwrap %.3f ms", mCPU),
		ratio(aCPU, mCPU), "<= 1 ms", check(aCPU <= 1))
	r.add("idle wakeups per minute (ctxt switches, all threads)", fmt.Sprintf("%.1f", aSw), fmt.Sprintf("minwrap %.1f", mSw),
		ratio(aSw, mSw), "<= 5", check(aSw <= 5))
	r.add("  idle utime+stime ticks in window", fmt.Sprintf("%.0f ticks / %s", a1.ticks-a0.ticks, idleWin.String()),
		fmt.Sprintf("minwrap %.0f", m1.ticks-m0.ticks), "", "", nil)
	r.add("  idle RSS (VmRSS), threads", fmt.Sprintf("%s, %d threads", mib(a1.rssKiB*1024), a1.threads),
		fmt.Sprintf("minwrap %s, %d threads", mib(m1.rssKiB*1024), m1.threads), ratio(a1.rssKiB, m1.rssKiB), "", nil)
	// Most of the RSS is the binary's own pages (file-backed), which scale with its size.
	r.add("  idle RSS split: anonymous / file-backed (binary)", fmt.Sprintf("%s / %s", mib(a1.anonKiB*1024), mib(a1.fileKiB*1024)),
		fmt.Sprintf("minwrap %s / %s", mib(m1.anonKiB*1024), mib(m1.fileKiB*1024)), "", "", nil)
	if a1.threads != a0.threads {
		r.note("idle: awsrun thread count changed during the window (%d -> %d); switches of exited threads are lost", a0.threads, a1.threads)
	}
	return nil
}
