package runner

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fixtures in testdata are real `go test -race -json` output, paths rewritten to
// /home/learner/kata:
//
//	cell_stub.jsonl     exercises/01_cell as shipped: every test fails on a testify check
//	counter.jsonl       a data race, a deadlock (watchdog), a panic, a leak, a failing subtest
//	crash.jsonl         a panic in a goroutine kills the binary in the middle of a test
//	build.jsonl         the learner file does not compile
//	count2.jsonl        -count=2: a test that fails once then passes, and a skipped test
//	pkgleak.jsonl       every test passes but goleak's package check in TestMain fails
//	pass.jsonl          a package that passes
//	all_failfast.jsonl  ./exercises/... with -args -test.failfast: several packages in one stream

func parseFile(t *testing.T, name string) *Result {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	require.NoError(t, err)
	defer f.Close()
	return Parse(f)
}

func TestParse_StubEveryTopLevelTestFails(t *testing.T) {
	res := parseFile(t, "cell_stub.jsonl")
	assert.False(t, res.Passed, "Passed")
	assert.False(t, res.BuildFailed, "BuildFailed")
	assert.Equal(t, "github.com/kata-go/concurrency/exercises/01_cell", res.Package)
	top := res.TopLevel()
	require.Len(t, top, 11, "top-level tests")
	assert.Equal(t, "TestCell_GetReturnsTheValueGiven", top[0].Name, "tests keep the order they started in")
	for _, tt := range top {
		assert.Equal(t, Fail, tt.Status, "%s status", tt.Name)
		assert.Equal(t, 1, tt.Runs, "%s runs", tt.Name)
		assert.Contains(t, tt.Output, "--- FAIL: "+tt.Name, "%s output", tt.Name)
	}
	got, ok := res.Test("TestRefCell_BorrowSeesTheValue")
	require.True(t, ok)
	assert.Contains(t, got.Output, "Messages:   \tNewRefCell returned nil")
}

func TestParse_SubtestsAreSeparateTests(t *testing.T) {
	res := parseFile(t, "counter.jsonl")
	var names []string
	for _, tt := range res.TopLevel() {
		names = append(names, tt.Name)
	}
	assert.Equal(t, []string{"TestCounter_Race", "TestCounter_Stuck", "TestCounter_Panics", "TestCounter_Leaks", "TestCounter_Sub"}, names)
	sub, ok := res.Test("TestCounter_Sub/one_plus_one")
	require.True(t, ok, "the failing subtest is reported")
	assert.Equal(t, Fail, sub.Status)
	assert.False(t, sub.TopLevel())
	assert.Contains(t, sub.Output, "Counter.Add(1) then Value() = 1, want 2")
	zero, _ := res.Test("TestCounter_Sub/zero")
	assert.Equal(t, Pass, zero.Status)
	race, _ := res.Test("TestCounter_Race")
	assert.Contains(t, race.Output, "WARNING: DATA RACE", "the race report belongs to the test that raced")
}

func TestParse_BuildFailure(t *testing.T) {
	res := parseFile(t, "build.jsonl")
	assert.True(t, res.BuildFailed, "BuildFailed")
	assert.False(t, res.Passed, "Passed")
	assert.Empty(t, res.Tests)
	assert.Contains(t, res.BuildOutput, "exercises/52_build/build.go:4:13: undefined: c")
	assert.Contains(t, res.BuildOutput, "exercises/52_build/build.go:8:9: cannot use a - b")
}

func TestParse_CrashWithNoEndEvent(t *testing.T) {
	res := parseFile(t, "crash.jsonl")
	assert.False(t, res.Passed, "Passed")
	first, _ := res.Test("TestFirst_Passes")
	assert.Equal(t, Pass, first.Status)
	crashed, ok := res.Test("TestCrash_InGoroutine")
	require.True(t, ok)
	assert.Equal(t, Fail, crashed.Status, "a test running when the binary died failed")
	assert.Equal(t, 1, crashed.Runs)
	assert.Contains(t, crashed.Output, "panic: runtime error: invalid memory address")
	assert.Contains(t, crashed.Output, "/home/learner/kata/exercises/51_crash/crash.go:8")
	_, ran := res.Test("TestNever_Runs")
	assert.False(t, ran, "a test after the crash never ran")
}

