package phases

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestMarksInOrderAndFlushAppends: marks come out in the order made, on a clock that does not
// go back, each run's block ends with "end", and a second flush appends.
func TestMarksInOrderAndFlushAppends(t *testing.T) {
	file := filepath.Join(t.TempDir(), "phases")
	path = file
	t.Cleanup(func() { path = "" })
	for run := 0; run < 2; run++ {
		Mark("main")
		Mark("flags")
		Mark("exit")
		Flush()
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	want := []string{"main", "flags", "exit", "end", "main", "flags", "exit", "end"}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), b)
	}
	var last int64
	for i, l := range lines {
		name, v, _ := strings.Cut(l, " ")
		if name != want[i] {
			t.Errorf("line %d is %q, want %s", i, l, want[i])
		}
		ns, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if name == "end" {
			continue
		}
		if ns < last {
			t.Errorf("%s at %d, before the previous mark %d", name, ns, last)
		}
		last = ns
	}
}

// TestOffWritesNothing: without the variable a mark and a flush leave no file.
func TestOffWritesNothing(t *testing.T) {
	path = ""
	Mark("main")
	Flush()
	if len(marks) != 0 {
		t.Errorf("kept %d bytes of marks while off", len(marks))
	}
}
