package harness

import (
	"strings"
	"testing"
)

const dump = `goroutine 7 [chan receive, 2 minutes]:
github.com/kata-go/concurrency/exercises/07_barrier.(*Barrier).Wait(0xc0000b2000)
	/repo/exercises/07_barrier/barrier.go:41 +0x25
github.com/kata-go/concurrency/exercises/07_barrier_test.TestX.func1()
	/repo/exercises/07_barrier/barrier_test.go:20 +0x1f
created by github.com/kata-go/concurrency/exercises/07_barrier.Spawn[...] in goroutine 6
	/repo/exercises/07_barrier/barrier.go:30 +0x8b

goroutine 8 [chan receive]:
github.com/kata-go/concurrency/exercises/07_barrier.(*Barrier).Wait(0xc0000b2000)
	/repo/exercises/07_barrier/barrier.go:41 +0x25
github.com/kata-go/concurrency/exercises/07_barrier_test.TestX.func1()
	/repo/exercises/07_barrier/barrier_test.go:20 +0x1f
created by github.com/kata-go/concurrency/exercises/07_barrier.Spawn[...] in goroutine 6
	/repo/exercises/07_barrier/barrier.go:30 +0x8b

goroutine 9 [select]:
github.com/kata-go/concurrency/exercises/07_barrier_test.TestX(0xc000003500)
	/repo/exercises/07_barrier/barrier_test.go:55 +0x1f

goroutine 10 [IO wait]:
internal/poll.runtime_pollWait(0x7f, 0x72)
	/usr/local/go/src/runtime/netpoll.go:351 +0x85
`

func TestStuckReport_GroupsLearnerFramesAndNamesTheTestsWait(t *testing.T) {
	got := stuckReport([]byte(dump), "/repo/exercises/07_barrier", 9, nil)
	for _, want := range []string{
		"Your goroutines are blocked here:",
		"2 goroutines (7, 8) [chan receive]:",
		"(*Barrier).Wait (barrier.go:41)",
		"started by Spawn[...] (barrier.go:30)",
		"The test is waiting at TestX (barrier_test.go:55)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "netpoll") || strings.Contains(got, "barrier_test.go:20") {
		t.Errorf("report shows frames that are not the learner's:\n%s", got)
	}
	if skipped := stuckReport([]byte(dump), "/repo/exercises/07_barrier", 9, map[int64]bool{7: true, 8: true}); !strings.Contains(skipped, "None of your code is running") {
		t.Errorf("with goroutines 7 and 8 skipped, report still blames them:\n%s", skipped)
	}
}

func TestParseHeader(t *testing.T) {
	if h := parseHeader("goroutine 42 [sync.Cond.Wait, 2 minutes]:"); h.id != 42 || h.state != "sync.Cond.Wait" {
		t.Errorf("parseHeader = %+v", h)
	}
	if h := parseHeader("not a header"); h.id != 0 {
		t.Errorf("parseHeader of another line = %+v, want id 0", h)
	}
}
