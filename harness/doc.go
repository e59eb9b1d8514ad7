// Package harness holds the helpers every exercise test is built on. An exercise's test file
// has this shape (exercises/01_cell/cell_test.go is a full one):
//
//	package cell_test
//
//	import (
//		"testing"
//
//		"github.com/stretchr/testify/assert"
//		"github.com/stretchr/testify/require"
//
//		cell "github.com/kata-go/concurrency/exercises/01_cell"
//		"github.com/kata-go/concurrency/harness"
//	)
//
//	func TestMain(m *testing.M) { harness.Main(m) }
//
//	// Task 1: Cell.
//
//	func TestCell_GetReturnsTheValueGiven(t *testing.T) {
//		harness.Run(t, func(t *testing.T) {
//			v := harness.Rand(t).IntN(1000) // random, so no answer can be hard-coded
//			c := cell.NewCell(v)
//			require.NotNil(t, c, "NewCell(%d) returned nil, want a *Cell holding the value", v)
//			assert.Equal(t, v, c.Get(), "NewCell(%d).Get()", v)
//		})
//	}
//
// Run it as a learner does, go test -race ./exercises/01_cell, or one test with
// -run '^TestCell_GetReturnsTheValueGiven$'.
//
// Main runs the package: without -race it says once what to run instead and runs nothing; with
// it, it runs the tests and then goleak's whole-package check. Run makes three promises about
// each test:
//
//   - it fails at once, with the command to use, when the binary was built without -race
//     (RequireRace);
//   - a goroutine it started and left running fails that test, not a later one (VerifyNoLeaks);
//   - a body stuck in learner code fails within DefaultTimeout with a short report of where
//     the exercise's goroutines are blocked, and the package's later tests still run
//     (the watchdog).
//
// A test that must wait for calls to arrive waits until they are blocked instead of sleeping:
// WaitBlocked waits for n goroutines blocked in a function, Poll for any condition (often over
// Blocked), PollBlocked for a call blocked at one of several points, Receive for a result that
// must come at once. Bound is the one time bound of such waits, and of any wait that only a
// wrong solution makes long. A test that bounds a wait itself reports a hang with FailStuck (or
// FatalStuck, which also stops the test), so the learner sees the test's words and the
// watchdog's report together. Bubble runs a testing/synctest bubble and turns its deadlock
// into such a failure; inside it, AssertNoLeftovers proves that a call which returned left none
// of its goroutines behind. Recover returns the value a call panicked with, as it is. Rand gives
// random inputs whose seed is logged on failure.
//
// The loopback TCP helpers live in harness/loopback and the DNS test server in harness/dnstest.
// CONTRIBUTING.md says how an exercise is built and what makes a test blind, flaky or too strict.
package harness
