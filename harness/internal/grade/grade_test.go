package grade

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kata-go/concurrency/harness/internal/diff"
	"github.com/kata-go/concurrency/harness/internal/manifest"
	"github.com/kata-go/concurrency/harness/internal/mutant"
)

// The survive-suite grades, as one class and in one session of the grader, every hostile
// submission in harness/testdata/cheats, plus submissions made here: the reference solution,
// the stub, every mutant, and symbolic links. A second class grades, with the static policy
// switched off, the cheats the policy stops, to show that the run-time checks stand on their
// own. Each test below looks at the submission made for it. Both classes are graded once, by
// the first test that needs them.

// testFlags keep the suite fast: 01_cell only, small limits, a third job (test processes often
// wait); the harness's own watchdog is set to 1s (KATA_WATCHDOG) so a deadlock fails quickly.
var testFlags = []string{
	"--exercises", "01_cell", "--test-timeout", "5s", "--memory", "1024", "--max-output", "256", "--quiet", "--jobs", "3",
	"--format", "text,json,junit,markdown,gradescope,autograding",
}

const testWatchdog = "KATA_WATCHDOG=1s"

// The test limits, as the messages state them.
const (
	testTimeout = 5 * time.Second
	cheatsDir   = "../../testdata/cheats"
)

var workDir string

func TestMain(m *testing.M) {
	if spec, ok := os.LookupEnv(mainEnv); ok {
		lines := strings.Split(spec, "\n")
		os.Exit(Main(context.Background(), lines[0], lines[1:], os.Stdout, os.Stderr))
	}
	dir, err := os.MkdirTemp("", "kata-grade-test-*")
	if err != nil {
		panic(err)
	}
	workDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := manifest.FindRoot(".")
	require.NoError(t, err)
	return root
}

// classRun is the outcome of one `kata grade --class`.
type classRun struct {
	code           int
	stdout, stderr string
	out            string // the --out folder
	reports        map[string]*Report
	elapsed        time.Duration
	err            error
}

func (c *classRun) student(t *testing.T, name string) ExerciseResult {
	t.Helper()
	require.NoError(t, c.err, "the class could not be graded")
	r, ok := c.reports[name]
	require.True(t, ok, "no report for %s; stderr:\n%s", name, c.stderr)
	require.Len(t, r.Exercises, 1)
	return r.Exercises[0]
}

// copyTree copies the regular files under src to dst.
// copyTree copies a cheat's folder. A file NAME.diff becomes NAME: the diff applied to the
// file of the repository that its "--- " line names (the solution or the stub of 01_cell), so a
// cheat keeps only what it changes.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasSuffix(rel, ".diff") {
			if data, err = applyToRepo(data); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			rel = strings.TrimSuffix(rel, ".diff")
		}
		to := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return err
		}
		return os.WriteFile(to, data, 0o644)
	})
}

// applyToRepo applies a diff to the repository file its "--- " line names.
func applyToRepo(patch []byte) ([]byte, error) {
	for _, line := range strings.Split(string(patch), "\n") {
		if base, ok := strings.CutPrefix(line, "--- "); ok {
			base, _, _ = strings.Cut(base, "\t")
			orig, err := os.ReadFile(filepath.Join("..", "..", "..", filepath.FromSlash(base)))
			if err != nil {
				return nil, err
			}
			out, err := diff.Apply(string(orig), string(patch))
			return []byte(out), err
		}
	}
	return nil, errors.New(`no "--- " line names the file the diff applies to`)
}

func writeLearnerFile(dir, from string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return writeLearnerText(dir, string(data))
}

// writeLearnerText writes the submission's 01_cell learner file.
func writeLearnerText(dir, data string) error {
	p := filepath.Join(dir, "exercises", "01_cell", "cell.go")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(data), 0o644)
}

// cheatsOf lists the cheats made for exercise ex (those with a folder exercises/ex).
func cheatsOf(ex string) ([]string, error) {
	entries, err := os.ReadDir(cheatsDir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if isDir(filepath.Join(cheatsDir, e.Name(), "exercises", ex)) {
			out = append(out, e.Name())
		}
	}
	return out, nil
}

