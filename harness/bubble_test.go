package harness_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kata-go/concurrency/harness"
)

func TestBubble_RunsFInABubble(t *testing.T) {
	ran := false
	harness.Bubble(t, func(t *testing.T) {
		start := time.Now()
		time.Sleep(time.Hour) // virtual time: no real hour passes
		assert.Equal(t, time.Hour, time.Since(start), "time.Since after a sleep of an hour in the bubble")
		done := make(chan struct{})
		go func() { close(done) }()
		synctest.Wait()
		select {
		case <-done:
		default:
			t.Errorf("synctest.Wait returned before the bubble's goroutine had finished")
		}
		ran = true
	})
	assert.True(t, ran, "Bubble did not run f")
}

// blockOutside waits on a channel outside any bubble: the bubble's report must leave it out.
func blockOutside(ch chan struct{}) { <-ch }

func TestFixture_BubbleDeadlockInSubtest(t *testing.T) {
	fixture(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	go blockOutside(release)
	harness.Run(t, func(t *testing.T) {
		t.Run("sub", func(t *testing.T) {
			harness.Bubble(t, func(t *testing.T) {
				go blockForever(make(chan struct{}))
			})
			t.Log("after the bubble: the subtest goes on")
		})
	})
}

// A bubble left with a blocked goroutine fails the test in words, with the report of the
// bubble's goroutines only; the panic does not end the binary, even from a subtest (the
// fixtures after it run: TestRun_FixturesReportEachFailureAndGoOn).
func TestBubble_DeadlockFailsTheTestNotTheBinary(t *testing.T) {
	out, block := failedFixture(t, "TestFixture_BubbleDeadlockInSubtest")
	assert.Regexp(t, `bubble_test\.go:\d+: synctest: deadlock: main bubble goroutine has exited but blocked goroutines remain: a call never returned, or left a goroutine blocked for good\.`,
		block, "the failure, at the test's line that calls Bubble")
	assert.Contains(t, block, "blockForever (run_test.go:", "the report names where the bubble's goroutine waits")
	assert.Contains(t, block, "after the bubble: the subtest goes on")
	assert.NotContains(t, block, "blockOutside", "the report names a goroutine outside the bubble")
	assert.NotContains(t, out, "repanicked", "the bubble's panic went on")
}
