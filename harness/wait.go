package harness

import (
	"fmt"
	"testing"
	"time"
)

// Bound returns how long a test waits for something that a correct solution does at once: a
// goroutine to arrive and block, a result to come, a call to return. Only a wrong solution makes
// a test wait that long, so it bounds the failure path and never measures time. It is 3s, less
// than DefaultTimeout, so that a test that waits that long fails in its own words before the
// watchdog fires; when KATA_WATCHDOG gives a slow machine a watchdog longer than 5s, Bound grows
// with it (three fifths of it).
func Bound() time.Duration {
	return max(3*time.Second, newConfig(nil).timeout*3/5)
}

// Poll calls cond until it returns true and reports whether it did so within Bound. It calls
// cond on the calling goroutine, at once and then after pauses that grow from a microsecond to
// a millisecond: it returns as soon as cond holds, so it replaces a sleep of a guessed length.
// cond may stop the test (t.Fatal) when what it sees can only be wrong, such as a call that
// returned when it should wait. Poll never fails a test itself: on false, the test says what it
// saw, with FailStuck.
func Poll(cond func() bool) bool {
	deadline := time.Now().Add(Bound())
	for pause := time.Microsecond; ; pause = min(2*pause, time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
	}
}

// PollBlocked is Poll over Blocked for a call that may wait at one of several points: it waits,
// within Bound, until a goroutine with fn on its stack is blocked in one of frames (as
// Blocked(fn, frame) sees it), and returns that frame, the first of frames when several match.
// It returns "" when done is closed first (the call has returned, so it will never block there)
// or when Bound passes: the test then says what it saw. A test that cancels a call waiting in a
// network read, say, calls PollBlocked(done, "/exercises/12_echo.", loopback.ReadFunc) first,
// so that the cancellation is proven to reach the call while it waits.
func PollBlocked(done <-chan struct{}, fn string, frames ...string) string {
	at := ""
	Poll(func() bool {
		select {
		case <-done:
			return true
		default:
		}
		for _, f := range frames {
			if len(Blocked(fn, f)) > 0 {
				at = f
				return true
			}
		}
		return false
	})
	return at
}

// WaitBlocked waits until at least n goroutines are blocked with fn on their stack (as Blocked
// sees them) and returns their IDs. When fewer are blocked after Bound, it fails t with the
// test's own words (format and args), how many it saw, and FailStuck's report of where the
// exercise's goroutines wait, then stops the test (t.FailNow). Call it from the test's goroutine
// in the exercise's test files, as FailStuck.
func WaitBlocked(t testing.TB, fn string, n int, format string, args ...any) map[int64]bool {
	t.Helper()
	var blocked map[int64]bool
	if Poll(func() bool { blocked = Blocked(fn); return len(blocked) >= n }) {
		return blocked
	}
	failStuck(t, "%s: after %v only %d goroutine(s) were blocked in %s, want %d (a call that spins instead of waiting is not counted)",
		fmt.Sprintf(format, args...), Bound(), len(blocked), fn, n)
	t.FailNow()
	return nil
}

// Receive returns the next value from ch, waiting at most Bound for it: the wait for a result
// that a correct solution sends at once. When none comes in time, it fails t with the test's own
// words (format and args) and FailStuck's report of where the exercise's goroutines wait, then
// stops the test (t.FailNow). Call it from the test's goroutine in the exercise's test files, as
// FailStuck.
func Receive[T any](t testing.TB, ch <-chan T, format string, args ...any) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(Bound()):
	}
	failStuck(t, format, args...)
	t.FailNow()
	var zero T
	return zero
}
