package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kata-go/concurrency/harness/internal/manifest"
	"github.com/kata-go/concurrency/harness/internal/runner"
)

// The runs are the runner's fixtures (real go test -race -json output, see
// ../runner/runner_test.go); testdata/repo holds the learner files they ran on, for the
// functions a message names.

func reportOf(t *testing.T, fixture, name, file string) *Report {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "runner", "testdata", fixture+".jsonl"))
	require.NoError(t, err)
	defer f.Close()
	ex := manifest.Exercise{Name: name, Title: "The Title", Files: []string{file}}
	return New("testdata/repo", ex, runner.Parse(f))
}

func test(t *testing.T, r *Report, name string) Test {
	t.Helper()
	for _, tt := range r.Tests {
		if tt.Name == name {
			return tt
		}
	}
	t.Fatalf("no test %s in the report", name)
	return Test{}
}

func loc(file string, line int, fn, what string) Location {
	return Location{File: file, Line: line, Func: fn, What: what}
}

func TestNew_TestifyFailurePointsAtTheFunctionItNames(t *testing.T) {
	r := reportOf(t, "cell_stub", "01_cell", "cell.go")
	assert.False(t, r.Passed)
	assert.True(t, r.Compiled)
	assert.Equal(t, Summary{Total: 11, Failed: 11}, r.Summary)
	assert.Equal(t, []string{"exercises/01_cell/cell.go"}, r.Files)

	get := test(t, r, "TestCell_GetReturnsTheValueGiven")
	require.Len(t, get.Problems, 1)
	p := get.Problems[0]
	assert.Equal(t, Failed, p.Kind)
	assert.Regexp(t, `^NewCell\(\d+\) returned nil, want a \*Cell holding the value`, p.Message, "the assertion's message comes first")
	assert.Equal(t, []string{"Expected value not to be nil."}, p.Details)
	assert.Equal(t, []Location{loc("exercises/01_cell/cell.go", 25, "NewCell", "")}, p.Yours)
	assert.Equal(t, &Location{File: "exercises/01_cell/cell_test.go", Line: 22}, p.TestAt)
	assert.NotEmpty(t, get.Seed, "the seed the test logged")

	borrow := test(t, r, "TestRefCell_BorrowSeesTheValue")
	assert.Equal(t, "exercises/01_cell/cell.go:62 (NewRefCell)", borrow.Problems[0].Yours[0].String())
	assert.Equal(t, "11 of 11 tests fail. Start with TestCell_GetReturnsTheValueGiven: look at exercises/01_cell/cell.go:25 (NewCell).", r.Next())
}

func TestNew_RaceShowsTheTwoPlaces(t *testing.T) {
	r := reportOf(t, "counter", "50_counter", "counter.go")
	race := test(t, r, "TestCounter_Race")
	require.Len(t, race.Problems, 1, "the race, and not testing's line about it")
	p := race.Problems[0]
	assert.Equal(t, Race, p.Kind)
	assert.Equal(t, []Location{
		loc("exercises/50_counter/counter.go", 11, "Counter.Add", "read by goroutine 11"),
		loc("exercises/50_counter/counter.go", 11, "Counter.Add", "earlier write by goroutine 12"),
	}, p.Yours)
}

func TestNew_DeadlockShowsWhereGoroutinesAreStuck(t *testing.T) {
	r := reportOf(t, "counter", "50_counter", "counter.go")
	p := test(t, r, "TestCounter_Stuck").Problems[0]
	assert.Equal(t, Deadlock, p.Kind)
	assert.Equal(t, "did not finish within 500ms: your code is stuck", p.Message)
	assert.Equal(t, []Location{loc("exercises/50_counter/counter.go", 20, "Counter.Stuck", "goroutine 19 blocked in sync.Mutex.Lock")}, p.Yours)
}

