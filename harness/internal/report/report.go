// Package report turns the result of one exercise's go test run into plain words for the
// learner: which test failed, what it expected and got, and the place in the learner's own
// file the failure points at. A deadlock says where the learner's goroutines are stuck, a data
// race names the two places that touched the same memory, a panic or a crash where it
// happened, a leak where the goroutine left running was started, a compile error its line.
package report

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kata-go/concurrency/harness/internal/manifest"
	"github.com/kata-go/concurrency/harness/internal/runner"
)

// Kind is what went wrong.
type Kind string

// The kinds of problem a report names.
const (
	Failed   Kind = "failed"   // a check in the test did not hold
	Race     Kind = "race"     // the race detector saw two unordered accesses, one a write
	Deadlock Kind = "deadlock" // the test did not finish within the watchdog's time
	Panic    Kind = "panic"    // the code under test panicked and the test caught it
	Crash    Kind = "crash"    // the test binary died (a panic in a goroutine, a fatal error)
	Leak     Kind = "leak"     // goroutines were left running after the test
	Build    Kind = "build"    // the package does not compile
	Policy   Kind = "policy"   // the grader would refuse a learner file (package grade/policy)
)

// Location is a place in a file of the repository.
type Location struct {
	File string `json:"file"` // relative to the repository root, with forward slashes
	Line int    `json:"line"`
	Func string `json:"func,omitempty"` // the function there, when known: "RefCell.Borrow"
	What string `json:"what,omitempty"` // what happened there: "write by goroutine 8"
}

// String is "file:line (Func)".
func (l Location) String() string { return l.From("") }

// From is String with the file relative to dir (a folder relative to the root, with forward
// slashes), where the learner stands: "cell.go:25 (NewCell)" from "exercises/01_cell".
func (l Location) From(dir string) string {
	file := l.File
	if dir != "" && dir != "." {
		if r, err := filepath.Rel(filepath.FromSlash(dir), filepath.FromSlash(file)); err == nil {
			file = filepath.ToSlash(r)
		}
	}
	s := fmt.Sprintf("%s:%d", file, l.Line)
	if l.Func != "" {
		s += " (" + l.Func + ")"
	}
	return s
}

// Problem is one thing a test (or the package) reported.
type Problem struct {
	Kind Kind `json:"kind"`
	// Test is the test or subtest that reported it; empty for the package as a whole.
	Test string `json:"test,omitempty"`
	// Message is one line in plain words.
	Message string `json:"message"`
	// Details are further lines: expected and actual values, the goroutines stuck.
	Details []string `json:"details,omitempty"`
	// Yours are the places in the learner's files the problem points at, most useful first.
	Yours []Location `json:"yours,omitempty"`
	// TestAt is the line of the test that reported it, when known.
	TestAt *Location `json:"test_at,omitempty"`
}

// Test is one top-level test.
type Test struct {
	Name     string        `json:"name"`
	Status   runner.Status `json:"status"`
	Problems []Problem     `json:"problems,omitempty"` // the test's and its subtests', in order
	Seed     string        `json:"seed,omitempty"`     // KATA_SEED that replays its random inputs
	Output   string        `json:"output,omitempty"`   // go test's output, failed tests only
	Elapsed  time.Duration `json:"-"`
}

