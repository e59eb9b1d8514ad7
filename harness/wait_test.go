package harness_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kata-go/concurrency/harness"
)

func TestBound_EndsBeforeTheWatchdogAndGrowsWithIt(t *testing.T) {
	t.Setenv("KATA_WATCHDOG", "")
	assert.Equal(t, 3*time.Second, harness.Bound(), "Bound() with the default watchdog")
	assert.Less(t, harness.Bound(), harness.DefaultTimeout, "Bound() must end before the watchdog fires")
	t.Setenv("KATA_WATCHDOG", "20s")
	assert.Equal(t, 12*time.Second, harness.Bound(), "Bound() with KATA_WATCHDOG=20s: three fifths of it")
	t.Setenv("KATA_WATCHDOG", "1s")
	assert.Equal(t, 3*time.Second, harness.Bound(), "Bound() with KATA_WATCHDOG=1s: never shorter than 3s")
}

func TestPoll_ReturnsAsSoonAsCondHolds(t *testing.T) {
	calls := 0
	start := time.Now()
	ok := harness.Poll(func() bool { calls++; return calls == 5 })
	assert.True(t, ok, "Poll(a cond true at the 5th call)")
	assert.Equal(t, 5, calls, "calls of cond")
	assert.Less(t, time.Since(start), time.Second, "Poll took longer than its pauses (at most 1ms each)")
}

func TestPoll_FalseAfterBound(t *testing.T) {
	t.Parallel()
	start := time.Now()
	ok := harness.Poll(func() bool { return false })
	assert.False(t, ok, "Poll(a cond that never holds)")
	assert.GreaterOrEqual(t, time.Since(start), harness.Bound(), "Poll gave up before Bound")
}

func TestBlocked_MoreNarrowsToGoroutinesWithEveryName(t *testing.T) {
	release, ids := make(chan struct{}), make(chan int64, 1)
	defer close(release)
	go waitOnChannel(release, ids)
	id := <-ids
	require.True(t, harness.Poll(func() bool { return harness.Blocked("harness_test.waitOnChannel")[id] }),
		"the goroutine never blocked in waitOnChannel")
	assert.True(t, harness.Blocked("harness_test.waitOnChannel", "TestBlocked_MoreNarrows")[id],
		"Blocked(waitOnChannel, the test that started it): both are on its stack")
	assert.False(t, harness.Blocked("harness_test.waitOnChannel", "harness_test.spin")[id],
		"Blocked(waitOnChannel, spin): spin is not on its stack")
}

func TestPollBlocked_ReturnsTheFrameTheGoroutineWaitsIn(t *testing.T) {
	release, ids := make(chan struct{}), make(chan int64, 1)
	defer close(release)
	go waitOnChannel(release, ids)
	<-ids
	never := make(chan struct{})
	assert.Equal(t, "harness_test.waitOnChannel", harness.PollBlocked(never, "harness_test.", "harness_test.spin", "harness_test.waitOnChannel"),
		"PollBlocked(harness_test., spin, waitOnChannel) while a goroutine waits in waitOnChannel")
	assert.Equal(t, "harness_test.waitOnChannel", harness.PollBlocked(never, "harness_test.", "harness_test.waitOnChannel", "harness_test."),
		"PollBlocked with two frames that match: the first of them")
}

func TestPollBlocked_EmptyOnceDoneIsClosed(t *testing.T) {
	done := make(chan struct{})
	close(done)
	start := time.Now()
	assert.Empty(t, harness.PollBlocked(done, "harness_test.", "harness_test.spin"), "PollBlocked with done closed")
	assert.Less(t, time.Since(start), time.Second, "PollBlocked with done closed should return at once, not after Bound")
}

func TestWaitBlocked_ReturnsTheBlockedGoroutines(t *testing.T) {
	want := waiters(t, 3)
	got := harness.WaitBlocked(t, "harness_test.waitForRelease", 3, "three goroutines waiting for release")
	assert.Equal(t, want, got, "WaitBlocked(waitForRelease, 3)")
}

func TestWaitBlocked_FailsInTheTestsWordsWithTheReport(t *testing.T) {
	t.Parallel()
	var stop atomic.Bool
	defer stop.Store(true)
	ids := make(chan int64, 1)
	go spin(&stop, ids)
	<-ids

	rec := &errorRecorder{TB: t}
	got := harness.WaitBlocked(rec, "harness_test.spin", 1, "Wait from %d goroutines", 1)
	assert.Nil(t, got, "WaitBlocked's result after it failed")
	assert.True(t, rec.stopped, "WaitBlocked did not stop the test (FailNow) after it failed")
	require.Len(t, rec.errors, 1, "WaitBlocked's failures")
	first, report, _ := strings.Cut(rec.errors[0], "\n")
	assert.Equal(t, fmt.Sprintf("Wait from 1 goroutines: after %v only 0 goroutine(s) were blocked in harness_test.spin, want 1 (a call that spins instead of waiting is not counted)", harness.Bound()), first)
	assert.Contains(t, report, "The test is waiting at TestWaitBlocked_FailsInTheTestsWordsWithTheReport (wait_test.go:",
		"the report says where the test waits")
}

func TestReceive_ReturnsTheValueSent(t *testing.T) {
	results := make(chan string, 1)
	go func() { results <- "done" }()
	assert.Equal(t, "done", harness.Receive(t, results, "the result"), "Receive of a value sent")
}

func TestReceive_FailsInTheTestsWordsWithTheReport(t *testing.T) {
	t.Parallel()
	waiters(t, 1)

	rec := &errorRecorder{TB: t}
	got := harness.Receive(rec, make(chan int), "Join did not return within %v", harness.Bound())
	assert.Zero(t, got, "Receive's result after it failed")
	assert.True(t, rec.stopped, "Receive did not stop the test (FailNow) after it failed")
	require.Len(t, rec.errors, 1, "Receive's failures")
	first, report, _ := strings.Cut(rec.errors[0], "\n")
	assert.Equal(t, fmt.Sprintf("Join did not return within %v", harness.Bound()), first)
	// The parallel tests' goroutines are in the same dump; the test's own come first.
	assert.Regexp(t, `The test is waiting at TestReceive_FailsInTheTestsWordsWithTheReport \(wait_test.go:\d+\), waitForRelease \(wait_test.go:\d+\)`, report,
		"the report says where the test waits, then where the goroutine it started waits")
}

// waiters starts n goroutines that wait in waitForRelease until the test ends, and returns
// their IDs. They are gone before the test's cleanup returns, so no later test counts them.
func waiters(t *testing.T, n int) map[int64]bool {
	release, ids := make(chan struct{}), make(chan int64, n)
	var wg sync.WaitGroup
	t.Cleanup(func() { close(release); wg.Wait() })
	for range n {
		wg.Go(func() { waitForRelease(release, ids) })
	}
	got := map[int64]bool{}
	for range n {
		got[<-ids] = true
	}
	return got
}

func waitForRelease(release chan struct{}, id chan<- int64) {
	id <- harness.GoroutineID()
	<-release
}
