package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteText prints the report for a terminal: a header, one line per check, a summary.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "awsrun doctor: profile %q (%s)\n", r.Profile, r.ProfileFrom)
	width := 0
	for _, c := range r.Checks {
		width = max(width, len(c.Name))
	}
	for _, c := range r.Checks {
		line := fmt.Sprintf("%-4s  %-*s  %s", c.Status, width, c.Name, c.Message)
		if c.Fix != "" {
			line += "; fix: " + c.Fix
		}
		b.WriteString(line + "\n")
	}
	fmt.Fprintf(&b, "%d ok, %s, %d failed, %d skipped\n", r.OK, plural(r.Warnings, "warning", "warnings"), r.Failures, r.Skipped)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the report as one JSON object, for scripts.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// when shows an instant as local wall time with how far it is from now: "14:32 CEST (in 59m)".
func when(t, now time.Time) string {
	layout := "15:04 MST"
	if d := t.Sub(now); d > 20*time.Hour || d < -20*time.Hour {
		layout = "2006-01-02 15:04 MST"
	}
	s := t.Local().Format(layout)
	if d := t.Sub(now); d >= 0 {
		return s + " (in " + human(d) + ")"
	} else {
		return s + " (" + human(-d) + " ago)"
	}
}

// whenFlat is when without parentheses, for use inside them: "14:32 CEST, in 59m".
func whenFlat(t, now time.Time) string {
	s := when(t, now)
	i := strings.LastIndex(s, " (")
	return s[:i] + ", " + strings.TrimSuffix(s[i+2:], ")")
}

// human is a duration rounded for people: "45s", "59m", "7h12m", "3d4h".
func human(d time.Duration) string {
	if d < time.Minute-time.Second/2 {
		return fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second))
	}
	if d < 48*time.Hour {
		d = d.Round(time.Minute)
	} else {
		d = d.Round(time.Hour)
	}
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
	if h == 0 {
		return fmt.Sprintf("%dd", days)
	}
	return fmt.Sprintf("%dd%dh", days, h)
}

// tilde shortens paths under HOME for display.
func (d *doctor) tilde(p string) string {
	if d.home != "" && strings.HasPrefix(p, d.home+"/") {
		return "~" + p[len(d.home):]
	}
	return p
}

// plural is "1 warning", "2 warnings".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
