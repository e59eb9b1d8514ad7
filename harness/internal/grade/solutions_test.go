package grade

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kata-go/concurrency/harness/internal/manifest"
)

// sampleExercises are graded from their reference solutions by TestGrade_ReferenceSolutions:
// 01_cell, and the exercises that need something of the sandbox (commands, loopback DNS and
// TCP). KATA_GRADE_EXERCISES=all (or a comma-separated list) grades others.
var sampleExercises = []string{"01_cell", "09_pipeline", "10_resolve", "11_tcp"}

// The reference solutions get full marks through the grader: its sandbox and limits do not
// get in the way of correct code.
func TestGrade_ReferenceSolutions(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: reference solutions are not graded")
	}
	root := repoRoot(t)
	m, err := manifest.Load(root)
	require.NoError(t, err)
	names := sampleExercises
	switch v := os.Getenv("KATA_GRADE_EXERCISES"); v {
	case "":
	case "all":
		names = nil
		for _, e := range m.Exercises {
			names = append(names, e.Name)
		}
	default:
		names = strings.Split(v, ",")
	}
	sub := t.TempDir()
	var graded []string
	for _, name := range names {
		e, err := m.Lookup(name)
		require.NoError(t, err)
		ok := true
		for _, f := range e.Files {
			data, err := os.ReadFile(filepath.Join(root, "solutions", e.Name, f))
			if err != nil {
				ok = false
				break
			}
			p := filepath.Join(sub, filepath.FromSlash(e.Dir()), f)
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, data, 0o644))
		}
		if ok {
			graded = append(graded, e.Name)
		}
	}
	if len(graded) == 0 {
		t.Skip("no reference solution to grade")
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), root, []string{"--submission", sub, "--exercises", strings.Join(graded, ","), "--format", "json", "--quiet"}, &stdout, &stderr, nil)
	var r Report
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &r), "exit %d; stderr:\n%s", code, stderr.String())
	for _, e := range r.Exercises {
		assert.Equal(t, Graded, e.Status, "%s: %s", e.Name, e.Message)
		assert.Equal(t, e.MaxScore, e.Score, "%s: the reference solution must get full marks", e.Name)
		for _, tr := range e.Tests {
			if tr.Status != Pass {
				t.Errorf("%s %s: %s\n%s", e.Name, tr.Name, tr.Status, tr.Message)
			}
		}
	}
	assert.Equal(t, 0, code, "exit status of a full-marks submission")
	t.Logf("graded the reference solutions of %s in %.1fs", strings.Join(graded, ", "), r.Seconds)
}
