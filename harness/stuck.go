package harness

import (
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
)

// FailStuck fails t with the test's own explanation of a hang, then the watchdog's report of
// where the exercise's goroutines are blocked. A test that bounds a wait on its failure path
// calls it when the bound expires, so the learner reads both what the test expected ("two
// transfers are each holding the lock the other one wants") and the lines of their code that
// wait. It must be called from the test's own file.
func FailStuck(t testing.TB, format string, args ...any) {
	t.Helper()
	failStuck(t, format, args...)
}

// FatalStuck is FailStuck followed by t.FailNow: the test stops there, as t.Fatalf stops it.
func FatalStuck(t testing.TB, format string, args ...any) {
	t.Helper()
	failStuck(t, format, args...)
	t.FailNow()
}

// failStuck is FailStuck for the test file that called the exported helper calling it.
func failStuck(t testing.TB, format string, args ...any) {
	t.Helper()
	_, file, _, _ := runtime.Caller(2) // the exported helper's caller, in the test's file
	// The calling goroutine is the test's: where it waits is the line that calls the helper.
	t.Errorf("%s\n%s", fmt.Sprintf(format, args...), stuckReport(allStacks(), filepath.Dir(file), currentGoroutineID(), nil))
}
