package grade

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kata-go/concurrency/harness/internal/grade/sandbox"
	"github.com/kata-go/concurrency/harness/internal/manifest"
	"github.com/kata-go/concurrency/harness/internal/mutant"
)

// How the grader spends its processes: a submission's exercises are compiled in one go command,
// an exercise whose tests all pass costs one test process, and only one with a failing test
// runs each test alone. A file that does not compile is compiled again alone, so its message
// names only its own exercise. A file left as the stub runs the pristine binary's tests, once
// for every submission that left it.
func TestGrade_OneGoCommandPerSubmissionAndOneProcessPerPassingExercise(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds two exercises of two submissions")
	}
	root := repoRoot(t)
	m, err := manifest.Load(root)
	require.NoError(t, err)
	rc, err := m.Lookup("02_rc")
	require.NoError(t, err)
	mutants, err := mutant.Load(root, rc)
	require.NoError(t, err)
	// A variable of its own makes each learner file this run's, so that no kept binary of an
	// earlier run serves it.
	nonce := fmt.Sprintf("\nvar nonce = %q\n", t.Name()+time.Now().String())
	solution := func(dir, ex, file string) error {
		data, err := os.ReadFile(filepath.Join(root, "solutions", ex, file))
		if err != nil {
			return err
		}
		return writeFileIn(dir, "exercises/"+ex+"/"+file, string(data)+nonce)
	}
	class := t.TempDir()
	good, broken := filepath.Join(class, "good"), filepath.Join(class, "broken")
	require.NoError(t, solution(good, "01_cell", "cell.go"))
	require.NoError(t, solution(good, "02_rc", "rc.go"))
	require.NoError(t, copyTree(filepath.Join(cheatsDir, "compile_error"), broken))
	require.NoError(t, writeFileIn(broken, "exercises/02_rc/rc.go", mutants[0].Source+nonce))
	stub, err := os.ReadFile(filepath.Join(root, "exercises", "01_cell", "cell.go"))
	require.NoError(t, err)
	stubs := []string{filepath.Join(class, "stub1"), filepath.Join(class, "stub2")}
	for _, dir := range stubs {
		require.NoError(t, writeFileIn(dir, "exercises/01_cell/cell.go", string(stub)))
	}

	g, err := newGrader(options{
		tests: root, exercises: []string{"01_cell", "02_rc"}, jobs: 2, sandbox: sandbox.Auto,
		limits: sandbox.Limits{Time: testTimeout, Memory: 1 << 30}, env: []string{testWatchdog},
	})
	require.NoError(t, err)
	defer g.Close()
	g.prepare(t.Context()) // the pristine binaries: built, or kept by an earlier session
	stats := &phases{}
	g.stats, g.bins.stats = stats, stats
	reports := g.grade(t.Context(), []submission{
		{dir: good, student: "good"}, {dir: broken, student: "broken"},
		{dir: stubs[0], student: "stub1"}, {dir: stubs[1], student: "stub2"},
	}, nil)

	for _, e := range reports[0].Exercises {
		expectTests(t, e, nil)
	}
	cell, rcResult := reports[1].Exercises[0], reports[1].Exercises[1]
	assert.Equal(t, CompileError, cell.Status)
	assert.Contains(t, cell.Message, "exercises/01_cell/cell.go:")
	assert.NotContains(t, cell.Message, "02_rc", "the message of 01_cell is its own")
	require.Equal(t, Graded, rcResult.Status, rcResult.Message)
	assert.Less(t, rcResult.Score, rcResult.MaxScore, "the mutant %s loses points", mutants[0].Name)

	stubCell := reports[2].Exercises[0]
	assert.Zero(t, stubCell.Score, "the stub of 01_cell")
	assert.Equal(t, stubCell, reports[3].Exercises[0], "two stubs, one result")

	build, run := stats.snapshot()
	// "good"'s and "broken"'s (one each), 01_cell of "broken" again alone; the stubs share the
	// pristine binary.
	assert.Equal(t, 3, build.Count, "go commands")
	// One process per exercise of "good"; for the mutant, one together and one per test; for
	// the stub of 01_cell, the same, once for both submissions that left it.
	assert.Equal(t, 2+(1+len(rcResult.Tests))+(1+len(stubCell.Tests)), run.Count, "test processes")
}

// Test binaries are kept between sessions: a session that grades what an earlier one built
// runs no go command at all, and grades the same. A kept binary serves only the same inputs:
// a tree whose tests changed builds its own and lists its own tests.
func TestGrade_KeptBinariesServeAgainOnlyTheSameInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds a copy of the pristine tree")
	}
	root := repoRoot(t)
	sub := t.TempDir()
	data, err := os.ReadFile(filepath.Join(root, "solutions", "01_cell", "cell.go"))
	require.NoError(t, err)
	require.NoError(t, writeFileIn(sub, "exercises/01_cell/cell.go", string(data)+"\nvar kept = \""+t.Name()+"\"\n"))
	session := func(tests string) (*Report, []string, Phase) {
		g, err := newGrader(options{
			tests: tests, exercises: []string{"01_cell"}, jobs: 1, sandbox: sandbox.Off,
			limits: sandbox.Limits{Time: testTimeout, Memory: 1 << 30}, env: []string{testWatchdog},
		})
		require.NoError(t, err)
		defer g.Close()
		stats := &phases{}
		g.stats, g.bins.stats = stats, stats
		reports := g.grade(t.Context(), []submission{{dir: sub, student: "s"}}, nil)
		names, err := g.expectedTests(t.Context(), g.exercises[0])
		require.NoError(t, err)
		build, _ := stats.snapshot()
		return reports[0], names, build
	}
	first, names, _ := session(root)
	expectTests(t, first.Exercises[0], nil)
	again, _, build := session(root)
	assert.Equal(t, 0, build.Count, "go commands of a session that grades what the one before built")
	expectTests(t, again.Exercises[0], nil)

	changed := t.TempDir()
	require.NoError(t, copyPristine(root, changed))
	require.NoError(t, writeFileIn(changed, "exercises/01_cell/added_test.go",
		"package cell_test\n\nimport \"testing\"\n\nfunc TestAddedToThePristineTree(t *testing.T) {}\n"))
	r, got, build := session(changed)
	assert.Equal(t, append([]string{"TestAddedToThePristineTree"}, names...), got, "the tests of the changed tree")
	assert.Equal(t, 2, build.Count, "go commands: the changed tree's binary and the submission's")
	expectTests(t, r.Exercises[0], nil)
}

// writeFileIn writes text to the slash path rel inside dir.
func writeFileIn(dir, rel, text string) error {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(text), 0o644)
}
