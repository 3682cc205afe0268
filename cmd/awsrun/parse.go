package main

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/awsrun/awsrun/creds"
)

// parseSignal accepts TERM, SIGTERM, sigterm or a number.
func parseSignal(s string) (syscall.Signal, error) {
	name := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(s)), "SIG")
	if sig, ok := signalNames[name]; ok {
		return sig, nil
	}
	if n, err := strconv.Atoi(name); err == nil && n > 0 && n < 65 {
		return syscall.Signal(n), nil
	}
	return 0, fmt.Errorf("unknown --stop-signal %q: use TERM, INT, HUP, QUIT, USR1, USR2 or a number", s)
}

// splitCommand splits a command line the way a POSIX shell splits words, with single quotes,
// double quotes and backslashes, but no expansion: --restart-command "claude --continue".
func splitCommand(flag, s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case quote == '"':
			switch {
			case c == '"':
				quote = 0
			case c == '\\' && i+1 < len(s) && strings.IndexByte(`"\$`+"`", s[i+1]) >= 0:
				i++
				cur.WriteByte(s[i])
			default:
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in --%s %q", flag, s)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}

// parseDurations reads "30m,5m"; empty means none.
func parseDurations(s string) ([]time.Duration, error) {
	out := []time.Duration{}
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		d, err := time.ParseDuration(f)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("bad --warn-before %q: use durations like 30m,5m", s)
		}
		out = append(out, d)
	}
	return out, nil
}

// pickRegion chooses the region as the AWS CLI does, --region first (maybeEnv: or its variable
// AWSRUN_REGION), then AWS_REGION, then AWS_DEFAULT_REGION, and checks it: it goes into the
// child's config file and environment, where a line break would plant settings of its own (a
// credential_process). The error names where the value came from and does not repeat it.
func pickRegion(flagValue string, maybeEnv bool, getenv func(string) string) (string, error) {
	region, from := flagValue, "--region"
	switch {
	case flagValue != "" && maybeEnv && getenv("AWSRUN_REGION") == flagValue:
		from = "AWSRUN_REGION"
	case flagValue != "":
	case getenv("AWS_REGION") != "":
		region, from = getenv("AWS_REGION"), "AWS_REGION"
	default:
		region, from = getenv("AWS_DEFAULT_REGION"), "AWS_DEFAULT_REGION"
	}
	if region == "" {
		return "", nil
	}
	if p := creds.RegionProblem(region); p != "" {
		if !strings.Contains(p, "region name") {
			p += "; a region is a name like us-east-1"
		}
		return "", fmt.Errorf("bad %s: %s", from, p)
	}
	return region, nil
}