// gradeClass builds a class folder from the cheats named (all of 01_cell's when names is nil)
// plus the extra submissions, grades it with testFlags and flags, and reads back class.json.
func gradeClass(root, name string, cheats []string, extra map[string]func(dir string) error, noPolicy bool, flags ...string) *classRun {
	c := &classRun{reports: map[string]*Report{}}
	class := filepath.Join(workDir, name, "class")
	c.out = filepath.Join(workDir, name, "out")
	if cheats == nil {
		var err error
		if cheats, err = cheatsOf("01_cell"); err != nil {
			c.err = err
			return c
		}
	}
	for _, ch := range cheats {
		if err := copyTree(filepath.Join(cheatsDir, ch), filepath.Join(class, ch)); err != nil {
			c.err = err
			return c
		}
	}
	for student, build := range extra {
		dir := filepath.Join(class, student)
		if strings.HasSuffix(student, ".zip") { // not a folder: a file the grader must skip
			if err := os.WriteFile(dir, []byte("PK"), 0o644); err != nil {
				c.err = err
				return c
			}
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			c.err = err
			return c
		}
		if err := build(dir); err != nil {
			c.err = fmt.Errorf("%s: %w", student, err)
			return c
		}
	}
	var stdout, stderr bytes.Buffer
	start := time.Now()
	args := append([]string{"--class", class, "--out", c.out}, testFlags...)
	c.code = run(context.Background(), root, append(args, flags...), &stdout, &stderr, func(o *options) {
		o.env = append(o.env, testWatchdog)
		o.noPolicy = noPolicy
	})
	c.elapsed = time.Since(start)
	c.stdout, c.stderr = stdout.String(), stderr.String()
	data, err := os.ReadFile(filepath.Join(c.out, "class.json"))
	if err != nil {
		c.err = fmt.Errorf("%v; exit %d; stderr:\n%s", err, c.code, c.stderr)
		return c
	}
	var all struct{ Reports []*Report }
	if c.err = json.Unmarshal(data, &all); c.err != nil {
		return c
	}
	for _, r := range all.Reports {
		c.reports[r.Student] = r
	}
	return c
}

var (
	withPolicyOnce sync.Once
	withPolicyRun  *classRun
	noPolicyOnce   sync.Once
	noPolicyRun    *classRun
)

// withPolicy is the survive-suite's class, graded as a teacher would.
func withPolicy(t *testing.T) *classRun {
	t.Helper()
	withPolicyOnce.Do(func() {
		root := repoRoot(t)
		solution := filepath.Join(root, "solutions", "01_cell", "cell.go")
		extra := map[string]func(string) error{
			"honest_solution": func(dir string) error { return writeLearnerFile(dir, solution) },
			"honest_stub": func(dir string) error {
				return writeLearnerFile(dir, filepath.Join(root, "exercises", "01_cell", "cell.go"))
			},
			"symlink_file": func(dir string) error {
				p := filepath.Join(dir, "exercises", "01_cell")
				if err := os.MkdirAll(p, 0o755); err != nil {
					return err
				}
				return os.Symlink(solution, filepath.Join(p, "cell.go"))
			},
			"symlink_folder": func(dir string) error {
				if err := os.MkdirAll(filepath.Join(dir, "exercises"), 0o755); err != nil {
					return err
				}
				return os.Symlink(filepath.Dir(solution), filepath.Join(dir, "exercises", "01_cell"))
			},
			// Students whose report files collided when named student.json, student.results.json.
			"bob": func(dir string) error { return writeLearnerFile(dir, solution) },
			"bob.results": func(dir string) error {
				return writeLearnerFile(dir, filepath.Join(root, "exercises", "01_cell", "cell.go"))
			},
			// A name that is a terminal escape sequence.
			escapedName: func(dir string) error { return writeLearnerFile(dir, solution) },
			// An archive nobody unpacked.
			"carol.zip": nil,
		}
		if !testing.Short() {
			m, err := manifest.Load(root)
			if err != nil {
				panic(err)
			}
			mutants, err := mutant.Load(root, m.Exercises[0])
			if err != nil {
				panic(err)
			}
			for _, mu := range mutants {
				extra["mutant_"+mu.Name] = func(dir string) error { return writeLearnerText(dir, mu.Source) }
			}
		}
		withPolicyRun = gradeClass(root, "policy", nil, extra, false)
	})
	return withPolicyRun
}

// escapedName is a student (a folder name) that would turn the terminal red.
const escapedName = "mallory\x1b[31m"

// stoppedByPolicy are the cheats whose file the policy refuses, and heldAtRunTime those it
// lets through that the run-time checks stop: both are graded again with the policy off.
var (
	stoppedByPolicy = []string{
		"exit_in_test_os", "exit_in_test_syscall", "exit_in_init_os", "exit_in_init_syscall",
		"fake_pass_framed", "fake_pass_plain", "forged_transcript", "output_flood",
		"fill_dev_shm", "println_in_parentheses",
	}
	heldAtRunTime = []string{"goexit_panic_value", "slow_init"}
)

