package verify_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kata-go/concurrency/harness/internal/manifest"
	"github.com/kata-go/concurrency/harness/internal/mutant"
	"github.com/kata-go/concurrency/harness/internal/runner"
)

// stubBudget is how long a stub's whole package may take, build included: a stub never blocks,
// so its tests fail at once.
const stubBudget = 60 * time.Second

var (
	root string
	man  *manifest.Manifest
	jobs chan struct{} // one token per go test process allowed at once
)

func TestMain(m *testing.M) {
	var err error
	if root, err = manifest.FindRoot("."); err != nil {
		fmt.Fprintln(os.Stderr, "verify:", err)
		os.Exit(2)
	}
	if man, err = manifest.Load(root); err != nil {
		fmt.Fprintln(os.Stderr, "verify:", err)
		os.Exit(2)
	}
	n := runtime.NumCPU()
	if v, err := strconv.Atoi(os.Getenv("KATA_VERIFY_JOBS")); err == nil && v > 0 {
		n = v
	}
	jobs = make(chan struct{}, n)
	os.Exit(m.Run())
}

// goTest runs the exercise's tests with its learner file replaced by stand-in ("" keeps the stub).
func goTest(t *testing.T, e manifest.Exercise, standIn string, flags ...string) *runner.Result {
	t.Helper()
	cfg := runner.Config{
		Dir:     root,
		Package: e.Package(),
		Flags:   append([]string{"-count=1"}, flags...),
		Timeout: 4 * time.Minute,
	}
	if standIn != "" {
		cfg.Replace = map[string]string{learnerFile(e): standIn}
	}
	jobs <- struct{}{}
	defer func() { <-jobs }()
	res, err := runner.Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("%s: %v", e.Name, err)
	}
	if res.TimedOut {
		t.Fatalf("%s: go test did not finish within %v", e.Name, cfg.Timeout)
	}
	return res
}

func learnerFile(e manifest.Exercise) string {
	return filepath.Join(root, e.Dir(), e.Files[0])
}

func solutionFile(e manifest.Exercise) string {
	return filepath.Join(root, e.SolutionDir(), e.Files[0])
}

// alternates lists the .go files of harness/testdata/alternates/NN_name.
func alternates(t *testing.T, e manifest.Exercise) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "harness", "testdata", "alternates", e.Name, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestExercises(t *testing.T) {
	for _, e := range man.Exercises {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			t.Run("files", func(t *testing.T) { checkFiles(t, e) })
			if t.Failed() {
				return
			}
			t.Run("stub", func(t *testing.T) { t.Parallel(); checkStub(t, e) })
			t.Run("solution", func(t *testing.T) { t.Parallel(); checkSolution(t, e) })
			if testing.Short() {
				return
			}
			mutants, err := mutant.Load(root, e)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range mutants {
				t.Run("mutant="+m.Name, func(t *testing.T) {
					t.Parallel()
					checkMutant(t, e, m)
				})
			}
			for _, f := range alternates(t, e) {
				t.Run("alternate="+strings.TrimSuffix(filepath.Base(f), ".go"), func(t *testing.T) {
					t.Parallel()
					checkAlternate(t, e, f)
				})
			}
		})
	}
}

