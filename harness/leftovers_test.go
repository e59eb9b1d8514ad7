package harness_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kata-go/concurrency/harness"
)

// errorsOf is a testing.TB that keeps its failures instead of failing the test.
type errorsOf struct {
	*testing.T
	failures []string
}

func (e *errorsOf) Errorf(format string, args ...any) {
	e.failures = append(e.failures, fmt.Sprintf(format, args...))
}

// leftBehind is what a call under test might leave running: it waits until released.
func leftBehind(release chan struct{}) { <-release }

func TestAssertNoLeftovers_FailsOnAGoroutineLeftInTheBubble(t *testing.T) {
	harness.Bubble(t, func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		go leftBehind(release)
		rec := &errorsOf{T: t}
		ok := harness.AssertNoLeftovers(rec, "harness_test.leftBehind", "Start returned but left work running")
		assert.False(t, ok, "AssertNoLeftovers with a goroutine blocked in leftBehind")
		if assert.Len(t, rec.failures, 1, "failures") {
			assert.Contains(t, rec.failures[0], "Start returned but left work running\n1 goroutine(s) left behind:", "the test's words, then the count")
			assert.Contains(t, rec.failures[0], "leftBehind (leftovers_test.go:", "the report names where the goroutine waits")
		}
	})
}

func TestAssertNoLeftovers_PassesWhenEveryGoroutineEnded(t *testing.T) {
	harness.Bubble(t, func(t *testing.T) {
		release := make(chan struct{})
		go leftBehind(release)
		close(release)
		rec := &errorsOf{T: t}
		assert.True(t, harness.AssertNoLeftovers(rec, "harness_test.leftBehind", "Start left work running"),
			"AssertNoLeftovers once the goroutine has returned: it must wait for it")
		assert.Empty(t, rec.failures, "failures")
	})
}

func TestAssertNoLeftovers_IgnoresGoroutinesOutsideTheBubble(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	go leftBehind(release)
	harness.Bubble(t, func(t *testing.T) {
		rec := &errorsOf{T: t}
		assert.True(t, harness.AssertNoLeftovers(rec, "harness_test.leftBehind", "Start left work running"),
			"AssertNoLeftovers with leftBehind blocked outside the bubble only")
		assert.Empty(t, rec.failures, "failures")
	})
}
