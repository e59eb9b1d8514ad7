package grade

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kata-go/concurrency/harness/internal/manifest"
)

// The second half of the survive-suite: the attacks of issue 11 (each a cheat in
// harness/testdata/cheats, graded in the classes of grade_test.go or in pipelineClass) and the
// grader's own guards.

// Must survive: a panic value whose Error method calls runtime.Goexit, which ended the
// harness's report of the panic and left the test passing with nothing checked. Every test
// fails, with the policy and without it (the harness, not the policy, stops it).
func TestSurvive_PanicValueThatCallsGoexit(t *testing.T) {
	for _, c := range []*classRun{withPolicy(t), withoutPolicy(t)} {
		e := c.student(t, "goexit_panic_value")
		expectTests(t, e, allTests(e, Fail))
		assert.Contains(t, messageOf(e, takeTest), "whose String or Error method did not finish")
	}
}

// Must survive: a file go/parser rejects (nesting deeper than its limit) that the compiler
// accepts, with a forged transcript. The policy cannot read it, so it is refused.
func TestSurvive_AFileThePolicyCannotParse(t *testing.T) {
	e := withPolicy(t).student(t, "parse_error")
	expectRefused(t, e, "the file does not parse")
}

// Must survive: the built-in println written (println)(...), behind a //line directive. The
// type checker finds the built-in; both violations name the real lines of the file.
func TestSurvive_PrintlnInParenthesesAndALineDirective(t *testing.T) {
	e := withPolicy(t).student(t, "println_in_parentheses")
	src := appliedCheat(t, "println_in_parentheses", "exercises/01_cell/cell.go")
	expectRefused(t, e,
		"cell.go:"+lineOf(t, src, "(println)(")+": the built-in println is not allowed",
		"cell.go:"+lineOf(t, src, "//line elsewhere.go")+": line directives (//line) are not allowed")
	// Without the policy, println only writes to standard error: the solution beneath passes.
	expectTests(t, withoutPolicy(t).student(t, "println_in_parentheses"), nil)
}

// Must survive: nil sentinel errors and borrows that never fail. The tests that check the
// sentinels (by name, now and after each exercise gains a test that its sentinels are non-nil
// and distinct) earn nothing, so the submission cannot get full marks.
func TestSurvive_NilSentinels(t *testing.T) {
	e := withPolicy(t).student(t, "nil_sentinels")
	require.Equal(t, Graded, e.Status, e.Message)
	assert.Less(t, e.Score, e.MaxScore)
	sentinelTests := 0
	for _, tr := range e.Tests {
		if strings.Contains(tr.Name, "Sentinel") || tr.Name == "TestRefCell_MutableBorrowIsExclusive" {
			sentinelTests++
			assert.NotEqual(t, Pass, tr.Status, "%s passed with nil sentinels", tr.Name)
			assert.Zero(t, tr.Score, tr.Name)
		}
	}
	assert.GreaterOrEqual(t, sentinelTests, 2, "the sentinel tests of 01_cell")
}

// Must survive: a 1 GiB initialized array, which took the compiler 2.2 GB and left 1 GB in the
// teacher's build cache. The compiler is stopped at its memory limit; learner files are built
// with the session's copy of the grader's cache, which goes with the session, and nothing that
// large is in the grader's cache.
func TestSurvive_AHugeArrayDoesNotCompile(t *testing.T) {
	e := withPolicy(t).student(t, "big_array")
	assert.Equal(t, CompileError, e.Status, e.Message)
	assert.Zero(t, e.Score)
	assert.Regexp(t, "out of memory|was stopped|the compiler did not finish|the compiler crashed", e.Message)
	cache, err := defaultCache()
	require.NoError(t, err)
	filepath.WalkDir(cache, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil && fi.Size() > int64(compileLimits.FileSize) {
				t.Errorf("%s is %d bytes, past the compiler's file size limit", p, fi.Size())
			}
		}
		return nil
	})
}

// Must survive: filling /dev/shm and /dev, which were unbounded. The policy refuses the file (it
// imports os); without it, /dev is read-only and /dev/shm holds 64 MiB.
func TestSurvive_FillingDevShm(t *testing.T) {
	expectRefused(t, withPolicy(t).student(t, "fill_dev_shm"), `import "os" is not allowed`)
	e := withoutPolicy(t).student(t, "fill_dev_shm")
	expectTests(t, e, only(Fail, takeTest))
	assert.Contains(t, messageOf(e, takeTest), "wrote 64 MiB to /dev/shm and 0 MiB to /dev")
}

