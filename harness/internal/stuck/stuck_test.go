package stuck

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kata-go/concurrency/harness/internal/stack"
	"github.com/kata-go/concurrency/harness/internal/stack/stacktest"
)

func learner(f string) bool {
	return strings.HasPrefix(f, "/repo/exercises/07_barrier/") && !strings.HasSuffix(f, "_test.go")
}

func test(f string) bool { return strings.HasSuffix(f, "_test.go") }

func TestBuild_GroupsLearnerFramesAndNamesTheTestsWait(t *testing.T) {
	r := Build(stack.Parse([]byte(stacktest.BlockedBarrier)), learner, test, 9, nil)
	got := r.String()
	want := `Your goroutines are blocked here:
  2 goroutines (7, 8) [chan receive]:
      (*Barrier).Wait (barrier.go:41)
      started by Spawn[...] (barrier.go:30)
The test is waiting at TestX (barrier_test.go:55).`
	if got != want {
		t.Errorf("report:\n%s\nwant:\n%s", got, want)
	}
	skipped := Build(stack.Parse([]byte(stacktest.BlockedBarrier)), learner, test, 9, map[int64]bool{7: true, 8: true})
	if !strings.HasPrefix(skipped.String(), NothingRunning) {
		t.Errorf("with goroutines 7 and 8 skipped, the report still blames them:\n%s", skipped)
	}
}

// The report names only the first few places where the test waits, so the failing test's own
// goroutines lead: its body, then what its body started, then the rest, whatever the dump order.
func TestBuild_TheTestsOwnWaitsLead(t *testing.T) {
	dump := `goroutine 3 [chan receive]:
x_test.TestOther(0xc0)
	/repo/exercises/07_barrier/barrier_test.go:90 +0x1f

goroutine 4 [chan receive]:
x_test.leftover()
	/repo/exercises/07_barrier/barrier_test.go:80 +0x1f
created by x_test.TestOther in goroutine 3
	/repo/exercises/07_barrier/barrier_test.go:88 +0x1f

goroutine 5 [chan receive]:
x_test.helper()
	/repo/exercises/07_barrier/barrier_test.go:70 +0x1f
created by x_test.TestX in goroutine 9
	/repo/exercises/07_barrier/barrier_test.go:54 +0x1f

goroutine 9 [select]:
x_test.TestX(0xc0)
	/repo/exercises/07_barrier/barrier_test.go:55 +0x1f
`
	got := Build(stack.Parse([]byte(dump)), learner, test, 9, nil).TestWaits
	want := []Place{{"TestX", "barrier_test.go", 55}, {"helper", "barrier_test.go", 70}, {"TestOther", "barrier_test.go", 90}, {"leftover", "barrier_test.go", 80}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("TestWaits = %v, want %v", got, want)
	}
}

// The round trip: what the harness writes, the CLI reads back whole.
func TestParse_ReadsBackWhatStringWrites(t *testing.T) {
	reports := []Report{
		Build(stack.Parse([]byte(stacktest.BlockedBarrier)), learner, test, 9, nil),
		Build(stack.Parse([]byte(stacktest.BlockedBarrier)), learner, test, 9, map[int64]bool{7: true, 8: true}),
		{Groups: []Group{
			{Count: 1, IDs: []int64{19}, State: "sync.Mutex.Lock", Frames: []Place{{"(*Bank).Transfer", "mutex.go", 88}, {"(*Bank).lock", "mutex.go", 70}}},
			{Count: 7, IDs: []int64{1, 2, 3, 4, 5}, State: "chan send", Frames: []Place{{"Map[...].func1", "pipeline.go", 12}}, StartedBy: &Place{"Map[...]", "pipeline.go", 9}},
		}, More: 3},
	}
	for _, want := range reports {
		text := want.String()
		lines := strings.Split("    mutex_test.go:504: two transfers are each holding the lock the other one wants\n"+indent(text), "\n")
		got, ok := Parse(lines)
		if !ok {
			t.Fatalf("Parse found no report in:\n%s", text)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip:\n%s\nread back as %+v\nwant %+v", text, got, want)
		}
	}
}

func indent(s string) string { return "        " + strings.ReplaceAll(s, "\n", "\n        ") }
