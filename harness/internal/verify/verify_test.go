package verify_test

import (
	"context"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kata-go/concurrency/harness/internal/contract"
	"github.com/kata-go/concurrency/harness/internal/manifest"
	"github.com/kata-go/concurrency/harness/internal/mutant"
	"github.com/kata-go/concurrency/harness/internal/runner"
)

// stubBudget is how long a stub's tests may take together (as the tests time themselves, so
// that a loaded machine's slow start does not count): a stub never blocks, so its tests fail
// at once.
const stubBudget = 20 * time.Second

var (
	root    string
	man     *manifest.Manifest
	builds  *builder      // compiles test binaries, several exercises to a go command
	runs    chan struct{} // one token per test binary allowed to run at once
	kept    chan struct{} // one token per test binary built and not yet removed
	repeat  = repeatFromEnv()
	ratesMu sync.Mutex
	rates   []string // catch rates measured in repeat mode, for KATA_VERIFY_RATES
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
	// Test binaries mostly wait (on timers, sockets, the failure paths' bounds), so more of them
	// run at once than there are CPUs; the builds, which do not wait, share the CPUs inside one
	// go command at a time per slot.
	n := 2 * runtime.NumCPU()
	if v, err := strconv.Atoi(os.Getenv("KATA_VERIFY_JOBS")); err == nil && v > 0 {
		n = v
	}
	runs = make(chan struct{}, n)
	// Builds run ahead of the runs, so that a batch has a variant of many exercises, but not
	// without end: all 400 variants' binaries (7 MB each) at once would be close to 3 GB in the
	// temporary folder; 128 is under 1 GB, and a third of all variants.
	kept = make(chan struct{}, 128)
	raiseLimits()
	tmp, err := os.MkdirTemp("", "kata-verify-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "verify:", err)
		os.Exit(2)
	}
	builds = newBuilder(root, tmp, 2)
	code := m.Run()
	os.RemoveAll(tmp)
	if err := writeRates(); err != nil {
		fmt.Fprintln(os.Stderr, "verify:", err)
		code = 1
	}
	os.Exit(code)
}

// raiseLimits lets every variant's subtest start at once unless the caller chose -parallel:
// the subtests only wait for a build (batched, two go commands at a time) or a run slot, and
// go test's default of GOMAXPROCS would keep all but two variants from even queueing for a build,
// leaving the batches small and the CPUs idle while binaries wait on timers. It also lifts go
// test's default -timeout of 10m, which a 2-core machine busy with other work can need more than
// to verify every exercise (each test binary has its own limit, so nothing hangs for good); a
// timeout the caller chose, other than exactly 10m, stays.
func raiseLimits() {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", "256")
	}
	if f := flag.Lookup("test.timeout"); f != nil && f.Value.String() == (10*time.Minute).String() {
		flag.Set("test.timeout", "45m")
	}
}

// variant is one stand-in for an exercise's learner file: the stub itself (file ""), the
// solution, a mutant or an alternate.
type variant struct {
	e    manifest.Exercise
	file string
}

// compile builds v's test binary, or fails the test with the compiler's messages; the binary is
// removed when the test ends.
func compile(t *testing.T, what string, v variant) string {
	t.Helper()
	kept <- struct{}{}
	t.Cleanup(func() { <-kept })
	b := builds.build(v)
	if b.Binary == "" {
		t.Fatalf("%s of %s does not compile:\n%s", what, v.e.Name, b.Output)
	}
	t.Cleanup(func() { os.Remove(b.Binary) })
	return b.Binary
}

