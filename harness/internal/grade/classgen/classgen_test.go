package classgen_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kata-go/concurrency/harness/internal/grade/classgen"
	"github.com/kata-go/concurrency/harness/internal/grade/policy"
	"github.com/kata-go/concurrency/harness/internal/manifest"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := manifest.FindRoot(".")
	require.NoError(t, err)
	return root
}

var two = []string{"01_cell", "05_arc"}

// learnerFiles reads the learner files of the exercises of every submission.
func learnerFiles(t *testing.T, root, class string, subs []classgen.Submission) map[string]string {
	t.Helper()
	m, err := manifest.Load(root)
	require.NoError(t, err)
	out := map[string]string{}
	for _, s := range subs {
		for _, name := range two {
			e, err := m.Lookup(name)
			require.NoError(t, err)
			rel := filepath.Join(s.Name, filepath.FromSlash(e.Dir()), e.Files[0])
			data, err := os.ReadFile(filepath.Join(class, rel))
			require.NoError(t, err)
			out[rel] = string(data)
		}
	}
	return out
}

func TestGenerate_TheSameSeedWritesTheSameClass(t *testing.T) {
	root := repoRoot(t)
	opt := classgen.Options{Root: root, N: 6, Seed: 7, Exercises: two}
	a, b := t.TempDir(), t.TempDir()
	subsA, err := classgen.Generate(a, opt)
	require.NoError(t, err)
	subsB, err := classgen.Generate(b, opt)
	require.NoError(t, err)
	assert.Equal(t, subsA, subsB)
	assert.Equal(t, learnerFiles(t, root, a, subsA), learnerFiles(t, root, b, subsB))

	opt.Seed = 8
	subsC, err := classgen.Generate(t.TempDir(), opt)
	require.NoError(t, err)
	assert.NotEqual(t, subsA, subsC, "another seed, another class")
}

func TestGenerate_KindsFollowTheMix(t *testing.T) {
	for _, tc := range []struct {
		n                     int
		mix                   classgen.Mix
		correct, oneBug, stub int
	}{
		{3, classgen.DefaultMix, 2, 1, 0},
		{4, classgen.Mix{Stub: 1}, 0, 0, 4},
		{5, classgen.Mix{Correct: 1, OneBug: 1, Stub: 3}, 1, 1, 3},
	} {
		subs, err := classgen.Generate(t.TempDir(), classgen.Options{Root: repoRoot(t), N: tc.n, Seed: 1, Mix: tc.mix, Exercises: two[:1]})
		require.NoError(t, err)
		count := map[classgen.Kind]int{}
		for _, s := range subs {
			count[s.Kind]++
			switch s.Kind {
			case classgen.Stub:
				assert.Equal(t, "stub", s.Variants["01_cell"], s.Name)
			case classgen.OneBug:
				assert.True(t, strings.HasPrefix(s.Variants["01_cell"], "mutant:"), "%s: %v", s.Name, s.Variants)
			case classgen.Correct:
				v := s.Variants["01_cell"]
				assert.True(t, v == "solution" || strings.HasPrefix(v, "alternate:"), "%s: %v", s.Name, s.Variants)
			}
		}
		assert.Equal(t, map[classgen.Kind]int{classgen.Correct: tc.correct, classgen.OneBug: tc.oneBug, classgen.Stub: tc.stub},
			map[classgen.Kind]int{classgen.Correct: count[classgen.Correct], classgen.OneBug: count[classgen.OneBug], classgen.Stub: count[classgen.Stub]},
			"n=%d mix=%+v", tc.n, tc.mix)
	}
	_, err := classgen.Generate(t.TempDir(), classgen.Options{Root: repoRoot(t)})
	assert.ErrorIs(t, err, classgen.ErrNoSubmissions)
}

// Every learner file differs from every other, keeps to the grading policy, and the copy is
// a whole repository (its tests and go.mod are there for plain go test).
func TestGenerate_EveryLearnerFileIsDistinctAndAllowed(t *testing.T) {
	root := repoRoot(t)
	class := t.TempDir()
	subs, err := classgen.Generate(class, classgen.Options{Root: root, N: 8, Seed: 2, Exercises: two})
	require.NoError(t, err)
	m, err := manifest.Load(root)
	require.NoError(t, err)
	seen := map[string]string{}
	for rel, text := range learnerFiles(t, root, class, subs) {
		if other, ok := seen[text]; ok {
			t.Errorf("%s and %s are the same file", rel, other)
		}
		seen[text] = rel
		e, err := m.Lookup(strings.Split(filepath.ToSlash(rel), "/")[2])
		require.NoError(t, err)
		vs, err := policy.Check(e.Files[0], []byte(text), e.Imports)
		require.NoError(t, err, rel)
		assert.Empty(t, vs, "%s breaks the grading policy", rel)
	}
	for _, f := range []string{"go.mod", "go.sum", "exercises/01_cell/cell_test.go", "harness/run.go"} {
		assert.FileExists(t, filepath.Join(class, subs[0].Name, filepath.FromSlash(f)))
	}
}

// The mark is code the compiler keeps: two copies of a learner file that differ only in it
// compile to different objects, so nothing built for one is reused for the other. Both are
// compiled in place of the same file (-overlay), so that nothing but their content differs.
func TestGenerate_TheMarkChangesTheObjectFile(t *testing.T) {
	root := repoRoot(t)
	class := t.TempDir()
	subs, err := classgen.Generate(class, classgen.Options{Root: root, N: 2, Seed: 1, Mix: classgen.Mix{Stub: 1}, Exercises: two[:1]})
	require.NoError(t, err)
	dir := filepath.Join(class, subs[0].Name)
	object := func(learner string) string {
		ov := filepath.Join(t.TempDir(), "overlay.json")
		data, err := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(dir, "exercises", "01_cell", "cell.go"): learner}})
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(ov, data, 0o644))
		cmd := exec.Command("go", "list", "-export", "-overlay", ov, "-f", "{{.Export}}", "./exercises/01_cell")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return strings.TrimSpace(string(out))
	}
	a := filepath.Join(class, subs[0].Name, "exercises", "01_cell", "cell.go")
	b := filepath.Join(class, subs[1].Name, "exercises", "01_cell", "cell.go")
	require.Equal(t, object(a), object(a), "the same file compiles to the same object")
	assert.NotEqual(t, object(a), object(b), "two stubs with different marks compiled to the same object")
}