func TestParse_CountTwoKeepsTheFailingRun(t *testing.T) {
	res := parseFile(t, "count2.jsonl")
	flaky, ok := res.Test("TestFlaky")
	require.True(t, ok)
	assert.Equal(t, Fail, flaky.Status, "one failing run of two fails the test")
	assert.Equal(t, 2, flaky.Runs)
	assert.Equal(t, 1, flaky.Fails)
	assert.Contains(t, flaky.Output, "Flaky() = false, want true", "the output is the failing run's")
	skips, _ := res.Test("TestSkips")
	assert.Equal(t, Skip, skips.Status)
	assert.Equal(t, 2, skips.Runs)
	assert.Len(t, res.TopLevel(), 2, "a test run twice is one Test")
}

func TestParse_PackageLeakAfterPassingTests(t *testing.T) {
	res := parseFile(t, "pkgleak.jsonl")
	require.Len(t, res.Tests, 1)
	assert.Equal(t, Pass, res.Tests[0].Status)
	assert.False(t, res.Passed, "goleak's package check fails the package")
	assert.Contains(t, res.Output, "goleak: goroutines left running after all tests passed")
}

func TestParse_Pass(t *testing.T) {
	res := parseFile(t, "pass.jsonl")
	assert.True(t, res.Passed)
	assert.False(t, res.BuildFailed)
}

func TestParse_StreamGetsThePlainText(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "counter.jsonl"))
	require.NoError(t, err)
	var plain bytes.Buffer
	res := parse(bytes.NewReader(data), &plain)
	assert.Equal(t, Parse(bytes.NewReader(data)), res, "streaming changes nothing in the result")
	assert.Contains(t, plain.String(), "=== RUN   TestCounter_Race\n==================\nWARNING: DATA RACE\n")
	assert.True(t, strings.HasSuffix(plain.String(), "FAIL\tgithub.com/kata-go/concurrency/exercises/50_counter\t0.964s\n"))
}

func TestParseAll_SplitsPackages(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "all_failfast.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	results := ParseAll(f)
	const prefix = "github.com/kata-go/concurrency/exercises/"
	var names []string
	byName := map[string]*Result{}
	for _, r := range results {
		name := strings.TrimPrefix(r.Package, prefix)
		names = append(names, name)
		byName[name] = r
	}
	assert.Equal(t, []string{"01_cell", "50_counter", "51_crash", "52_build", "53_count"}, names)
	for _, r := range results {
		assert.False(t, r.Passed, "%s passed", r.Package)
	}
	assert.Len(t, byName["01_cell"].Tests, 1, "-test.failfast stops 01_cell at its first failure")
	assert.True(t, byName["52_build"].BuildFailed, "52_build BuildFailed")
	assert.Contains(t, byName["52_build"].BuildOutput, "undefined: c", "the build output goes to the package that failed to build")
	assert.NotContains(t, byName["01_cell"].BuildOutput, "undefined: c")
	crashed, _ := byName["51_crash"].Test("TestCrash_InGoroutine")
	assert.Equal(t, Fail, crashed.Status)
}