// Summary counts the top-level tests.
type Summary struct {
	Total   int `json:"total"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	// NotRun counts the tests of the exercise's test files that never started because the
	// test binary crashed first.
	NotRun int `json:"not_run,omitempty"`
}

// Report is one exercise's run in plain words.
type Report struct {
	Exercise string   `json:"exercise"`
	Title    string   `json:"title"`
	Files    []string `json:"files"` // the learner's files, relative to the root
	// Passed is true when the package passed: every test, and the checks after them.
	Passed bool `json:"passed"`
	// Compiled is false when the package did not build (Problems then holds the errors).
	Compiled bool `json:"compiled"`
	// Environment is set when the tests could not be run here at all (no cgo for -race, a
	// broken go.mod): the go command's words. It is not the learner's code's fault.
	Environment string  `json:"environment,omitempty"`
	Summary     Summary `json:"summary"`
	Tests       []Test  `json:"tests"`
	// Problems are those of no single test: compile errors, a leak after all tests passed,
	// a crash outside any test.
	Problems []Problem     `json:"problems,omitempty"`
	Elapsed  time.Duration `json:"-"`
}

// New builds the report of res, a run of exercise ex's tests in the repository at root.
func New(root string, ex manifest.Exercise, res *runner.Result) *Report {
	r := &Report{Exercise: ex.Name, Title: ex.Title, Passed: res.Passed && !res.BuildFailed, Compiled: !res.BuildFailed, Elapsed: res.Elapsed}
	for _, f := range ex.Files {
		r.Files = append(r.Files, ex.Dir()+"/"+f)
	}
	p := newPlaces(root, ex)
	if res.BuildFailed {
		r.Problems = p.buildProblems(res.BuildOutput)
		if len(r.Problems) == 0 {
			r.Environment = strings.TrimSpace(res.BuildOutput)
			if r.Environment == "" {
				r.Environment = "go test failed before running any test"
			}
		}
		return r
	}
	for _, t := range res.TopLevel() {
		rt := Test{Name: t.Name, Status: t.Status, Elapsed: t.Elapsed}
		switch t.Status {
		case runner.Pass:
			r.Summary.Passed++
		case runner.Skip:
			r.Summary.Skipped++
		default:
			r.Summary.Failed++
			rt.Output = t.Output
			rt.Problems, rt.Seed = p.testProblems(t.Name, t.Output)
			for _, sub := range res.Tests {
				if strings.HasPrefix(sub.Name, t.Name+"/") && sub.Status == runner.Fail {
					probs, seed := p.testProblems(sub.Name, sub.Output)
					rt.Problems = append(rt.Problems, probs...)
					rt.Output += sub.Output
					if rt.Seed == "" {
						rt.Seed = seed
					}
				}
			}
			if len(rt.Problems) == 0 {
				rt.Problems = []Problem{{Kind: Failed, Test: t.Name, Message: "failed without a message: see its output with -v"}}
			}
		}
		r.Summary.Total++
		r.Tests = append(r.Tests, rt)
	}
	r.Problems = p.packageProblems(res.Output)
	if r.crashed() {
		if all := p.tests(); len(all) > r.Summary.Total {
			r.Summary.NotRun = len(all) - r.Summary.Total
			r.Summary.Total = len(all)
		}
	}
	if !r.Passed && r.Summary.Failed == 0 && len(r.Problems) == 0 {
		msg := "the tests passed, but the package failed after them"
		if res.TimedOut {
			msg = "go test did not finish in time"
		}
		r.Problems = []Problem{{Kind: Failed, Message: msg, Details: lastLines(res.Output, 10)}}
	}
	if r.Summary.Total == 0 && !r.Passed && len(r.Problems) == 0 {
		r.Problems = []Problem{{Kind: Failed, Message: "no test ran"}}
	}
	p.tidy(r)
	return r
}

// tidy writes every function the way the learner's code spells it, and keeps one report of
// each race in a test: the race detector reports a pair of places again for every access.
func (p *places) tidy(r *Report) {
	fix := func(probs []Problem) []Problem {
		var out []Problem
		seen := map[string]bool{}
		for _, pr := range probs {
			for i := range pr.Yours {
				pr.Yours[i].Func = p.unshape(pr.Yours[i].Func)
			}
			if pr.TestAt != nil {
				pr.TestAt.Func = p.unshape(pr.TestAt.Func)
			}
			if pr.Kind == Race {
				var key []string
				for _, y := range pr.Yours {
					key = append(key, y.File+":"+strconv.Itoa(y.Line))
				}
				slices.Sort(key)
				k := strings.Join(key, " ")
				if seen[k] {
					continue
				}
				seen[k] = true
			}
			out = append(out, pr)
		}
		return out
	}
	for i := range r.Tests {
		r.Tests[i].Problems = fix(r.Tests[i].Problems)
	}
	r.Problems = fix(r.Problems)
}

// crashed reports whether the test binary died, so that the tests after the crash never ran.
func (r *Report) crashed() bool {
	for _, p := range r.Problems {
		if p.Kind == Crash {
			return true
		}
	}
	for _, t := range r.Tests {
		for _, p := range t.Problems {
			if p.Kind == Crash {
				return true
			}
		}
	}
	return false
}

// First returns the first problem: the one to fix first, and its test ("" for the package).
func (r *Report) First() (test string, p *Problem) {
	if len(r.Problems) > 0 && (!r.Compiled || r.Summary.Failed == 0) {
		return "", &r.Problems[0]
	}
	for i := range r.Tests {
		if len(r.Tests[i].Problems) > 0 {
			return r.Tests[i].Name, &r.Tests[i].Problems[0]
		}
	}
	if len(r.Problems) > 0 {
		return "", &r.Problems[0]
	}
	return "", nil
}

// passed counts the tests of a report that passed: "all 12 tests pass", or, when some skip
// (09_pipeline's Shell on Windows), how many and where to read why.
func (r *Report) passed() string {
	if r.Summary.Skipped == 0 {
		return fmt.Sprintf("all %d tests pass", r.Summary.Total)
	}
	return fmt.Sprintf("%d tests pass; %d skip on this system, and `kata doctor` says why", r.Summary.Passed, r.Summary.Skipped)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Next says in one sentence what the learner should do next.
func (r *Report) Next() string { return r.NextFrom("") }

// NextFrom is Next with its paths relative to dir, a folder relative to the root.
func (r *Report) NextFrom(dir string) string {
	switch {
	case r.Environment != "":
		return "The tests could not run here: " + firstLine(r.Environment) + ". Run `kata doctor` to see why."
	case r.Passed:
		return upperFirst(r.passed()) + "."
	}
	test, p := r.First()
	where := ""
	if p != nil {
		if len(p.Yours) > 0 {
			where = p.Yours[0].From(dir)
		} else if p.TestAt != nil {
			where = p.TestAt.From(dir)
		}
	}
	if !r.Compiled {
		if p == nil {
			return "Your code does not compile."
		}
		s := fmt.Sprintf("Your code does not compile: fix %s: %s.", where, strings.TrimSuffix(p.Message, "."))
		if len(p.Yours) == 0 && p.TestAt != nil {
			s += " Keep the names and signatures the stub gave you: the tests call them."
		}
		return s
	}
	if r.Summary.Failed == 0 {
		if p == nil {
			return "The tests pass, but the package failed."
		}
		s := "The tests pass, but " + lowerFirst(p.Message)
		if where != "" {
			s += ": look at " + where
		}
		return s + "."
	}
	count := fmt.Sprintf("%d of %d tests fail.", r.Summary.Failed, r.Summary.Total)
	switch {
	case r.Summary.NotRun > 0:
		count = fmt.Sprintf("%d failed, %d passed, %d not run (the crash stopped them).", r.Summary.Failed, r.Summary.Passed, r.Summary.NotRun)
	case r.Summary.Failed == 1:
		count = fmt.Sprintf("1 of %d tests fails.", r.Summary.Total)
	}
	s := count + " Start with " + test
	if where != "" {
		s += ": look at " + where
	}
	return s + "."
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSuffix(strings.TrimPrefix(s, "go: "), ".")
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func lastLines(s string, n int) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	var out []string
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// rel turns a path from go test's output into one relative to root, with forward slashes.
func rel(root, path string) string {
	if filepath.IsAbs(path) {
		if r, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(r, "..") {
			return filepath.ToSlash(r)
		}
	}
	return filepath.ToSlash(path)
}
