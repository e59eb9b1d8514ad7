package mutant_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kata-go/concurrency/harness/internal/manifest"
	"github.com/kata-go/concurrency/harness/internal/mutant"
)

var cell = manifest.Exercise{Name: "01_cell", Files: []string{"cell.go"}}

const solution = "package cell\n\nfunc Take() int {\n\treturn 0\n}\n"

// repo writes a repository holding the solution and the given mutant files.
func repo(t *testing.T, mutants map[string]string) string {
	t.Helper()
	root := t.TempDir()
	write := func(p, s string) {
		p = filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("solutions/01_cell/cell.go", solution)
	for name, text := range mutants {
		write(filepath.Join(mutant.Dir(cell), name+".diff"), text)
	}
	return root
}

func TestLoad_AppliesEachMutantToTheSolution(t *testing.T) {
	wrong := strings.Replace(solution, "return 0", "return 1", 1)
	root := repo(t, map[string]string{"returns_one": mutant.Format(cell, "returns_one", "Take returns one, not zero.", solution, wrong)})
	ms, err := mutant.Load(root, cell)
	if err != nil || len(ms) != 1 {
		t.Fatalf("Load = %v, %v; want one mutant", ms, err)
	}
	if m := ms[0]; m.Name != "returns_one" || m.Why != "Take returns one, not zero." || m.Source != wrong {
		t.Errorf("Load = %+v; want returns_one, its sentence, and the solution with the change", m)
	}
}

func TestLoad_RefusesBadMutants(t *testing.T) {
	wrong := strings.Replace(solution, "return 0", "return 1", 1)
	for name, tc := range map[string]struct{ text, want string }{
		"no first line":   {mutant.Format(cell, "x", "y", solution, wrong)[len("Mutant of 01_cell: y\n"):], "the first line must be"},
		"does not apply":  {mutant.Format(cell, "x", "Take returns one, not zero.", strings.Replace(solution, "int", "uint", 1), wrong), "no longer applies"},
		"changes nothing": {"Mutant of 01_cell: nothing at all, nothing.\n", "changes nothing"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := mutant.Load(repo(t, map[string]string{"m": tc.text}), cell)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// Every mutant in the repository applies to its exercise's solution.
func TestLoad_EveryMutantOfTheRepository(t *testing.T) {
	root, err := manifest.FindRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range m.Exercises {
		if _, err := mutant.Load(root, e); err != nil {
			t.Error(err)
		}
	}
}
