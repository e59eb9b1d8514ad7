package harness_test

import (
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
