// Package mutant reads an exercise's mutants: known-wrong solutions, each kept as a unified diff
// against the reference solution in harness/testdata/mutants/NN_name/NAME.diff, so that a mutant
// shows at a glance the one thing it gets wrong, and follows the solution when the rest of it
// changes. The first line of a mutant says which sentence of the contract it breaks:
//
//	Mutant of 01_cell: Take returns the value but leaves it in the cell.
//
//	--- solutions/01_cell/cell.go
//	+++ take_keeps_value
//	@@ -42,5 +42,4 @@
//	...
package mutant

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/diff"
	"github.com/kata-go/concurrency/harness/internal/manifest"
)

// Mutant is one known-wrong solution.
type Mutant struct {
	Name   string // the file name without .diff: "take_keeps_value"
	Path   string // the .diff file
	Why    string // the sentence of the contract it breaks
	Source string // the learner file it stands for: the solution with the diff applied
}

// Dir is the folder of an exercise's mutants, relative to the repository root.
func Dir(e manifest.Exercise) string { return filepath.Join("harness", "testdata", "mutants", e.Name) }

// Load reads every mutant of e in the repository at root and applies it to e's solution. A
// mutant without its first line, one that does not apply, or one that changes nothing is an error.
func Load(root string, e manifest.Exercise) ([]Mutant, error) {
	solution, err := os.ReadFile(filepath.Join(root, e.SolutionDir(), e.Files[0]))
	if err != nil {
		return nil, fmt.Errorf("mutants of %s: %w", e.Name, err)
	}
	files, err := filepath.Glob(filepath.Join(root, Dir(e), "*.diff"))
	if err != nil {
		return nil, err
	}
	var out []Mutant
	for _, f := range files {
		m, err := parse(f, e, string(solution))
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func parse(path string, e manifest.Exercise, solution string) (Mutant, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Mutant{}, err
	}
	m := Mutant{Name: strings.TrimSuffix(filepath.Base(path), ".diff"), Path: path}
	first, patch, _ := strings.Cut(string(data), "\n")
	prefix := "Mutant of " + e.Name + ": "
	if !strings.HasPrefix(first, prefix) || len(first) < len(prefix)+10 {
		return m, fmt.Errorf("%s: the first line must be %q followed by the sentence of the contract it breaks", path, prefix)
	}
	m.Why = strings.TrimPrefix(first, prefix)
	if m.Source, err = diff.Apply(solution, patch); err != nil {
		return m, fmt.Errorf("%s no longer applies to %s/%s (regenerate it against the solution): %w", path, e.SolutionDir(), e.Files[0], err)
	}
	if m.Source == solution {
		return m, fmt.Errorf("%s changes nothing: it is the reference solution", path)
	}
	return m, nil
}

// Format returns the text of a mutant's .diff file: why on the first line, then the diff from
// the solution to source.
func Format(e manifest.Exercise, name, why, solution, source string) string {
	return "Mutant of " + e.Name + ": " + why + "\n\n" +
		diff.Unified(e.SolutionDir()+"/"+e.Files[0], name, solution, source, 3)
}