func TestNew_PanicLeakAndSubtest(t *testing.T) {
	r := reportOf(t, "counter", "50_counter", "counter.go")
	p := test(t, r, "TestCounter_Panics").Problems[0]
	assert.Equal(t, Panic, p.Kind)
	assert.Equal(t, "panicked: assignment to entry in nil map", p.Message)
	assert.Equal(t, []Location{loc("exercises/50_counter/counter.go", 25, "Counter.Panics", "panicked here")}, p.Yours)

	p = test(t, r, "TestCounter_Leaks").Problems[0]
	assert.Equal(t, Leak, p.Kind)
	assert.Equal(t, []Location{
		loc("exercises/50_counter/counter.go", 31, "func literal in Counter.Leaks", "goroutine 24 is still running here (select (no cases))"),
		loc("exercises/50_counter/counter.go", 30, "Counter.Leaks", "goroutine 24 was started here"),
	}, p.Yours)

	sub := test(t, r, "TestCounter_Sub")
	require.Len(t, sub.Problems, 1, "the failing subtest's problem, under its top-level test")
	assert.Equal(t, "TestCounter_Sub/one_plus_one", sub.Problems[0].Test)
	assert.Equal(t, "Counter.Add(1) then Value() = 1, want 2", sub.Problems[0].Message)
	assert.Equal(t, "Counter.Add", sub.Problems[0].Yours[0].Func, "Type.Method in a message is that method")
}

func TestNew_CrashPointsAtTheCrashingGoroutine(t *testing.T) {
	for _, fixture := range []string{"crash", "crash_system"} {
		t.Run(fixture, func(t *testing.T) {
			name, file := "51_crash", "crash.go"
			if fixture == "crash_system" { // GOTRACEBACK=system adds runtime frames and fp=, sp=
				name, file = "02_add", "add.go"
			}
			r := reportOf(t, fixture, name, file)
			var crashed *Problem
			for _, tt := range r.Tests {
				for i := range tt.Problems {
					if tt.Problems[i].Kind == Crash {
						crashed = &tt.Problems[i]
					}
				}
			}
			require.NotNil(t, crashed, "a crash problem")
			assert.Equal(t, "crashed the test binary (panic: runtime error: invalid memory address or nil pointer dereference), so no later test ran", crashed.Message)
			require.Len(t, crashed.Yours, 2)
			assert.Equal(t, "crashed here", crashed.Yours[0].What)
			assert.Equal(t, "func literal in "+map[string]string{"crash": "Go", "crash_system": "Add"}[fixture], crashed.Yours[0].Func)
			assert.Equal(t, "the crashing goroutine was started here", crashed.Yours[1].What)
			if fixture == "crash" { // testdata/repo/exercises/51_crash/crash_test.go lists its 5 tests
				assert.Equal(t, Summary{Total: 5, Passed: 1, Failed: 1, NotRun: 3}, r.Summary)
				assert.Contains(t, r.Next(), "1 failed, 1 passed, 3 not run (the crash stopped them). Start with TestCrash_InGoroutine")
				var out bytes.Buffer
				r.WriteText(&out, Style{})
				assert.Contains(t, out.String(), "PASS 1 of 5 tests")
			}
		})
	}
}

func TestNew_BuildFailureListsTheLinesToFix(t *testing.T) {
	r := reportOf(t, "build", "52_build", "build.go")
	assert.False(t, r.Compiled)
	assert.Empty(t, r.Environment)
	require.Len(t, r.Problems, 2)
	assert.Equal(t, Problem{Kind: Build, Message: "undefined: c", Yours: []Location{{File: "exercises/52_build/build.go", Line: 4}}}, r.Problems[0])
	assert.Equal(t, "Your code does not compile: fix exercises/52_build/build.go:4: undefined: c.", r.Next())
}

func TestNew_EnvironmentFailureIsNotTheLearners(t *testing.T) {
	res := &runner.Result{BuildFailed: true, BuildOutput: "go: -race requires cgo; enable cgo by setting CGO_ENABLED=1"}
	r := New("testdata/repo", manifest.Exercise{Name: "02_add", Files: []string{"add.go"}}, res)
	assert.Equal(t, "go: -race requires cgo; enable cgo by setting CGO_ENABLED=1", r.Environment)
	assert.Empty(t, r.Problems)
	assert.Equal(t, "The tests could not run here: -race requires cgo; enable cgo by setting CGO_ENABLED=1. Run `kata doctor` to see why.", r.Next())
}

func TestNew_PackageLeakAfterPassingTests(t *testing.T) {
	r := reportOf(t, "pkgleak", "53_count", "count.go")
	assert.False(t, r.Passed)
	assert.Equal(t, 1, r.Summary.Passed)
	require.Len(t, r.Problems, 1)
	assert.Equal(t, Leak, r.Problems[0].Kind)
	assert.Equal(t, "exercises/53_count/count.go:9 (func literal in Leak)", r.Problems[0].Yours[0].String())
	assert.Contains(t, r.Next(), "The tests pass, but goroutines were left running")
}

