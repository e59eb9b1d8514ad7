package harness

import (
	"fmt"
	"maps"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kata-go/concurrency/harness/internal/require"
)

// Run runs body as the test t of an exercise. It first calls RequireRace and VerifyNoLeaks,
// then runs body in a goroutine of its own under a watchdog:
//
//   - when body returns, Run returns;
//   - when body panics, the panic fails t with the panic's value and the frames of the exercise
//     folder (the value is formatted on a goroutine of its own, so that its String or Error
//     method cannot end or stall the report: t fails whatever it does), and later tests still run (a panic in a goroutine that body started itself still
//     ends the test binary, as in any Go test);
//   - when body is still running after the timeout (DefaultTimeout, or WithTimeout), Run fails t
//     with a short report of where the exercise's goroutines are blocked and returns, leaving
//     body behind. What body reports while t's cleanups run still shows; what it reports once t
//     is over is dropped (never the "Fail in goroutine after Test has completed" crash), and the
//     leak checks of later tests ignore the goroutines it left.
//
// body may call t.Fatal and require's checks as usual. It must not call t.Parallel. A check
// that fails in body shows, in testify's Error Trace, only the test's lines and the learner's.
func Run(t *testing.T, body func(t *testing.T), opts ...Option) {
	t.Helper()
	requireRace(t, 1)
	c := newConfig(opts)
	VerifyNoLeaks(t)
	_, testFile, _, _ := runtime.Caller(1)
	dir := filepath.Dir(testFile)

	// Goroutines from before this test (an earlier test's stuck body, say) are not its own.
	before := goroutineIDs(allStacks())
	before[currentGoroutineID()] = true

	var abandoned atomic.Bool
	var panicked string // set before done is closed
	done := make(chan struct{})
	started := make(chan int64, 1)
	go func() {
		defer close(done)
		started <- currentGoroutineID()
		require.Test(t, body, func(r any, returned bool) {
			if returned {
				return
			}
			// r == nil is runtime.Goexit: from t.FailNow or t.SkipNow, or from code that stopped
			// the body without a word, which must not pass. After the watchdog fired, whatever
			// body reports (and the panic testing raises for it) belongs to a test that is over.
			if r == nil && !t.Failed() && !t.Skipped() && !abandoned.Load() {
				panicked = "the test stopped early: runtime.Goexit was called on the test's goroutine (by your code?), so nothing after it was checked"
				return
			}
			if r != nil && !abandoned.Load() {
				// The verdict is set before anything of the panic value is formatted: its
				// Error or String method is the learner's code, and must not decide it.
				at := panicReport(debug.Stack(), dir)
				panicked = "panic (its value could not be shown)\n" + at
				value := describe(r)
				panicked = fmt.Sprintf("panic: %s\n%s", value, at)
				if strings.Contains(value, "deadlock") { // testing/synctest's report
					skip := maps.Clone(before)
					skip[currentGoroutineID()] = true
					panicked += "\n" + stuckReport(allStacks(), dir, -1, skip)
				}
			}
		})
	}()
	bodyID := <-started

	timer := time.NewTimer(c.timeout)
	defer timer.Stop()
	select {
	case <-done:
		if panicked != "" {
			t.Error(panicked)
		}
	case <-timer.C:
		abandoned.Store(true)
		t.Errorf("%s did not finish within %v: something is blocked.\n%s",
			t.Name(), c.timeout, stuckReport(allStacks(), dir, bodyID, before))
	}
}

func currentGoroutineID() int64 {
	buf := make([]byte, 64)
	header, _, _ := strings.Cut(string(buf[:runtime.Stack(buf, false)]), "\n")
	return parseHeader(header).id
}

func allStacks() []byte {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}

// describeTimeout bounds how long describe waits for a value's String or Error method.
const describeTimeout = 2 * time.Second

// describe formats v with %v on a goroutine of its own, so that a String or Error method that
// panics, calls runtime.Goexit or blocks cannot end or stall the caller: it then returns a
// sentence saying that the value could not be shown.
func describe(v any) string {
	type result struct {
		s        string
		finished bool
	}
	ch := make(chan result, 1)
	go func() {
		var res result
		defer func() {
			if r := recover(); r != nil {
				res = result{}
			}
			ch <- res // also after runtime.Goexit, which runs deferred calls
		}()
		res.s = fmt.Sprintf("%v", v)
		res.finished = true
	}()
	select {
	case res := <-ch:
		if res.finished {
			return res.s
		}
		return fmt.Sprintf("a %T whose String or Error method did not finish (it panicked or called runtime.Goexit)", v)
	case <-time.After(describeTimeout):
		return fmt.Sprintf("a %T whose String or Error method did not return within %v", v, describeTimeout)
	}
}