// Must survive: a package variable whose initializer sleeps. The first test process is
// stopped when testing has not started within seconds, and the exercise's other tests are not
// run: the submission costs seconds, not its tests' whole time limits.
func TestSurvive_ASlowInitializer(t *testing.T) {
	for _, c := range []*classRun{withPolicy(t), withoutPolicy(t)} {
		e := c.student(t, "slow_init")
		expectTests(t, e, allTests(e, Error))
		assert.Contains(t, e.Tests[0].Message, "did not start testing within 5s")
		assert.Contains(t, e.Tests[1].Message, "not run: stopped: the test binary did not start testing")
		var spent float64
		for _, tr := range e.Tests {
			spent += tr.Seconds
		}
		assert.Less(t, spent, (testTimeout + 3*time.Second).Seconds(), "a slow initializer costs one start, not every test's limit")
	}
}

// Must survive: students named bob and bob.results, whose report files collided. Each has a
// folder of its own.
func TestSurvive_ReportsOfStudentsDoNotCollide(t *testing.T) {
	c := withPolicy(t)
	require.NoError(t, c.err)
	for student, want := range map[string]float64{"bob": 10, "bob.results": 0} {
		for _, file := range []string{"report.json", "results.json"} {
			var r struct{ Score float64 }
			require.NoError(t, jsonFile(filepath.Join(c.out, "students", student, file), &r), student)
			assert.Equal(t, want, r.Score, "%s/%s", student, file)
		}
	}
}

// Must survive: control characters in messages and names, which reached the terminal raw (a
// carriage return could print a made-up "Total: 10 / 10" flush left). And a class folder's
// stray archive is named, not skipped silently.
func TestSurvive_TerminalEscapes(t *testing.T) {
	c := withPolicy(t)
	require.NoError(t, c.err)
	txt := string(readFile(t, filepath.Join(c.out, "students", "terminal_escapes", "report.txt")))
	assert.NotContains(t, txt, "\r")
	assert.NotContains(t, txt, "\x1b")
	assert.Contains(t, txt, `\r\x1b[2KTotal: 10 / 10 (100%)`, "the message, escaped")
	assert.Regexp(t, `(?m)^Total: 0 / 10 \(0%\)$`, txt, "the only flush-left total is the real one")
	assert.NotContains(t, c.stdout, "\x1b", "the class summary on stdout")
	assert.Contains(t, c.stdout, `mallory\x1b[31m`)
	assert.Equal(t, 10.0, c.reports[escapedName].Score)
	assert.Contains(t, c.stderr, "skipping carol.zip: a file, not a submission folder")
}

// --out may not be where graded code could read it, nor where the next run would grade it.
func TestMain_RefusesAnOutThatGradedCodeOrTheNextRunWouldSee(t *testing.T) {
	root := repoRoot(t)
	class := t.TempDir()
	for _, tc := range []struct{ mode, dir, out, want string }{
		{"--class", class, filepath.Join(root, "report"), "inside the tests folder"},
		{"--class", class, filepath.Join(root, "exercises", "01_cell"), "inside the tests folder"},
		{"--class", class, class, "inside the class folder"},
		{"--class", class, filepath.Join(class, "report"), "inside the class folder"},
		{"--submission", class, filepath.Join(root, "report.json"), "inside the tests folder"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), root, []string{tc.mode, tc.dir, "--out", tc.out}, &stdout, &stderr, nil)
		assert.Equal(t, 2, code, "%s %s --out %s", tc.mode, tc.dir, tc.out)
		assert.Contains(t, stderr.String(), tc.want, "%s --out %s", tc.mode, tc.out)
		assert.NoFileExists(t, filepath.Join(tc.out, "class.json"))
	}
	// In the repository, the default --out of a class (kata-report) is refused.
	t.Chdir(root)
	var stderr bytes.Buffer
	assert.Equal(t, 2, run(context.Background(), root, []string{"--class", class}, &bytes.Buffer{}, &stderr, nil))
	assert.Contains(t, stderr.String(), "write the reports outside the repository")
}

// The go command that compiles learner files gets none of the caller's build settings, and
// compiles with the grader's own cache.
func TestBuildEnv_IgnoresTheCallersGoSettings(t *testing.T) {
	t.Setenv("GOFLAGS", "-vet=off -tags=cheat")
	t.Setenv("GOEXPERIMENT", "nocoverageredesign")
	t.Setenv("GOWORK", "/elsewhere/go.work")
	t.Setenv("CGO_LDFLAGS", "-lcheat")
	gocmd, err := exec.LookPath("go")
	require.NoError(t, err)
	env, err := buildEnv(gocmd)
	require.NoError(t, err)
	assert.Contains(t, env, "GOFLAGS=-buildvcs=false -mod=readonly")
	assert.Contains(t, env, "GOENV=off")
	assert.Contains(t, env, "GOWORK=off")
	for _, kv := range env {
		assert.NotContains(t, kv, "cheat")
		assert.NotContains(t, kv, "GOEXPERIMENT")
	}
}