// checkFiles proves the exercise's folders hold what the manifest and CONTRIBUTING.md promise,
// and nothing else.
func checkFiles(t *testing.T, e manifest.Exercise) {
	name := e.Short()
	wantExercise := append(slices.Clone(e.Files), name+"_test.go", "README.md")
	assertFolder(t, filepath.Join(root, e.Dir()), wantExercise)
	assertFolder(t, filepath.Join(root, e.SolutionDir()), e.Files)

	readme, err := os.ReadFile(filepath.Join(root, e.Dir(), "README.md"))
	if err == nil {
		first, _, _ := strings.Cut(string(readme), "\n")
		if !strings.Contains(first, e.Title) {
			t.Errorf("%s/README.md: first line %q does not carry the manifest title %q", e.Dir(), first, e.Title)
		}
		if !strings.Contains(string(readme), e.Seed) {
			t.Errorf("%s/README.md does not name its seed section %q", e.Dir(), e.Seed)
		}
		if !strings.Contains(string(readme), "go test -race ./"+e.Dir()) {
			t.Errorf("%s/README.md does not show how to run only this exercise (go test -race ./%s)", e.Dir(), e.Dir())
		}
	}
	for i, h := range e.Hints {
		if strings.TrimSpace(h) == "" || strings.Contains(h, "TODO") {
			t.Errorf("%s: hint level %d is empty or a TODO", e.Name, i+1)
		}
	}
	if len(e.Files) != 1 {
		t.Errorf("%s: %d learner files; verification swaps exactly one", e.Name, len(e.Files))
	}
	if mutants, err := mutant.Load(root, e); err != nil {
		t.Error(err)
	} else if len(mutants) < 5 {
		t.Errorf("%s: %d mutants in %s, want at least 5", e.Name, len(mutants), mutant.Dir(e))
	}
	checkAlternates(t, e)
}

func assertFolder(t *testing.T, dir string, want []string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	var got []string
	for _, en := range entries {
		got = append(got, en.Name())
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s: missing %s", rel(dir), w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			t.Errorf("%s: stray file %s (the grader and the CLI would never see it; add it to the manifest's files or remove it)", rel(dir), g)
		}
	}
}

func checkAlternates(t *testing.T, e manifest.Exercise) {
	t.Helper()
	files := alternates(t, e)
	if len(files) < 1 {
		t.Errorf("%s: no alternate in harness/testdata/alternates/%s: write a correct solution built another way", e.Name, e.Name)
	}
	solution, _ := os.ReadFile(solutionFile(e))
	prefix := "// Alternate of " + e.Name + ": "
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Error(err)
			continue
		}
		if first, _, _ := strings.Cut(string(data), "\n"); !strings.HasPrefix(first, prefix) || len(first) < len(prefix)+10 {
			t.Errorf("%s: first line must say what it is: %q followed by how it differs", rel(f), prefix)
		}
		if string(data) == string(solution) {
			t.Errorf("%s is the reference solution itself", rel(f))
		}
	}
}

func rel(p string) string {
	if r, err := filepath.Rel(root, p); err == nil {
		return r
	}
	return p
}

// checkStub: the stub compiles, every top-level test fails, and the package ends in seconds.
func checkStub(t *testing.T, e manifest.Exercise) {
	res := goTest(t, e, "")
	if res.BuildFailed {
		t.Fatalf("stub of %s does not compile:\n%s", e.Name, res.BuildOutput)
	}
	tests := res.TopLevel()
	if len(tests) == 0 {
		t.Fatalf("stub of %s: no tests ran\n%s", e.Name, res.Output)
	}
	for _, tt := range tests {
		if tt.Status != runner.Fail {
			t.Errorf("stub of %s: %s %s; every top-level test must fail on the stub", e.Name, tt.Name, verb(tt.Status))
		}
	}
	if res.Elapsed > stubBudget {
		t.Errorf("stub of %s took %v; a stub never blocks, so its tests should fail within seconds", e.Name, res.Elapsed.Round(time.Second))
	}
}

// checkSolution: the reference passes under -race, repeated, shuffled, with GOMAXPROCS 1, 2 and 4.
func checkSolution(t *testing.T, e manifest.Exercise) {
	flags := []string{"-count=3", "-shuffle=on", "-cpu=1,2,4"}
	if testing.Short() {
		flags = nil
	}
	res := goTest(t, e, solutionFile(e), flags...)
	requirePass(t, "solution", e, res)
}