func TestNew_Pass(t *testing.T) {
	r := reportOf(t, "pass", "53_count", "count.go")
	assert.True(t, r.Passed)
	// The fixture's one test skips: passed, and said so.
	assert.Equal(t, "0 tests pass; 1 skip on this system, and `kata doctor` says why.", r.Next())
	r.Elapsed = 1234 * time.Millisecond
	var out bytes.Buffer
	r.WriteText(&out, Style{})
	assert.Equal(t, "PASS 53_count · The Title: 0 tests pass; 1 skip on this system, and `kata doctor` says why (1.2s).\n", out.String())
	r.Summary = Summary{Total: 3, Passed: 3}
	assert.Equal(t, "All 3 tests pass.", r.Next())
}

// A pass with skipped tests (09_pipeline's Shell tests on Windows) says so, and where to read
// why, instead of "all N tests pass".
func TestNew_PassWithSkippedTests(t *testing.T) {
	r := &Report{Exercise: "09_pipeline", Title: "The Title", Passed: true, Compiled: true,
		Summary: Summary{Total: 21, Passed: 15, Skipped: 6}, Elapsed: 3100 * time.Millisecond}
	assert.Equal(t, "15 tests pass; 6 skip on this system, and `kata doctor` says why.", r.Next())
	assert.Equal(t, "PASS 09_pipeline · The Title: 15 tests pass; 6 skip on this system, and `kata doctor` says why (3.1s).", r.Headline(Style{}))
}

func TestWriteText_PlainAndColoured(t *testing.T) {
	r := reportOf(t, "cell_stub", "01_cell", "cell.go")
	var plain, color bytes.Buffer
	r.WriteText(&plain, Style{})
	r.WriteText(&color, Style{Color: true, MaxTests: 1})
	assert.NotContains(t, plain.String(), "\x1b[", "plain text has no escapes")
	assert.Contains(t, color.String(), "\x1b[31;1mFAIL\x1b[0m")
	text := plain.String()
	assert.Contains(t, text, "FAIL 01_cell · The Title: 11 of 11 tests fail. Start with TestCell_GetReturnsTheValueGiven: look at exercises/01_cell/cell.go:25 (NewCell).\n")
	assert.Contains(t, text, "\n  FAIL TestCell_GetReturnsTheValueGiven\n       NewCell(")
	assert.Contains(t, text, "       your code: exercises/01_cell/cell.go:25 (NewCell)\n       the test: exercises/01_cell/cell_test.go:22\n")
	assert.Contains(t, text, "same random inputs again: KATA_SEED=")
	assert.Contains(t, text, "check cell\n")
	assert.Contains(t, text, "\n  8 more failing: TestCell_TakeLeavesTheZeroValue, ")
	assert.Contains(t, color.String(), "\n  10 more failing: ")
}

// A test that explains a hang in its own words (harness.FailStuck) keeps them, with the places
// the learner's goroutines wait; the watchdog's own first line is replaced by plain words.
func TestNew_HangKeepsTheTestsOwnWords(t *testing.T) {
	out := "=== RUN   TestBank_OppositeTransfers\n" +
		"    mutex_test.go:504: 4 transfers alice->bob and 4 bob->alice did not finish within 3s: two transfers are each holding the lock the other one wants (a deadlock).\n" +
		"        Lock the two accounts in one fixed order, for example by name.\n" +
		"        Your goroutines are blocked here:\n" +
		"          4 goroutines (7, 8, 9, 10) [sync.Mutex.Lock]:\n" +
		"              (*Counter).Stuck (counter.go:19)\n" +
		"        The test is waiting at TestBank_OppositeTransfers.func1 (mutex_test.go:500).\n" +
		"--- FAIL: TestBank_OppositeTransfers (3.00s)\n"
	res := &runner.Result{Tests: []runner.Test{{Name: "TestBank_OppositeTransfers", Status: runner.Fail, Runs: 1, Fails: 1, Output: out}}}
	r := New("testdata/repo", manifest.Exercise{Name: "50_counter", Files: []string{"counter.go"}}, res)
	p := test(t, r, "TestBank_OppositeTransfers").Problems
	require.Len(t, p, 1)
	assert.Equal(t, Deadlock, p[0].Kind)
	assert.Equal(t, "4 transfers alice->bob and 4 bob->alice did not finish within 3s: two transfers are each holding the lock the other one wants (a deadlock).", p[0].Message)
	assert.Equal(t, []string{"Lock the two accounts in one fixed order, for example by name."}, p[0].Details)
	assert.Equal(t, []Location{loc("exercises/50_counter/counter.go", 19, "Counter.Stuck", "4 goroutines blocked in sync.Mutex.Lock")}, p[0].Yours)
	assert.Equal(t, "exercises/50_counter/mutex_test.go:500 (func literal in TestBank_OppositeTransfers)", p[0].TestAt.String())
}