// No exercise may import os, syscall, unsafe or reflect: with any of them learner code could
// both print a forged transcript and exit 0 (09_pipeline, which runs commands, has os/exec).
func TestManifest_NoExerciseMayImportAnEscapeHatch(t *testing.T) {
	m, err := manifest.Load(repoRoot(t))
	require.NoError(t, err)
	for _, e := range m.Exercises {
		for _, bad := range []string{"os", "syscall", "unsafe", "reflect", "C"} {
			assert.NotContains(t, e.Imports, bad, "%s may import %s", e.Name, bad)
		}
	}
}

// SIGTERM stops a grading as an interrupt does: the test processes are killed, the work
// folders removed, and kata grade exits 2.
func TestMain_SIGTERMCleansUp(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	root := repoRoot(t)
	sub := t.TempDir()
	require.NoError(t, copyTree(filepath.Join(cheatsDir, "infinite_loop"), sub))
	tmp := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), mainEnv+"="+strings.Join([]string{root, "--submission", sub, "--exercises", "01_cell", "--test-timeout", "60s", "--jobs", "1"}, "\n"), "TMPDIR="+tmp, "KATA_WATCHDOG=60s")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	// Wait until a test process runs: a process whose command line runs a test binary of the
	// work folder (only test runs pass -test.shuffle), in the sandbox's folder.
	testRunning := func() bool {
		return len(glob(t, filepath.Join(tmp, "kata-sandbox-*"))) > 0 && slices.ContainsFunc(processesUnder(tmp), func(cmdline string) bool {
			return strings.Contains(cmdline, ".test ") && strings.Contains(cmdline, "-test.shuffle=")
		})
	}
	deadline := time.Now().Add(3 * time.Minute)
	for !testRunning() {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no test process started; stderr:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond) // another process's state: polled
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	err := cmd.Wait()
	var exitErr *exec.ExitError
	require.True(t, errors.As(err, &exitErr), "exit: %v; stderr:\n%s", err, stderr.String())
	assert.Equal(t, 2, exitErr.ExitCode(), "stderr:\n%s", stderr.String())
	assert.Contains(t, stderr.String(), "interrupted")
	left, _ := os.ReadDir(tmp)
	for _, e := range left {
		t.Errorf("left behind in TMPDIR: %s", e.Name())
	}
	assert.Empty(t, processesUnder(tmp), "processes still running from the work folder")
}

// mainEnv makes this test binary run grade.Main (for TestMain_SIGTERMCleansUp): its value is
// the root and the arguments, one a line.
const mainEnv = "KATA_GRADE_TEST_MAIN"

func glob(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	require.NoError(t, err)
	return m
}

// processesUnder lists the processes whose command line names a path under dir.
func processesUnder(dir string) []string {
	var out []string
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		data, err := os.ReadFile(p)
		if err == nil && bytes.Contains(data, []byte(dir+"/")) {
			out = append(out, strings.ReplaceAll(string(data), "\x00", " "))
		}
	}
	return out
}

func jsonFile(p string, v any) error {
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// appliedCheat returns the file rel of a cheat, its diff applied.
func appliedCheat(t *testing.T, cheat, rel string) string {
	t.Helper()
	patch, err := os.ReadFile(filepath.Join(cheatsDir, cheat, filepath.FromSlash(rel)+".diff"))
	require.NoError(t, err)
	src, err := applyToRepo(patch)
	require.NoError(t, err)
	return string(src)
}

// lineOf returns the number of the first line of src that contains s.
func lineOf(t *testing.T, src, s string) string {
	t.Helper()
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, s) {
			return strconv.Itoa(i + 1)
		}
	}
	t.Fatalf("no line contains %q", s)
	return ""
}

// pipelineClass grades the cheats made for 09_pipeline, the exercise whose code may run
// commands, as one class with the policy on.
var (
	pipelineOnce sync.Once
	pipelineRun  *classRun
)

