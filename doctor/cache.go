package doctor

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// cliCache looks at ~/.aws/cli/cache, where the AWS CLI keeps assume-role and SSO role
// credentials. "rm -r ~/.aws/cli/cache" is the folk cure for expired tokens; --fix removes only
// the entries that really have expired and leaves live ones (and anything unreadable) alone.
func (d *doctor) cliCache() {
	const name = "cli-cache"
	dir := filepath.Join(d.home, ".aws", "cli", "cache")
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || d.home == "" {
		d.add(name, OK, "no AWS CLI credential cache ("+d.tilde(dir)+")", "")
		return
	}
	if err != nil {
		d.add(name, Warn, "cannot read "+d.tilde(dir)+": "+err.Error(), "ls -ld "+dir)
		return
	}
	now := d.now()
	var expired []string
	total, unreadable := 0, 0
	for _, de := range des {
		if !de.Type().IsRegular() || !strings.HasSuffix(de.Name(), ".json") {
			continue
		}
		total++
		exp, ok := cacheExpiry(filepath.Join(dir, de.Name()))
		switch {
		case !ok:
			unreadable++
		case !exp.After(now):
			expired = append(expired, de.Name())
		}
	}
	note := ""
	if unreadable > 0 {
		note = fmt.Sprintf("; %s without a readable Expiration left alone", entries(unreadable))
	}
	if len(expired) == 0 {
		d.add(name, OK, fmt.Sprintf("%s in %s, none expired%s", entries(total), d.tilde(dir), note), "")
		return
	}
	if !d.o.Fix {
		d.add(name, Warn, fmt.Sprintf("%d of %s in %s %s expired (the CLI fetches anew, but they confuse debugging)%s", len(expired), entries(total), d.tilde(dir), hasHave(len(expired)), note),
			"awsrun doctor --fix (removes only the expired entries)")
		return
	}
	removed := 0
	var failed []string
	for _, n := range expired {
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			failed = append(failed, n)
			continue
		}
		removed++
	}
	if len(failed) > 0 {
		d.add(name, Warn, fmt.Sprintf("removed %d expired %s from %s; could not remove %s", removed, entriesWord(removed), d.tilde(dir), strings.Join(failed, ", ")),
			"rm "+filepath.Join(dir, failed[0]))
		return
	}
	d.add(name, OK, fmt.Sprintf("removed %d expired %s from %s; %d left%s", removed, entriesWord(removed), d.tilde(dir), total-removed, note), "")
}

// cacheExpiry reads Credentials.Expiration of one cache entry, as botocore writes it
// ("2026-01-02T15:04:05UTC") or as RFC 3339.
func cacheExpiry(path string) (time.Time, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return time.Time{}, false
	}
	var e struct {
		Credentials struct {
			Expiration string
		}
	}
	if json.Unmarshal(data, &e) != nil || e.Credentials.Expiration == "" {
		return time.Time{}, false
	}
	return parseLooseTime(e.Credentials.Expiration)
}

func parseLooseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05UTC", "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// entries is "1 entry" or "N entries".
func entries(n int) string { return fmt.Sprintf("%d %s", n, entriesWord(n)) }

func entriesWord(n int) string {
	if n == 1 {
		return "entry"
	}
	return "entries"
}

func hasHave(n int) string {
	if n == 1 {
		return "has"
	}
	return "have"
}