// runTests runs an exercise's test binary with the given test flags ("-test.count=3"); it
// fails the test when the binary could not run or did not finish in time.
func runTests(t *testing.T, e manifest.Exercise, binary string, args ...string) *runner.Result {
	t.Helper()
	runs <- struct{}{}
	defer func() { <-runs }()
	const limit = 4 * time.Minute
	res, err := runner.RunBinary(context.Background(), binary, filepath.Join(root, e.Dir()), limit, args...)
	if err != nil {
		t.Fatalf("%s: %v", e.Name, err)
	}
	if res.TimedOut {
		t.Fatalf("%s: the test binary did not finish within %v", e.Name, limit)
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
			t.Run("contract", func(t *testing.T) { checkContract(t, e) })
			t.Run("stub", func(t *testing.T) { t.Parallel(); checkStub(t, e) })
			t.Run("solution", func(t *testing.T) { t.Parallel(); checkSolution(t, e) })
			if testing.Short() {
				return
			}
			mutants, err := mutant.Load(root, e)
			if err != nil {
				t.Fatal(err)
			}
			cmap, _ := contract.Load(root, e) // its faults are the files check's to report
			for _, m := range mutants {
				t.Run("mutant="+m.Name, func(t *testing.T) {
					t.Parallel()
					checkMutant(t, e, m, cmap)
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
	wantExercise := append(slices.Clone(e.Files), name+"_test.go", "README.md", "README.zh-CN.md")
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
	checkAlternates(t, e)
	checkTasks(t, e)
}

// minMutants and minAlternates are what every exercise needs at the least: wrong solutions
// that each break one sentence, and correct ones built in other ways.
const (
	minMutants    = 5
	minAlternates = 2
)

// checkContract proves the exercise has its mutants, and a contract map that names only tests
// and mutants that exist, and every mutant at least once.
func checkContract(t *testing.T, e manifest.Exercise) {
	mutants, err := mutant.Load(root, e)
	if err != nil {
		t.Fatal(err)
	}
	if len(mutants) < minMutants {
		t.Errorf("%s: %d mutants in %s, want at least %d", e.Name, len(mutants), mutant.Dir(e), minMutants)
	}
	cmap, err := contract.Load(root, e)
	if err != nil {
		t.Errorf("%v: list every sentence of the contract with the tests that fail when it is broken and the mutants that break it (CONTRIBUTING.md, \"Contract map\")", err)
		return
	}
	tests, err := topLevelTests(filepath.Join(root, e.Dir(), e.Short()+"_test.go"))
	if err != nil {
		t.Error(err)
		return
	}
	var names []string
	for _, m := range mutants {
		names = append(names, m.Name)
	}
	for _, err := range cmap.Check(tests, names) {
		t.Error(err)
	}
	if n := len(alternates(t, e)); n < minAlternates {
		t.Errorf("%s: %d alternates in harness/testdata/alternates/%s, want at least %d: correct solutions built in other ways, each written from the README and the stub alone", e.Name, n, e.Name, minAlternates)
	}
}

// topLevelTests lists the Test functions of a test file.
func topLevelTests(file string) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Test") && fn.Name.Name != "TestMain" {
			out = append(out, fn.Name.Name)
		}
	}
	return out, nil
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

// checkStub: the stub compiles, every top-level test fails, and the binary ends in seconds.
func checkStub(t *testing.T, e manifest.Exercise) {
	res := runTests(t, e, compile(t, "the stub", variant{e: e}), "-test.count=1")
	tests := res.TopLevel()
	if len(tests) == 0 {
		t.Fatalf("stub of %s: no tests ran\n%s", e.Name, res.Output)
	}
	for _, tt := range tests {
		if tt.Status != runner.Fail {
			t.Errorf("stub of %s: %s %s; every top-level test must fail on the stub", e.Name, tt.Name, verb(tt.Status))
		}
	}
	var took time.Duration
	for _, tt := range tests {
		took += tt.Elapsed
	}
	if took > stubBudget {
		t.Errorf("the tests of the stub of %s took %v together; a stub never blocks, so its tests should fail within seconds", e.Name, took.Round(time.Second))
	}
}

// checkSolution: the reference passes under -race, repeated, shuffled, with GOMAXPROCS 1, 2 and 4.
func checkSolution(t *testing.T, e manifest.Exercise) {
	args := []string{"-test.count=3", "-test.shuffle=on", "-test.cpu=1,2,4"}
	if testing.Short() {
		args = []string{"-test.count=1"}
	}
	res := runTests(t, e, compile(t, "the solution", variant{e, solutionFile(e)}), args...)
	requirePass(t, "solution", e, res)
}

// checkMutant: the known-wrong solution compiles, and the tests its contract row names catch
// it (only they run); in repeat mode, on every run at every GOMAXPROCS.
func checkMutant(t *testing.T, e manifest.Exercise, m mutant.Mutant, cmap *contract.Map) {
	// A fresh file for each stand-in: go test -overlay caches a replaced file by its size and
	// modification time.
	file := filepath.Join(t.TempDir(), e.Files[0])
	if err := os.WriteFile(file, []byte(m.Source), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := compile(t, "mutant "+m.Name, variant{e, file})
	// Its row's tests alone decide: they must catch it, and running only them keeps a mutant's
	// run short (the other tests would pass, each taking its full time).
	var row, only []string
	if cmap != nil {
		row = cmap.TestsOf(m.Name)
	}
	if len(row) > 0 {
		only = []string{"-test.run=^(" + strings.Join(row, "|") + ")$"}
	}
	rowFailed := func(res *runner.Result) bool {
		return slices.ContainsFunc(row, func(name string) bool { return failed(res, name) })
	}
	res := runTests(t, e, bin, append([]string{"-test.count=1"}, only...)...)
	if !res.Passed && (only == nil || rowFailed(res)) {
		if repeat.n > 0 && (!repeat.schedOnly || cmap != nil && cmap.Sched(m.Name)) {
			checkCatchRate(t, e, m, bin, only)
		}
		return
	}
	if only != nil { // not caught by its row: say whether anything catches it
		res = runTests(t, e, bin, "-test.count=1")
	}
	switch {
	case res.Passed:
		t.Errorf("mutant %s was not caught: every test of %s passed on it.\nIt breaks this: %s\nAdd a test that fails on it.", rel(m.Path), e.Name, m.Why)
	case rowFailed(res):
		t.Errorf("mutant %s is caught only sometimes: its row's tests (%s) passed on it in one run and failed in the next.\nForce the interleaving the catch needs (CONTRIBUTING.md, \"Writing tests\").",
			rel(m.Path), strings.Join(row, ", "))
	default:
		t.Errorf("mutant %s was caught, but not by the tests its row of %s names (%s): it failed %s.\nFix the row, or the test that should catch it.",
			rel(m.Path), cmap.Path, strings.Join(row, ", "), strings.Join(failedTests(res), ", "))
	}
}

// checkCatchRate runs the mutant's binary repeat.n times at each of GOMAXPROCS 1, 2 and 4, each
// run in its own process (the race detector reports a race once per process), and fails unless
// every run caught it.
func checkCatchRate(t *testing.T, e manifest.Exercise, m mutant.Mutant, bin string, only []string) {
	cpus := []int{1, 2, 4}
	caught := make([]atomic.Int64, len(cpus))
	var wg sync.WaitGroup
	for i, cpu := range cpus {
		for range repeat.n {
			wg.Go(func() {
				args := append([]string{"-test.count=1", "-test.cpu=" + strconv.Itoa(cpu)}, only...)
				if res := runTests(t, e, bin, args...); !res.Passed {
					caught[i].Add(1)
				}
			})
		}
	}
	wg.Wait()
	var parts []string
	total := int64(0)
	for i, cpu := range cpus {
		parts = append(parts, fmt.Sprintf("cpu %d: %d/%d", cpu, caught[i].Load(), repeat.n))
		total += caught[i].Load()
	}
	line := fmt.Sprintf("%s/%s caught %d/%d (%s)", e.Name, m.Name, total, repeat.n*len(cpus), strings.Join(parts, ", "))
	ratesMu.Lock()
	rates = append(rates, line)
	ratesMu.Unlock()
	t.Log(line)
	if total < int64(repeat.n*len(cpus)) {
		t.Errorf("mutant %s is caught only sometimes: %s. A test that catches wrong code only sometimes passes it the other times: force the interleaving it needs (CONTRIBUTING.md, \"Writing tests\").", rel(m.Path), line)
	}
}

func failed(res *runner.Result, name string) bool {
	tt, ok := res.Test(name)
	return ok && tt.Status == runner.Fail
}

func failedTests(res *runner.Result) []string {
	var out []string
	for _, tt := range res.TopLevel() {
		if tt.Status == runner.Fail {
			out = append(out, tt.Name)
		}
	}
	if len(out) == 0 {
		out = append(out, "no test (the package failed outside its tests)")
	}
	return out
}

// checkAlternate: a correct solution built another way passes too.
func checkAlternate(t *testing.T, e manifest.Exercise, file string) {
	bin := compile(t, "alternate "+filepath.Base(file), variant{e, file})
	res := runTests(t, e, bin, "-test.count=2", "-test.shuffle=on", "-test.cpu=1,4")
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

// TestRaceGuard proves the guidance a learner gets without -race: a correct solution's package
// fails without running a test, and says once how to run it.
func TestRaceGuard(t *testing.T) {
	e := man.Exercises[0]
	runs <- struct{}{}
	res, err := runner.Run(context.Background(), runner.Config{
		Dir: root, Package: e.Package(), NoRace: true, Flags: []string{"-count=1"},
		Replace: map[string]string{learnerFile(e): solutionFile(e)},
	})
	<-runs
	if err != nil {
		t.Fatal(err)
	}
	want := "this exercise needs the race detector: go test -race ./" + e.Dir()
	if res.Passed || res.BuildFailed {
		t.Fatalf("without -race: passed %v, build failed %v; want a failing package\n%s%s", res.Passed, res.BuildFailed, res.BuildOutput, res.Output)
	}
	if n := len(res.Tests); n > 0 {
		t.Errorf("without -race, %d tests ran; want none, and one message", n)
	}
	if n := strings.Count(res.Output, want); n != 1 {
		t.Errorf("without -race the package said %q %d times, want once:\n%s", want, n, res.Output)
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

// TestReadme_LearnersPathMatchesTheManifest proves the README's table of exercises names every
// exercise, in order, with the time the manifest gives it.
func TestReadme_LearnersPathMatchesTheManifest(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range man.Exercises {
		if e.Minutes <= 0 {
			t.Errorf("%s: no minutes in exercises/manifest.toml: say roughly how long it takes", e.Name)
			continue
		}
		row := fmt.Sprintf("| %02d | `%s` |", e.Number(), e.Short())
		i := strings.Index(string(data), row)
		if i < 0 {
			t.Errorf("README.md has no row %q in its table of exercises", row)
			continue
		}
		line, _, _ := strings.Cut(string(data)[i:], "\n")
		if want := "| " + manifest.FormatMinutes(e.Minutes) + " |"; !strings.HasSuffix(line, want) {
			t.Errorf("README.md: %s ends %q, but the manifest says %d minutes: want %q", row, line[max(0, len(line)-12):], e.Minutes, want)
		}
	}
}

// checkTasks proves that an exercise with hints per task numbers its tasks as its README and
// its test file do.
func checkTasks(t *testing.T, e manifest.Exercise) {
	if len(e.Tasks) == 0 {
		return
	}
	readme, _ := os.ReadFile(filepath.Join(root, e.Dir(), "README.md"))
	_, tasks, _ := strings.Cut(string(readme), "## Tasks")
	tests, _ := os.ReadFile(filepath.Join(root, e.Dir(), e.Short()+"_test.go"))
	for _, task := range e.Tasks {
		if !strings.Contains(tasks, fmt.Sprintf("\n%d. ", task.Number)) {
			t.Errorf("%s: the manifest has hints for task %d (%s), but README.md's tasks have no item %d.", e.Name, task.Number, task.Title, task.Number)
		}
		if !strings.Contains(string(tests), fmt.Sprintf("\n// Task %d: ", task.Number)) {
			t.Errorf("%s: the manifest has hints for task %d, but %s_test.go has no \"// Task %d:\" group.", e.Name, task.Number, e.Short(), task.Number)
		}
	}
	if strings.Contains(tasks, fmt.Sprintf("\n%d. ", len(e.Tasks)+1)) {
		t.Errorf("%s: README.md has a task %d, and the manifest no hints for it.", e.Name, len(e.Tasks)+1)
	}
}