// withoutPolicy grades the cheats the policy stops with the policy switched off.
func withoutPolicy(t *testing.T) *classRun {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the policy-off class is skipped")
	}
	noPolicyOnce.Do(func() {
		root := repoRoot(t)
		extra := map[string]func(string) error{
			"honest_solution": func(dir string) error {
				return writeLearnerFile(dir, filepath.Join(root, "solutions", "01_cell", "cell.go"))
			},
		}
		noPolicyRun = gradeClass(root, "nopolicy", append(slices.Clone(stoppedByPolicy), heldAtRunTime...), extra, true)
	})
	return noPolicyRun
}

// expectTests checks that the tests named in notPassing have those statuses and every other
// test passed, and that the score is what that earns.
func expectTests(t *testing.T, e ExerciseResult, notPassing map[string]Status) {
	t.Helper()
	require.Equal(t, Graded, e.Status, "exercise status; message: %s", e.Message)
	require.NotEmpty(t, e.Tests)
	seen := 0
	for _, tr := range e.Tests {
		want, listed := notPassing[tr.Name]
		if !listed {
			want = Pass
		} else {
			seen++
		}
		assert.Equal(t, want, tr.Status, "%s: status; message:\n%s", tr.Name, tr.Message)
		assert.Less(t, tr.Seconds, (testTimeout + 2*time.Second).Seconds(), "%s ran longer than its limit", tr.Name)
	}
	assert.Equal(t, len(notPassing), seen, "tests named in the expectation but not graded")
	passed := len(e.Tests) - len(notPassing)
	assert.Equal(t, round2(e.MaxScore*float64(passed)/float64(len(e.Tests))), e.Score, "score for %d of %d tests", passed, len(e.Tests))
}

// expectRefused checks a submission the policy stopped: 0 points, nothing run, and a
// violation naming each rule in wantRules.
func expectRefused(t *testing.T, e ExerciseResult, wantInViolations ...string) {
	t.Helper()
	assert.Equal(t, Refused, e.Status, "exercise status; message: %s", e.Message)
	assert.Zero(t, e.Score)
	all := strings.Join(e.PolicyViolations, "\n")
	for _, w := range wantInViolations {
		assert.Contains(t, all, w, "policy violations")
	}
	for _, tr := range e.Tests {
		assert.Equal(t, Error, tr.Status, "%s: a refused file's tests are not run", tr.Name)
		assert.Contains(t, tr.Message, "not run")
	}
}

func allTests(e ExerciseResult, s Status) map[string]Status {
	m := map[string]Status{}
	for _, tr := range e.Tests {
		m[tr.Name] = s
	}
	return m
}

func messageOf(e ExerciseResult, test string) string {
	for _, tr := range e.Tests {
		if tr.Name == test {
			return tr.Message
		}
	}
	return ""
}

const takeTest = "TestCell_TakeLeavesTheZeroValue"

// The tests that call Get, where the exit cheats exit.
var getTests = []string{
	"TestCell_GetReturnsTheValueGiven", "TestCell_SetChangesWhatGetReturns",
	"TestCell_ReplaceReturnsTheOldValue", "TestCell_TakeLeavesTheZeroValue",
}

func only(s Status, names ...string) map[string]Status {
	m := map[string]Status{}
	for _, n := range names {
		m[n] = s
	}
	return m
}

func TestGrade_TheSolutionGetsFullMarks(t *testing.T) {
	e := withPolicy(t).student(t, "honest_solution")
	expectTests(t, e, nil)
	assert.Equal(t, 10.0, e.Score)
	assert.Empty(t, e.IgnoredFiles)
	assert.Empty(t, e.PolicyViolations)
}

func TestGrade_TheStubScoresZeroWithEveryTestFailing(t *testing.T) {
	e := withPolicy(t).student(t, "honest_stub")
	expectTests(t, e, allTests(e, Fail))
	assert.Zero(t, e.Score)
	assert.Contains(t, messageOf(e, "TestCell_GetReturnsTheValueGiven"), "NewCell(", "a failing test's message is the test's own")
}

func TestGrade_EveryMutantLosesPoints(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: mutants are not graded")
	}
	c := withPolicy(t)
	n := 0
	for name, r := range c.reports {
		if !strings.HasPrefix(name, "mutant_") {
			continue
		}
		n++
		e := r.Exercises[0]
		assert.Equal(t, Graded, e.Status, "%s: %s", name, e.Message)
		assert.Less(t, e.Score, e.MaxScore, "%s must lose points", name)
	}
	assert.NotZero(t, n, "no mutant was graded")
}

