package watch

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkWriteToEvent measures awsrun's reaction time: from a write to a watched file to the
// Event reaching the receiver. It includes the debounce, so it is kept small here; the
// latency-over-debounce metric is the watcher's own cost.
func BenchmarkWriteToEvent(b *testing.B) {
	const debounce = time.Millisecond
	dir := b.TempDir()
	f := filepath.Join(dir, "token.json")
	fh, err := os.Create(f)
	if err != nil {
		b.Fatal(err)
	}
	defer fh.Close()
	w, err := New(Options{Files: []string{f}, Debounce: debounce})
	if err != nil {
		b.Fatal(err)
	}
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	defer w.Close()

	// One pwrite per round makes one kernel event, so each round yields exactly one Event.
	data := []byte(`{"accessToken":"x"}`)
	for b.Loop() {
		if _, err := fh.WriteAt(data, 0); err != nil {
			b.Fatal(err)
		}
		select {
		case <-w.Events():
		case <-time.After(patience):
			b.Fatal("no event")
		}
	}
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(perOp-debounce), "ns-over-debounce/op")
}
