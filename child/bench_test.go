package child

import (
	"os/exec"
	"testing"
)

func BenchmarkStartWait(b *testing.B) {
	path, err := exec.LookPath("true")
	if err != nil {
		b.Skip("no true command:", err)
	}
	for b.Loop() {
		p, err := New(Options{Command: path})
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Start(); err != nil {
			b.Fatal(err)
		}
		<-p.Done()
		if st := p.Status(); st != (Status{}) {
			b.Fatalf("status %+v", st)
		}
	}
}