// Must survive: compile errors.
func TestSurvive_CompileError(t *testing.T) {
	e := withPolicy(t).student(t, "compile_error")
	assert.Equal(t, CompileError, e.Status)
	assert.Zero(t, e.Score)
	assert.Contains(t, e.Message, "exercises/01_cell/cell.go:", "the compiler's message names the learner's file, not the grader's copy")
	assert.Contains(t, e.Message, "c.value undefined")
	assert.NotContains(t, e.Message, "kata-grade-", "no path of the grader's work folder")
}

// Must survive: an infinite loop.
func TestSurvive_InfiniteLoop(t *testing.T) {
	e := withPolicy(t).student(t, "infinite_loop")
	expectTests(t, e, only(Fail, takeTest))
	assert.Contains(t, messageOf(e, takeTest), "did not finish")
}

// Must survive: a deadlock under -race (the runtime's deadlock detection is off there).
func TestSurvive_DeadlockUnderRace(t *testing.T) {
	e := withPolicy(t).student(t, "deadlock")
	expectTests(t, e, only(Fail,
		"TestRefCell_ManySharedBorrowsAtOnce", "TestRefCell_MutableBorrowIsExclusive",
		"TestRefCell_ReleaseTwiceCountsOnce", "TestRefCell_MustBorrowPanicsWithTheSentinel"))
	assert.Contains(t, messageOf(e, "TestRefCell_MutableBorrowIsExclusive"), "BorrowMut (cell.go:")
}

// Must survive: a panic in a goroutine, which ends the whole test process.
func TestSurvive_PanicInAGoroutine(t *testing.T) {
	e := withPolicy(t).student(t, "goroutine_panic")
	expectTests(t, e, only(Error, takeTest))
	msg := messageOf(e, takeTest)
	assert.Contains(t, msg, "crashed")
	assert.Contains(t, msg, "assignment to entry in nil map")
}

// Must survive: a memory balloon, stopped by the data-size limit even under -race.
func TestSurvive_MemoryBalloon(t *testing.T) {
	e := withPolicy(t).student(t, "memory_balloon")
	expectTests(t, e, only(Error, takeTest))
	assert.Contains(t, messageOf(e, takeTest), "ran out of memory")
}

// Must survive: os.Exit(0) from a test. The policy refuses the file; without the policy,
// -test.paniconexit0 turns the exit into a failure of each test that reached it.
func TestSurvive_OsExitFromATest(t *testing.T) {
	expectRefused(t, withPolicy(t).student(t, "exit_in_test_os"), `import "os" is not allowed`, "os.Exit is not allowed")
	e := withoutPolicy(t).student(t, "exit_in_test_os")
	expectTests(t, e, only(Fail, getTests...))
	assert.Contains(t, messageOf(e, getTests[0]), "unexpected call to os.Exit(0) during test")
}

// Must survive: syscall.Exit(0) from a test, which no hook of testing sees. Without the
// policy, the process exits 0 before testing prints the test's result.
func TestSurvive_SyscallExitFromATest(t *testing.T) {
	expectRefused(t, withPolicy(t).student(t, "exit_in_test_syscall"), "package syscall is not allowed", "syscall.Exit is not allowed")
	e := withoutPolicy(t).student(t, "exit_in_test_syscall")
	expectTests(t, e, only(Error, getTests...))
	assert.Contains(t, messageOf(e, getTests[0]), "exited before the test reported a result")
}

// Must survive: os.Exit(0) from init: a process that exits 0 without running any test.
func TestSurvive_OsExitFromInit(t *testing.T) {
	expectRefused(t, withPolicy(t).student(t, "exit_in_init_os"), "init functions are not allowed", "os.Exit is not allowed")
	e := withoutPolicy(t).student(t, "exit_in_init_os")
	expectTests(t, e, allTests(e, Error))
}

// Must survive: syscall.Exit(0) while the package initializes (a variable's initializer).
func TestSurvive_SyscallExitFromInit(t *testing.T) {
	expectRefused(t, withPolicy(t).student(t, "exit_in_init_syscall"), "syscall.Exit is not allowed")
	e := withoutPolicy(t).student(t, "exit_in_init_syscall")
	expectTests(t, e, allTests(e, Error))
}

// Must survive: fake "--- PASS" lines with test2json's framing byte, printed from init for
// every test, then exit 0.
func TestSurvive_FakePassLinesFramed(t *testing.T) {
	expectRefused(t, withPolicy(t).student(t, "fake_pass_framed"), "os.Stdout is not allowed", "os.Exit is not allowed")
	e := withoutPolicy(t).student(t, "fake_pass_framed")
	expectTests(t, e, allTests(e, Error))
	assert.Contains(t, messageOf(e, takeTest), "printed before the test started")
}

