package harness

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// VerifyNoLeaks fails t at cleanup when a goroutine started after this call is still running
// (goleak retries for a while first, so a goroutine on its way out is not blamed). The check
// is skipped when t has already failed, so a leak report never hides the real failure.
// It cannot tell apart the goroutines of parallel tests: exercise tests do not call t.Parallel.
func VerifyNoLeaks(t testing.TB, opts ...goleak.Option) {
	t.Helper()
	opts = append([]goleak.Option{goleak.IgnoreCurrent()}, opts...)
	t.Cleanup(func() {
		t.Helper()
		if t.Failed() {
			return
		}
		if err := goleak.Find(opts...); err != nil {
			t.Errorf("goroutines left running after the test (every goroutine your code starts must end before the call that started it returns):\n%v", err)
		}
	})
}

// Main runs the tests of an exercise package. Call it from TestMain:
//
//	func TestMain(m *testing.M) { harness.Main(m) }
//
// Without -race it runs no test: it says once, with the command to use, that the exercise
// needs the race detector, and fails the package. With it, it runs the tests and, when they all
// passed, checks with goleak that no goroutine is left (goleak.VerifyTestMain).
func Main(m *testing.M) {
	if !RaceEnabled {
		fmt.Printf("%s\nFAIL\n", raceMessage(exerciseDir(1)))
		os.Exit(1)
	}
	goleak.VerifyTestMain(m)
}
