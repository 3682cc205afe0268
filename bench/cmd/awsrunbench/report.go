//go:build unix

package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

type row struct {
	figure, value, baseline, ratio, target string
	met                                    *bool // nil: informational, no target
}

type report struct {
	rows  []row
	notes []string
}

func (r *report) add(figure, value, baseline, ratio, target string, met *bool) {
	r.rows = append(r.rows, row{figure, value, baseline, ratio, target, met})
}

func (r *report) note(format string, a ...any) {
	s := fmt.Sprintf(format, a...)
	r.notes = append(r.notes, s)
	progress("   note: %s", s)
}

func check(ok bool) *bool { return &ok }

func (r *report) print(out io.Writer) {
	fmt.Fprintln(out, "\nawsrun performance (medians; ratios are medians of alternated A/B pairs)")
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "figure\tvalue\tbaseline\tratio\ttarget\tmet?")
	fmt.Fprintln(tw, "------\t-----\t--------\t-----\t------\t----")
	met, missed := 0, 0
	for _, x := range r.rows {
		m := "-"
		if x.met != nil {
			if *x.met {
				m = "met"
				met++
			} else {
				m = "NOT MET"
				missed++
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", x.figure, dash(x.value), dash(x.baseline), dash(x.ratio), dash(x.target), m)
	}
	tw.Flush()
	fmt.Fprintf(out, "\ntargets met: %d, not met: %d (a miss does not fail the run)\n", met, missed)
	if len(r.notes) > 0 {
		fmt.Fprintln(out, "\nnotes:")
		for _, n := range r.notes {
			fmt.Fprintln(out, "  - "+strings.ReplaceAll(n, "\n", "\n    "))
		}
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

func minmax(xs []float64) (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

func ms(d float64) string { return fmt.Sprintf("%.2f ms", d) }

func msDur(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mib(b float64) string { return fmt.Sprintf("%.2f MiB", b/(1<<20)) }