// Must survive: fake "--- PASS" and "PASS" lines without the framing byte, printed during
// every test of a stub.
func TestSurvive_FakePassLinesPlain(t *testing.T) {
	expectRefused(t, withPolicy(t).student(t, "fake_pass_plain"), "os.Stdout is not allowed")
	e := withoutPolicy(t).student(t, "fake_pass_plain")
	expectTests(t, e, allTests(e, Fail))
}

// A cheat that reads its own arguments and prints a complete transcript, nonce included, then
// exits 0 from init. The policy refuses it; without the policy it would pass: this test shows
// that the policy is what stops it (package grade's doc says so), and must change if the
// run-time checks ever learn to.
func TestSurvive_ForgedTranscriptNeedsThePolicy(t *testing.T) {
	expectRefused(t, withPolicy(t).student(t, "forged_transcript"), "os.Args is not allowed", "os.Exit is not allowed", "os.Stdout is not allowed")
	e := withoutPolicy(t).student(t, "forged_transcript")
	expectTests(t, e, nil)
}

// Must survive: a flood of output.
func TestSurvive_OutputFlood(t *testing.T) {
	expectRefused(t, withPolicy(t).student(t, "output_flood"), "the built-in println is not allowed")
	e := withoutPolicy(t).student(t, "output_flood")
	expectTests(t, e, only(Error, takeTest))
	msg := messageOf(e, takeTest)
	assert.Contains(t, msg, "printed more than 256 KiB")
	assert.Less(t, len(msg), messageCap+100, "the flood is not copied into the report")
}

// Must survive: an edited test file (whose empty tests would pass anything). It is ignored:
// the stub beside it scores 0, and so are the edited harness, go.mod and the manifest (which
// would allow os, syscall and unsafe).
func TestSurvive_EditedTestFile(t *testing.T) {
	c := withPolicy(t)
	e := c.student(t, "edited_test")
	expectTests(t, e, allTests(e, Fail))
	assert.Equal(t, []string{"exercises/01_cell/cell_test.go"}, e.IgnoredFiles)
	assert.ElementsMatch(t, []string{"go.mod", "exercises/manifest.toml", "harness/run.go"}, c.reports["edited_test"].IgnoredFiles)
}

// Must survive: an added _test.go with tests of its own and a TestMain that exits 0. It is
// ignored: the correct cell.go beside it earns full marks (compiled, the second TestMain would
// have broken the build).
func TestSurvive_AddedTestFileWithTestMain(t *testing.T) {
	e := withPolicy(t).student(t, "extra_test_main")
	expectTests(t, e, nil)
	assert.Equal(t, []string{"exercises/01_cell/extra_test.go"}, e.IgnoredFiles)
	for _, tr := range e.Tests {
		assert.NotEqual(t, "TestCell_Always", tr.Name, "a test of the submission's own was graded")
	}
}

// Learner files must be regular files inside the submission: a symbolic link to the
// solution, or a linked exercise folder, is refused.
func TestSurvive_SymbolicLinks(t *testing.T) {
	for _, name := range []string{"symlink_file", "symlink_folder"} {
		e := withPolicy(t).student(t, name)
		assert.Equal(t, Refused, e.Status, "%s: %s", name, e.Message)
		assert.Zero(t, e.Score, name)
		assert.Contains(t, e.Message, "is a symbolic link", name)
	}
}

// The grader keeps working for the next submission: one session graded every hostile
// submission, each within its limits, and the correct solution in the same class still got
// full marks (TestGrade_TheSolutionGetsFullMarks); so did the one graded with the policy off.
func TestSurvive_TheGraderKeepsWorking(t *testing.T) {
	c := withPolicy(t)
	require.NoError(t, c.err)
	assert.Equal(t, 1, c.code, "exit status of a class that did not earn every point; stderr:\n%s", c.stderr)
	for name, r := range c.reports {
		assert.True(t, r.Complete(), "%s was not graded completely", name)
	}
	t.Logf("graded %d submissions of 01_cell in %v", len(c.reports), c.elapsed.Round(time.Millisecond))
	if !testing.Short() {
		n := withoutPolicy(t)
		expectTests(t, n.student(t, "honest_solution"), nil)
		t.Logf("graded %d submissions of 01_cell without the policy in %v", len(n.reports), n.elapsed.Round(time.Millisecond))
	}
}
