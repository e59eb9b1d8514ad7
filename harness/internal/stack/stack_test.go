package stack

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/kata-go/concurrency/harness/internal/stack/stacktest"
)

func TestParse_FramesStateAndCreator(t *testing.T) {
	gs := Parse([]byte(stacktest.BlockedBarrier))
	if len(gs) != 4 {
		t.Fatalf("parsed %d goroutines, want 4", len(gs))
	}
	g := gs[0]
	if g.ID != 7 || g.State != "chan receive" || len(g.Frames) != 2 {
		t.Fatalf("goroutine 7 parsed as id %d state %q with %d frames", g.ID, g.State, len(g.Frames))
	}
	if got := g.Frames[0].String(); got != "(*Barrier).Wait (barrier.go:41)" {
		t.Errorf("frame = %q", got)
	}
	if got := g.CreatedBy.String(); got != "Spawn[...] (barrier.go:30)" || g.CreatorID != 6 {
		t.Errorf("created by = %q in goroutine %d, want Spawn[...] (barrier.go:30) in 6", got, g.CreatorID)
	}
	sys := gs[3]
	if sys.ID != 10 || sys.State != "IO wait" || len(sys.Frames) != 1 || sys.Frames[0].Line != 351 {
		t.Errorf("GOTRACEBACK=system goroutine parsed as %+v", sys)
	}
}

// A goroutine deep in recursion: the runtime prints the innermost frames, "...N frames
// elided...", then the outermost, and "created by" still follows.
func TestParse_ElidedFramesKeepCreatedBy(t *testing.T) {
	done := make(chan string)
	go func() { done <- deep(200) }()
	gs := Parse([]byte(<-done))
	if len(gs) == 0 {
		t.Fatal("no goroutine parsed")
	}
	g := gs[0]
	if g.Elided == 0 {
		t.Fatalf("a 200-call stack parsed with nothing elided: %d frames", len(g.Frames))
	}
	if !strings.Contains(g.CreatedBy.Func, "TestParse_ElidedFramesKeepCreatedBy") || g.CreatedBy.Line == 0 {
		t.Errorf("created by = %+v, want this test", g.CreatedBy)
	}
	for _, f := range g.Frames {
		if f.Line == 0 || !strings.HasSuffix(f.File, ".go") {
			t.Errorf("garbage frame after the elision: %+v", f)
		}
	}
}

func deep(n int) string {
	if n == 0 {
		buf := make([]byte, 1<<20)
		return string(buf[:runtime.Stack(buf, false)])
	}
	return deep(n - 1)
}

func TestParse_Ancestors(t *testing.T) {
	text := `goroutine 9 [running]:
main.work()
	/x/main.go:10 +0x1
created by main.start in goroutine 5
	/x/main.go:20 +0x2
[originating from goroutine 5]:
main.start(...)
	/x/main.go:19 +0x3
created by main.main in goroutine 1
	/x/main.go:30 +0x4

goroutine 1 [select]:
main.main()
	/x/main.go:31 +0x5
`
	gs := Parse([]byte(text))
	if len(gs) != 2 {
		t.Fatalf("parsed %d goroutines, want 2 (an ancestor is not a goroutine of its own)", len(gs))
	}
	if len(gs[0].Ancestors) != 1 || gs[0].Ancestors[0].ID != 5 || gs[0].Ancestors[0].Frames[0].Func != "main.start" {
		t.Errorf("ancestors = %+v", gs[0].Ancestors)
	}
	if gs[1].ID != 1 || gs[1].Frames[0].Line != 31 {
		t.Errorf("the goroutine after the ancestors = %+v", gs[1])
	}
}

func TestShortFunc(t *testing.T) {
	for in, want := range map[string]string{
		"github.com/x/exercises/07_barrier.(*Barrier).Wait(0xc0000b2000)":      "(*Barrier).Wait",
		"created by github.com/x/exercises/03_spawn.Spawn[...] in goroutine 7": "Spawn[...]",
		"github.com/x/exercises/03_spawn.(*JoinHandle[go.shape.int]).Join":     "(*JoinHandle[go.shape.int]).Join",
		"github.com/x/e.F[go.shape.*example.com/y.T]()":                        "F[go.shape.*example.com/y.T]",
		"sync.(*Mutex).Lock(...)":                                              "(*Mutex).Lock",
		"(*Barrier).Wait":                                                      "(*Barrier).Wait",
		"github.com/x/exercises/07_barrier_test.TestX.func1.2()":               "TestX.func1.2",
	} {
		if got := ShortFunc(in); got != want {
			t.Errorf("ShortFunc(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadFrames(t *testing.T) {
	lines := strings.Split("  main.f()\n      /x/a.go:3 +0x1\n  created by main.g in goroutine 2\n      /x/a.go:9 +0x2\n\nrest", "\n")
	frames, used := ReadFrames(lines)
	if used != 4 || len(frames) != 2 {
		t.Fatalf("read %d frames in %d lines, want 2 in 4", len(frames), used)
	}
	if got := fmt.Sprint(frames[1]); frames[1].Func != "created by main.g" || got != "g (a.go:9)" {
		t.Errorf("created-by frame = %q (%s)", got, frames[1].Func)
	}
}

func TestParsePosition(t *testing.T) {
	for _, c := range []struct {
		line, file string
		n          int
	}{
		{"\t/repo/exercises/07_barrier/barrier.go:41 +0x25", "/repo/exercises/07_barrier/barrier.go", 41},
		{"\t/usr/local/go/src/runtime/netpoll.go:351 +0x85 fp=0xc00004 sp=0xc00003 pc=0x4a1", "/usr/local/go/src/runtime/netpoll.go", 351},
		{"      /x/a.go:3", "/x/a.go", 3},
		// A learner's home folder on macOS or Windows often has a space; Windows paths a drive.
		{"\t/Users/Ada Lovelace/kata/exercises/01_cell/cell.go:12 +0x1d", "/Users/Ada Lovelace/kata/exercises/01_cell/cell.go", 12},
		{"\tC:/Users/Ada Lovelace/kata/exercises/01_cell/cell.go:12 +0x1d", "C:/Users/Ada Lovelace/kata/exercises/01_cell/cell.go", 12},
		{"\tC:/kata/cell.go:7", "C:/kata/cell.go", 7},
	} {
		file, n, ok := ParsePosition(c.line)
		if !ok || file != c.file || n != c.n {
			t.Errorf("ParsePosition(%q) = (%q, %d, %v), want (%q, %d, true)", c.line, file, n, ok, c.file, c.n)
		}
	}
	for _, line := range []string{"main.f()", "\tno position here", "\t/x/a.go:+0x1", "\t:12", ""} {
		if file, n, ok := ParsePosition(line); ok {
			t.Errorf("ParsePosition(%q) = (%q, %d, true), want not ok", line, file, n)
		}
	}
}
