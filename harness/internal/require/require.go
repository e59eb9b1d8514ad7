// Package require calls a test body for harness.Run. It exists for one reason: testify's
// "Error Trace" lists every frame between a failed check and the test function, except those in
// folders named assert, mock or require, and it stops at a function named Test. The goroutine
// harness.Run starts for a body therefore begins in Test, here, so that a learner's trace holds
// only their test's lines and their own code's, never the harness's or the runtime's.
package require

import "testing"

// Test calls body(t), then finish with what recover returned and whether body returned
// normally: finish(nil, false) means runtime.Goexit (t.FailNow, t.SkipNow, or code that stopped
// the goroutine), finish(v, false) a panic with v.
func Test(t *testing.T, body func(*testing.T), finish func(recovered any, returned bool)) {
	returned := false
	defer func() { finish(recover(), returned) }()
	body(t)
	returned = true
}
