package harness_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kata-go/concurrency/harness"
)

// Every exercise test has this shape: TestMain hands the package to harness.Main, and each
// test's body runs inside harness.Run. (Examples cannot be given a *testing.T, so this one is
// compiled but not run; TestRun_FixturesReportEachFailureAndGoOn runs the same shapes.)
func ExampleRun() {
	_ = func(t *testing.T) {
		harness.Run(t, func(t *testing.T) {
			r := harness.Rand(t) // its seed is logged if the test fails
			n := r.IntN(100)
			if got := n * 2; got != n+n {
				t.Errorf("double(%d) = %d, want %d", n, got, n+n)
			}
		}, harness.WithTimeout(10*time.Second))
	}
}

// A test waits for calls to arrive and block before it goes on, instead of sleeping: here two
// goroutines waiting on a channel, as a test waits for Barrier.Wait from two goroutines.
// WaitBlocked fails the test, in the test's words and with a report of where the exercise's
// goroutines wait, when they are not all blocked within Bound. (Compiled, not run: it needs a
// *testing.T; TestWaitBlocked_FailsInTheTestsWordsWithTheReport shows the failure.)
func ExampleWaitBlocked() {
	_ = func(t *testing.T) {
		harness.Run(t, func(t *testing.T) {
			release := make(chan struct{})
			defer close(release)
			for range 2 {
				go func() { <-release }()
			}
			harness.WaitBlocked(t, "harness_test.ExampleWaitBlocked", 2, "two goroutines waiting for release")
		})
	}
}

// Poll is the building block when a test waits for something WaitBlocked does not say: one
// goroutine it knows by ID, or a call that must not return meanwhile. The test then reports with
// FailStuck, in its own words.
func ExamplePoll() {
	release, id := make(chan struct{}), make(chan int64, 1)
	go func() {
		id <- harness.GoroutineID()
		<-release
	}()
	waiter := <-id
	ok := harness.Poll(func() bool { return harness.Blocked("harness_test.ExamplePoll")[waiter] })
	fmt.Println("blocked:", ok)
	close(release)
	// Output: blocked: true
}

// Recover hands back a panic's value as it is, so that a test can check that it is the very
// value it should be (errors.Is, ==), not a copy or a string.
func ExampleRecover() {
	errBusy := errors.New("busy")
	v, panicked := harness.Recover(func() { panic(errBusy) })
	fmt.Println(panicked, v == errBusy)
	v, panicked = harness.Recover(func() {})
	fmt.Println(panicked, v)
	// Output:
	// true true
	// false <nil>
}

// Bubble is synctest.Test for an exercise test: time is virtual and synctest.Wait waits until
// every goroutine of the bubble is blocked; a call that never returns fails the test with the
// report of where the exercise's goroutines wait, instead of a panic that would end the test
// binary when it happens in a subtest. (Compiled, not run: it needs a *testing.T.)
func ExampleBubble() {
	_ = func(t *testing.T) {
		harness.Run(t, func(t *testing.T) {
			t.Run("a timeout of one hour", func(t *testing.T) {
				harness.Bubble(t, func(t *testing.T) {
					start := time.Now()
					<-time.After(time.Hour) // returns at once: the clock of the bubble jumps
					if got := time.Since(start); got != time.Hour {
						t.Errorf("time.After(time.Hour) fired after %v", got)
					}
				})
			})
		})
	}
}
