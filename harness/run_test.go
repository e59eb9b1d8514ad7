package harness_test

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/kata-go/concurrency/harness"
)

// The fixture tests below are meant to fail. They run only in a child process started by the
// tests after them, which read the child's verdicts.
var fixtures = os.Getenv("HARNESS_FIXTURES") == "1"

func fixture(t *testing.T) {
	if !fixtures {
		t.Skip("fixture: runs only inside TestRun_*")
	}
}

func blockForever(ch chan struct{}) { <-ch }

func TestFixture_Stuck(t *testing.T) {
	fixture(t)
	harness.Run(t, func(t *testing.T) {
		blockForever(make(chan struct{}))
	}, harness.WithTimeout(300*time.Millisecond))
}

func TestFixture_StuckThenReleasedByCleanup(t *testing.T) {
	fixture(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	harness.Run(t, func(t *testing.T) {
		<-release
		t.Errorf("reported after the watchdog: may show, must not crash the binary")
	}, harness.WithTimeout(300*time.Millisecond))
}

func TestFixture_Panics(t *testing.T) {
	fixture(t)
	harness.Run(t, func(t *testing.T) {
		var m map[string]int
		//lint:ignore SA5000 the fixture panics on purpose
		m["x"] = 1
	})
}

func TestFixture_Leaks(t *testing.T) {
	fixture(t)
	harness.Run(t, func(t *testing.T) {
		go blockForever(make(chan struct{}))
	})
}

func TestFixture_FatalStopsBody(t *testing.T) {
	fixture(t)
	harness.Run(t, func(t *testing.T) {
		t.Fatal("fatal from the body")
		panic("not reached")
	})
}

func TestFixture_StuckInSubtest(t *testing.T) {
	fixture(t)
	harness.Run(t, func(t *testing.T) {
		t.Run("sub", func(t *testing.T) { blockForever(make(chan struct{})) })
	}, harness.WithTimeout(300*time.Millisecond))
}

func TestFixture_SynctestDeadlock(t *testing.T) {
	fixture(t)
	harness.Run(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) { blockForever(make(chan struct{})) })
	})
}

func TestFixture_GoexitIsNotAPass(t *testing.T) {
	fixture(t)
	harness.Run(t, func(t *testing.T) {
		runtime.Goexit()
	})
}

// goexitError is a panic value whose Error method ends the goroutine that formats it.
type goexitError struct{}

func (goexitError) Error() string { runtime.Goexit(); return "not reached" }

// goexitStringer is the same with String.
type goexitStringer struct{}

func (goexitStringer) String() string { runtime.Goexit(); return "not reached" }

func TestFixture_PanicValueErrorGoexits(t *testing.T) {
	fixture(t)
	harness.Run(t, func(t *testing.T) {
		panic(goexitError{})
	})
}

func TestFixture_PanicValueStringGoexits(t *testing.T) {
	fixture(t)
	harness.Run(t, func(t *testing.T) {
		panic(goexitStringer{})
	})
}

func TestFixture_SkipIsASkip(t *testing.T) {
	fixture(t)
	harness.Run(t, func(t *testing.T) {
		t.Skip("skipped on purpose")
	})
}

func TestFixture_AfterTheOthers(t *testing.T) {
	fixture(t)
	harness.Run(t, func(t *testing.T) {})
}

// runFixtures runs this test binary's fixtures in a child and returns its output.
func runFixtures(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestFixture_", "-test.v")
	cmd.Env = append(os.Environ(), "HARNESS_FIXTURES=1", "GORACE=atexit_sleep_ms=0")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("fixtures passed; they are built to fail:\n%s", out)
	}
	return string(out)
}

// failedFixture runs the fixtures and returns their whole output, and the part of it that the
// fixture name printed before it failed; it stops the test when that fixture did not fail.
func failedFixture(t *testing.T, name string) (out, block string) {
	t.Helper()
	out = runFixtures(t)
	_, block, _ = strings.Cut(out, "=== RUN   "+name+"\n")
	block, _, ok := strings.Cut(block, "--- FAIL: "+name+" ")
	if !ok {
		t.Fatalf("the fixture %s did not fail:\n%s", name, out)
	}
	return out, block
}

func TestRun_FixturesReportEachFailureAndGoOn(t *testing.T) {
	out := runFixtures(t)
	for _, want := range []string{
		"--- FAIL: TestFixture_Stuck ",
		"TestFixture_Stuck did not finish within 300ms",
		"blockForever (run_test.go:",
		"--- FAIL: TestFixture_StuckThenReleasedByCleanup ",
		"--- FAIL: TestFixture_Panics ",
		"panic: assignment to entry in nil map",
		"--- FAIL: TestFixture_Leaks ",
		"goroutines left running after the test",
		"--- FAIL: TestFixture_FatalStopsBody ",
		"fatal from the body",
		"--- FAIL: TestFixture_StuckInSubtest ",
		"--- FAIL: TestFixture_SynctestDeadlock ",
		"panic: deadlock: all goroutines in bubble are blocked",
		"--- FAIL: TestFixture_GoexitIsNotAPass ",
		"runtime.Goexit was called on the test's goroutine",
		"--- FAIL: TestFixture_PanicValueErrorGoexits ",
		"panic: a harness_test.goexitError whose String or Error method did not finish",
		"--- FAIL: TestFixture_PanicValueStringGoexits ",
		"panic: a harness_test.goexitStringer whose String or Error method did not finish",
		"--- SKIP: TestFixture_SkipIsASkip ",
		"--- PASS: TestFixture_AfterTheOthers ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("fixture output lacks %q; output:\n%s", want, out)
		}
	}
	for _, bad := range []string{"not reached", "has completed"} {
		if strings.Contains(out, bad) {
			t.Errorf("fixture output has %q; output:\n%s", bad, out)
		}
	}
}
