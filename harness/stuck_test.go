package harness_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kata-go/concurrency/harness"
)

// errorRecorder is a testing.TB that keeps what Errorf says instead of failing, and notes a
// FailNow instead of stopping.
type errorRecorder struct {
	testing.TB
	errors  []string
	stopped bool
}

func (r *errorRecorder) FailNow() { r.stopped = true }

func (r *errorRecorder) Helper() {}

func (r *errorRecorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestFailStuck_KeepsTheTestsWordsAndShowsWhereGoroutinesWait(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	go blockForever(release)
	if !harness.Poll(func() bool { return len(harness.Blocked("harness_test.blockForever")) > 0 }) {
		t.Fatal("the goroutine never blocked in blockForever")
	}

	rec := &errorRecorder{TB: t}
	harness.FailStuck(rec, "two transfers are each holding the lock the other one wants (%s)", "a deadlock")
	if len(rec.errors) != 1 {
		t.Fatalf("FailStuck reported %d errors, want 1: %q", len(rec.errors), rec.errors)
	}
	msg := rec.errors[0]
	first, rest, _ := strings.Cut(msg, "\n")
	if first != "two transfers are each holding the lock the other one wants (a deadlock)" {
		t.Errorf("first line = %q, want the test's own words", first)
	}
	if !strings.Contains(rest, "blockForever (run_test.go:") {
		t.Errorf("the report does not say where the goroutine waits:\n%s", msg)
	}
	if !strings.Contains(rest, "The test is waiting at TestFailStuck_KeepsTheTestsWordsAndShowsWhereGoroutinesWait (stuck_test.go:") {
		t.Errorf("the report does not say where the test waits:\n%s", msg)
	}
	if rec.stopped {
		t.Error("FailStuck stopped the test (FailNow): it must let it go on, as t.Errorf does")
	}
}

func TestFatalStuck_FailsAsFailStuckThenStopsTheTest(t *testing.T) {
	rec := &errorRecorder{TB: t}
	harness.FatalStuck(rec, "Join did not return within %v", harness.Bound())
	if len(rec.errors) != 1 {
		t.Fatalf("FatalStuck reported %d errors, want 1: %q", len(rec.errors), rec.errors)
	}
	first, rest, _ := strings.Cut(rec.errors[0], "\n")
	if want := fmt.Sprintf("Join did not return within %v", harness.Bound()); first != want {
		t.Errorf("first line = %q, want the test's own words %q", first, want)
	}
	if !strings.Contains(rest, "The test is waiting at TestFatalStuck_FailsAsFailStuckThenStopsTheTest (stuck_test.go:") {
		t.Errorf("the report does not say where the test waits:\n%s", rec.errors[0])
	}
	if !rec.stopped {
		t.Error("FatalStuck did not stop the test (FailNow)")
	}
}

func TestFixture_TestifyTraceShowsOnlyTheTest(t *testing.T) {
	fixture(t)
	harness.Run(t, func(t *testing.T) {
		assert.Equal(t, 1, 2, "a testify check that fails")
	})
}

// A failed testify check inside Run shows, in its Error Trace, the test's line and nothing of
// the harness or the runtime: the learner reads their own lines only.
func TestRun_TestifyTraceShowsOnlyTheTestsLines(t *testing.T) {
	_, block := failedFixture(t, "TestFixture_TestifyTraceShowsOnlyTheTest")
	_, trace, _ := strings.Cut(block, "Error Trace:")
	trace, _, _ = strings.Cut(trace, "Error:")
	if !strings.Contains(trace, "stuck_test.go:") {
		t.Errorf("Error Trace does not name the test's line:\n%s", block)
	}
	for _, bad := range []string{"run.go", "require.go", "asm_", "runtime/"} {
		if strings.Contains(trace, bad) {
			t.Errorf("Error Trace shows %s, a frame that is not the test's:\n%s", bad, trace)
		}
	}
}
