package grade

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kata-go/concurrency/harness/internal/grade/sandbox"
	"github.com/kata-go/concurrency/harness/internal/manifest"
	"github.com/kata-go/concurrency/harness/internal/mutant"
)

// How the grader spends its processes: a submission's exercises are compiled in one go command,
// an exercise whose tests all pass costs one test process, and only one with a failing test
// runs each test alone. A file that does not compile is compiled again alone, so its message
// names only its own exercise.
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
	solution := func(dir, ex, file string) error {
		data, err := os.ReadFile(filepath.Join(root, "solutions", ex, file))
		if err != nil {
			return err
		}
		return writeFileIn(dir, "exercises/"+ex+"/"+file, string(data))
	}
	class := t.TempDir()
	good, broken := filepath.Join(class, "good"), filepath.Join(class, "broken")
	require.NoError(t, solution(good, "01_cell", "cell.go"))
	require.NoError(t, solution(good, "02_rc", "rc.go"))
	require.NoError(t, copyTree(filepath.Join(cheatsDir, "compile_error"), broken))
	require.NoError(t, writeFileIn(broken, "exercises/02_rc/rc.go", mutants[0].Source))

	g, err := newGrader(options{
		tests: root, exercises: []string{"01_cell", "02_rc"}, jobs: 2, sandbox: sandbox.Auto,
		limits: sandbox.Limits{Time: testTimeout, Memory: 1 << 30}, env: []string{testWatchdog},
	})
	require.NoError(t, err)
	defer g.Close()
	stats := &phases{}
	g.stats, g.bins.stats = stats, stats
	reports := g.grade(t.Context(), []submission{{dir: good, student: "good"}, {dir: broken, student: "broken"}}, nil)

	for _, e := range reports[0].Exercises {
		expectTests(t, e, nil)
	}
	cell, rcResult := reports[1].Exercises[0], reports[1].Exercises[1]
	assert.Equal(t, CompileError, cell.Status)
	assert.Contains(t, cell.Message, "exercises/01_cell/cell.go:")
	assert.NotContains(t, cell.Message, "02_rc", "the message of 01_cell is its own")
	require.Equal(t, Graded, rcResult.Status, rcResult.Message)
	assert.Less(t, rcResult.Score, rcResult.MaxScore, "the mutant %s loses points", mutants[0].Name)

	build, run := stats.snapshot()
	// The pristine binaries (one command), each submission's (one each), 01_cell of "broken"
	// again alone.
	assert.Equal(t, 4, build.Count, "go commands")
	// One process per exercise of "good"; for the mutant, one together and one per test.
	assert.Equal(t, 2+1+len(rcResult.Tests), run.Count, "test processes")
}

// The pristine test binaries are kept between sessions, and the go command links again one
// whose inputs changed: a kept binary that is not what the tree builds (another exercise's, or
// not an executable at all) is replaced, and the tests are listed from the new one.
func TestGrade_AKeptPristineBinaryThatDoesNotMatchIsLinkedAgain(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the pristine binaries")
	}
	session := func() (*grader, []string) {
		g, err := newGrader(options{tests: repoRoot(t), exercises: []string{"01_cell", "02_rc"}, jobs: 2, sandbox: sandbox.Off})
		require.NoError(t, err)
		t.Cleanup(func() { g.Close() })
		g.prepare(t.Context())
		names, err := g.expectedTests(t.Context(), g.exercises[0])
		require.NoError(t, err)
		return g, names
	}
	g, want := session()
	kept := filepath.Join(g.bins.kept(), "01_cell.test")
	other, err := os.ReadFile(filepath.Join(g.bins.kept(), "02_rc.test"))
	require.NoError(t, err)
	for _, stale := range [][]byte{other, []byte("#!/bin/sh\necho TestForged\n")} {
		require.NoError(t, os.WriteFile(kept, stale, 0o755))
		_, got := session()
		assert.Equal(t, want, got, "the tests of 01_cell")
		data, err := os.ReadFile(kept)
		require.NoError(t, err)
		assert.NotEqual(t, stale, data, "the stale kept binary was not replaced")
	}
}

// writeFileIn writes text to the slash path rel inside dir.
func writeFileIn(dir, rel, text string) error {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(text), 0o644)
}