func pipelineClass(t *testing.T) *classRun {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the 09_pipeline cheats are not graded")
	}
	pipelineOnce.Do(func() {
		cheats, err := cheatsOf("09_pipeline")
		if err != nil {
			pipelineRun = &classRun{err: err}
			return
		}
		root := repoRoot(t)
		extra := map[string]func(string) error{
			"honest_solution": func(dir string) error {
				p := filepath.Join(dir, "exercises", "09_pipeline", "pipeline.go")
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					return err
				}
				data, err := os.ReadFile(filepath.Join(root, "solutions", "09_pipeline", "pipeline.go"))
				if err != nil {
					return err
				}
				return os.WriteFile(p, data, 0o644)
			},
		}
		pipelineRun = gradeClass(root, "pipeline", cheats, extra, false, "--exercises", "09_pipeline")
	})
	return pipelineRun
}

// Must survive: a child process of a test (09_pipeline runs commands) that reads the test
// process's arguments from /proc/$PPID/cmdline and writes code into it through
// /proc/$PPID/mem, code that prints a forged transcript and exits 0. Without a sandbox this
// scores 15/15; in the sandbox there is no /proc, and the stub beneath scores 0.
func TestSurvive_AChildRewritesTheTestProcess(t *testing.T) {
	c := pipelineClass(t)
	e := c.student(t, "proc_mem_child")
	require.Equal(t, Graded, e.Status, e.Message)
	assert.Zero(t, e.Score)
	for _, tr := range e.Tests {
		assert.NotEqual(t, Pass, tr.Status, tr.Name)
	}
}

// Must survive: a test's child listing every file it can read. It sees the exercise's folder,
// go.mod, go.sum and the test binary (and the launcher that started it), never a solution, an
// alternate, a report or another submission.
func TestSurvive_GradedCodeSeesOnlyWhatTheTestsNeed(t *testing.T) {
	c := pipelineClass(t)
	e := c.student(t, "peek_files")
	root, err := filepath.EvalSymlinks(repoRoot(t))
	require.NoError(t, err)
	msg := e.Tests[0].Message
	_, listing, ok := strings.Cut(msg, "PEEK\n")
	require.True(t, ok, "the cheat's listing is in its message:\n%s", msg)
	listing, _, _ = strings.Cut(listing, "KEEP")
	files := strings.Fields(listing)
	require.NotEmpty(t, files)
	exDir := filepath.Join(root, "exercises", "09_pipeline") + "/"
	for _, f := range files {
		switch {
		case strings.HasPrefix(f, exDir), f == filepath.Join(root, "go.mod"), f == filepath.Join(root, "go.sum"):
		case f == "/proc/self/environ": // the environment the test was given, for the race detector
		case strings.HasSuffix(f, ".test"): // the test binary and the launcher
		default:
			t.Errorf("graded code can read %s", f)
		}
	}
	for _, bad := range []string{"solutions", "alternates", "cheats", "gradebook", "class.json", "report"} {
		assert.NotContains(t, listing, bad)
	}
}

// Must survive: 200 busy processes in every test of another student (busy_children). Each test
// runs in a session of its own, which the kernel schedules as one group: the reference solution,
// graded at the same time, still gets full marks.
func TestSurvive_BusyProcessesDoNotCostOthersPoints(t *testing.T) {
	c := pipelineClass(t)
	e := c.student(t, "busy_children")
	assert.Zero(t, e.Score)
	expectTests(t, c.student(t, "honest_solution"), nil)
	t.Logf("graded the 09_pipeline class (%d submissions) in %v", len(c.reports), c.elapsed.Round(time.Millisecond))
}

// The session's copy of the build cache shares the grader's entries and adds its own apart:
// what a learner build writes is not in the grader's cache.
func TestCloneCache_LearnerEntriesStayInTheSession(t *testing.T) {
	base, session := t.TempDir(), filepath.Join(t.TempDir(), "cache")
	require.NoError(t, os.MkdirAll(filepath.Join(base, "ab"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(base, "ab", "ab12-d"), []byte("std"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(base, "trim.txt"), []byte("1"), 0o644))
	require.NoError(t, cloneCache(base, session))
	assert.Equal(t, "std", string(readFile(t, filepath.Join(session, "ab", "ab12-d"))))
	assert.NoFileExists(t, filepath.Join(session, "trim.txt"))
	require.NoError(t, os.WriteFile(filepath.Join(session, "ab", "ab34-d"), []byte("learner"), 0o644))
	assert.NoFileExists(t, filepath.Join(base, "ab", "ab34-d"))
	require.NoError(t, cloneCache(filepath.Join(base, "missing"), filepath.Join(t.TempDir(), "empty")), "a cold cache clones to an empty one")
}
