package harness

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
)

// AssertNoLeftovers proves that a call which has returned left nothing of itself behind in the
// caller's synctest bubble. It waits until every other goroutine of the bubble is blocked or
// gone (synctest.Wait), then fails t when any of them still has fn on its stack (a function
// name or a part of one, as for Blocked: "/exercises/06_channels."), with the test's own words
// and the report of where the exercise's goroutines of that bubble wait. It returns whether
// none was left. Goroutines outside the bubble never count, so tests running in parallel do not
// see each other's. It must be called from the test's own file, inside a bubble (Bubble); like
// synctest.Wait, it panics outside one.
func AssertNoLeftovers(t testing.TB, fn, format string, args ...any) bool {
	t.Helper()
	_, file, _, _ := runtime.Caller(1)
	synctest.Wait()
	dump := allStacks()
	skip := outsideBubble(dump, bubbleOf(currentHeader()))
	left := 0
	for _, block := range strings.Split(string(dump), "\n\n") {
		header, stack, _ := strings.Cut(block, "\n")
		if g := parseHeader(header); g.id != 0 && !skip[g.id] && strings.Contains(stack, fn) {
			left++
		}
	}
	if left == 0 {
		return true
	}
	t.Errorf("%s\n%d goroutine(s) left behind:\n%s", fmt.Sprintf(format, args...), left,
		stuckReport(dump, filepath.Dir(file), -1, skip))
	return false
}