func TestConfigArgs(t *testing.T) {
	cfg := Config{
		Dir:      t.TempDir(),
		Package:  "./exercises/01_cell",
		Flags:    []string{"-count=1", "-run=^TestX$"},
		TestArgs: []string{"-test.failfast"},
		Replace:  map[string]string{"exercises/01_cell/cell.go": "/elsewhere/cell.go"},
	}
	args, cleanup, err := cfg.args()
	require.NoError(t, err)
	require.Len(t, args, 9)
	assert.Equal(t, []string{"test", "-json", "-race"}, args[:3])
	overlay, ok := strings.CutPrefix(args[3], "-overlay=")
	require.True(t, ok, "args[3] = %q, want -overlay=FILE", args[3])
	data, err := os.ReadFile(overlay)
	require.NoError(t, err)
	assert.JSONEq(t, `{"Replace":{"`+filepath.Join(cfg.Dir, "exercises/01_cell/cell.go")+`":"/elsewhere/cell.go"}}`, string(data))
	assert.Equal(t, []string{"-count=1", "-run=^TestX$", "./exercises/01_cell", "-args", "-test.failfast"}, args[4:])
	cleanup()
	assert.NoFileExists(t, overlay, "cleanup removes the overlay file")

	args, _, err = Config{Package: "./x", NoRace: true}.args()
	require.NoError(t, err)
	assert.Equal(t, []string{"test", "-json", "./x"}, args)
}

// module writes a small module with one package of tests into a temporary folder.
func module(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module example.test/m\n\ngo 1.26\n"
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	return dir
}

func TestRun_RealGoTest(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	dir := module(t, map[string]string{
		"p/p_test.go": `package p

import (
	"os"
	"testing"
)

func TestGORACE(t *testing.T) {
	if got := os.Getenv("GORACE"); got != "atexit_sleep_ms=0" {
		t.Errorf("GORACE = %q", got)
	}
}

func TestFails(t *testing.T) { t.Error("expected failure") }
`,
	})
	var plain bytes.Buffer
	res, err := Run(context.Background(), Config{Dir: dir, Package: "./p", Flags: []string{"-count=1"}, Stream: &plain})
	require.NoError(t, err)
	assert.False(t, res.Passed)
	gorace, _ := res.Test("TestGORACE")
	assert.Equal(t, Pass, gorace.Status, "TestGORACE: %s", gorace.Output)
	fails, _ := res.Test("TestFails")
	assert.Equal(t, Fail, fails.Status)
	assert.Contains(t, plain.String(), "expected failure")
	assert.Positive(t, res.Elapsed)

	results, err := RunPackages(context.Background(), Config{Dir: dir, Package: "./...", Flags: []string{"-count=1", "-run=^TestGORACE$"}})
	require.NoError(t, err)
	require.Len(t, results, 1)
	assert.True(t, results[0].Passed, "RunPackages: %+v", results[0])
}

func TestRun_EnvironmentErrorIsABuildFailureWithTheGoCommandsWords(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	dir := module(t, map[string]string{"p/p_test.go": "package p\n"})
	res, err := Run(context.Background(), Config{Dir: dir, Package: "./p", Env: []string{"CGO_ENABLED=0"}})
	require.NoError(t, err)
	assert.True(t, res.BuildFailed)
	assert.Contains(t, res.BuildOutput, "-race requires cgo")

	_, err = RunPackages(context.Background(), Config{Dir: dir, Package: "./...", Env: []string{"CGO_ENABLED=0"}})
	assert.ErrorContains(t, err, "-race requires cgo")
}

// A package that fails to build because a dependency does not gets that dependency's messages.
func TestBuildMessages_FailedDependency(t *testing.T) {
	out := `{"ImportPath":"example.com/m/dep","Action":"build-output","Output":"# example.com/m/dep\n"}
{"ImportPath":"example.com/m/dep","Action":"build-output","Output":"dep.go:3:1: syntax error\n"}
{"ImportPath":"example.com/m/dep","Action":"build-fail"}
{"ImportPath":"example.com/m/own_test [example.com/m/own.test]","Action":"build-output","Output":"own_test.go:9:2: undefined: x\n"}
{"Action":"fail","Package":"example.com/m/ex","FailedBuild":"example.com/m/dep"}
`
	got := buildMessages(strings.NewReader(out))
	assert.Contains(t, got["example.com/m/ex"], "dep.go:3:1: syntax error")
	assert.Contains(t, got["example.com/m/own"], "own_test.go:9:2: undefined: x")
}