// checkMutant: the known-wrong solution compiles and at least one test fails on it.
func checkMutant(t *testing.T, e manifest.Exercise, m mutant.Mutant) {
	file := filepath.Join(t.TempDir(), e.Files[0])
	if err := os.WriteFile(file, []byte(m.Source), 0o644); err != nil {
		t.Fatal(err)
	}
	res := goTest(t, e, file)
	if res.BuildFailed {
		t.Fatalf("mutant %s does not compile, so it proves nothing:\n%s", rel(m.Path), res.BuildOutput)
	}
	if res.Passed {
		t.Errorf("mutant %s was not caught: every test of %s passed on it.\nIt breaks this: %s\nAdd a test that fails on it.", rel(m.Path), e.Name, m.Why)
	}
}

// checkAlternate: a correct solution built another way passes too.
func checkAlternate(t *testing.T, e manifest.Exercise, file string) {
	res := goTest(t, e, file, "-count=2", "-shuffle=on", "-cpu=1,4")
	requirePass(t, "alternate "+filepath.Base(file), e, res)
}

func requirePass(t *testing.T, what string, e manifest.Exercise, res *runner.Result) {
	t.Helper()
	if res.BuildFailed {
		t.Fatalf("%s of %s does not compile:\n%s", what, e.Name, res.BuildOutput)
	}
	for _, tt := range res.TopLevel() {
		if tt.Status != runner.Pass {
			t.Errorf("%s of %s: %s %s (%d of %d runs failed):\n%s", what, e.Name, tt.Name, verb(tt.Status), tt.Fails, tt.Runs, indent(tt.Output))
		}
	}
	if !res.Passed && !t.Failed() {
		t.Errorf("%s of %s: the package failed outside any test:\n%s", what, e.Name, indent(res.Output))
	}
	if len(res.TopLevel()) == 0 {
		t.Errorf("%s of %s: no tests ran", what, e.Name)
	}
}

func verb(s runner.Status) string {
	switch s {
	case runner.Pass:
		return "passed"
	case runner.Skip:
		return "was skipped"
	case runner.Fail:
		return "failed"
	}
	return "did not run"
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "    (no output)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// TestRaceGuard proves the guidance a learner gets without -race: every test of a correct
// solution fails and says how to run it.
func TestRaceGuard(t *testing.T) {
	e := man.Exercises[0]
	jobs <- struct{}{}
	res, err := runner.Run(context.Background(), runner.Config{
		Dir: root, Package: e.Package(), NoRace: true, Flags: []string{"-count=1"},
		Replace: map[string]string{learnerFile(e): solutionFile(e)},
	})
	<-jobs
	if err != nil {
		t.Fatal(err)
	}
	want := "this exercise needs the race detector: go test -race ./" + e.Dir()
	tests := res.TopLevel()
	if len(tests) == 0 {
		t.Fatalf("no tests ran without -race:\n%s%s", res.BuildOutput, res.Output)
	}
	for _, tt := range tests {
		if tt.Status != runner.Fail || !strings.Contains(tt.Output, want) {
			t.Errorf("%s without -race: %s, output %q; want a failure saying %q", tt.Name, tt.Status, tt.Output, want)
		}
	}
}

// TestManifestMatchesFolders proves that every exercise folder is in the manifest and every
// entry has its folders.
func TestManifestMatchesFolders(t *testing.T) {
	for _, top := range []string{"exercises", "solutions", "harness/testdata/mutants", "harness/testdata/alternates"} {
		entries, err := os.ReadDir(filepath.Join(root, top))
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range entries {
			if !en.IsDir() {
				if top == "exercises" && en.Name() == filepath.Base(manifest.Path) {
					continue
				}
				t.Errorf("%s/%s: stray file", top, en.Name())
				continue
			}
			if _, err := man.Lookup(en.Name()); err != nil || !strings.Contains(en.Name(), "_") {
				t.Errorf("%s/%s is not an exercise of the manifest", top, en.Name())
			}
		}
	}
}