// A test about one method (its name says Release) blames that method when its message names
// it, even though the message names first the call where the symptom showed.
func TestNew_BlameGoesToTheMethodTheTestIsAbout(t *testing.T) {
	out := "=== RUN   TestRefCell_ReleaseTwiceCountsOnce\n" +
		"    cell_test.go:120: BorrowMut() after a RefMut's Release() was called twice, then Borrow() = ErrAlreadyBorrowed: RefMut.Release must undo its own borrow only once\n" +
		"--- FAIL: TestRefCell_ReleaseTwiceCountsOnce (0.00s)\n"
	res := &runner.Result{Tests: []runner.Test{{Name: "TestRefCell_ReleaseTwiceCountsOnce", Status: runner.Fail, Runs: 1, Fails: 1, Output: out}}}
	r := New("testdata/repo", manifest.Exercise{Name: "01_cell", Files: []string{"cell.go"}}, res)
	p := test(t, r, "TestRefCell_ReleaseTwiceCountsOnce").Problems
	require.Len(t, p, 1)
	require.NotEmpty(t, p[0].Yours)
	assert.Equal(t, "exercises/01_cell/cell.go:122 (RefMut[T].Release)", p[0].Yours[0].String())

	// Without the method in the message, the message's first name still wins (a stub's nil
	// constructor is the thing to fix, whatever the test is about).
	out = "=== RUN   TestRefCell_ReleaseTwiceCountsOnce\n" +
		"    cell_test.go:110: NewRefCell(7) returned nil\n" +
		"--- FAIL: TestRefCell_ReleaseTwiceCountsOnce (0.00s)\n"
	res.Tests[0].Output = out
	r = New("testdata/repo", manifest.Exercise{Name: "01_cell", Files: []string{"cell.go"}}, res)
	p = test(t, r, "TestRefCell_ReleaseTwiceCountsOnce").Problems
	assert.Equal(t, "NewRefCell", p[0].Yours[0].Func)
}

func TestUnshape_WritesGenericsAsTheLearnerDoes(t *testing.T) {
	p := newPlaces("testdata/repo", manifest.Exercise{Name: "01_cell", Files: []string{"cell.go"}})
	for in, want := range map[string]string{
		"RefCell[go.shape.int].BorrowMut":                "RefCell[T].BorrowMut",
		"RefCell[go.shape.struct {}].Borrow":             "RefCell[T].Borrow",
		"NewCell[go.shape.[]int]":                        "NewCell",
		"func literal in RefCell[go.shape.string].Value": "func literal in RefCell[T].Value",
		"Plain.Method":                                   "Plain.Method",
		"Map[int]":                                       "Map[int]",
	} {
		assert.Equal(t, want, p.unshape(in), "unshape(%q)", in)
	}
}

// A race in a generic type (recorded from 03_spawn's mutant done_closed_in_spawn) names the
// learner's methods as they are written, and each pair of places once.
func TestNew_RaceInAGenericTypeReadsAsWritten(t *testing.T) {
	r := reportOf(t, "race_generic", "03_spawn", "spawn.go")
	tt := test(t, r, "TestJoin_ReturnsTheValueOfF")
	var races []Problem
	for _, p := range tt.Problems {
		if p.Kind == Race {
			races = append(races, p)
		}
		for _, y := range p.Yours {
			assert.NotContains(t, y.Func, "go.shape", "%s", y)
		}
	}
	require.NotEmpty(t, races, "a race")
	seen := map[string]bool{}
	for _, p := range races {
		var key []string
		for _, y := range p.Yours {
			key = append(key, y.File+":"+strconv.Itoa(y.Line))
		}
		k := strings.Join(key, " ")
		assert.False(t, seen[k], "the race at %s is reported twice", k)
		seen[k] = true
	}
	var funcs []string
	for _, y := range races[0].Yours {
		funcs = append(funcs, y.Func)
	}
	assert.Contains(t, funcs, "JoinHandle[T].Join")
}
