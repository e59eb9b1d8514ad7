package harness

import (
	"strings"
	"testing"

	"github.com/kata-go/concurrency/harness/internal/stack/stacktest"
)

func TestStuckReport_GroupsLearnerFramesAndNamesTheTestsWait(t *testing.T) {
	got := stuckReport([]byte(stacktest.BlockedBarrier), "/repo/exercises/07_barrier", 9, nil)
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
	if skipped := stuckReport([]byte(stacktest.BlockedBarrier), "/repo/exercises/07_barrier", 9, map[int64]bool{7: true, 8: true}); !strings.Contains(skipped, "None of your code is running") {
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
