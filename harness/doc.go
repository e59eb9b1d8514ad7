// Package harness holds the helpers every exercise test is built on.
//
// A test of an exercise starts with Run, which makes three promises about it:
//
//   - it fails at once, with the command to use, when the binary was built without -race
//     (RequireRace);
//   - a goroutine it started and left running fails that test, not a later one (VerifyNoLeaks);
//   - a body stuck in learner code fails within DefaultTimeout with a short report of where
//     the exercise's goroutines are blocked, and the package's later tests still run
//     (the watchdog).
//
// Each test package's TestMain calls Main, which adds goleak's whole-package check.
//
// The loopback TCP helpers live in harness/loopback and the DNS test server in harness/dnstest.
package harness
