// Package cli is what the kata command is made of: one file per command (progress, list,
// check and next, hint, watch, reset, solution, doctor, verify). harness/cmd/kata only
// dispatches to it.
//
// Every command works from any folder inside the repository, reports in plain words (plain
// text when NO_COLOR is set or standard output is not a terminal; JSON with --json) and
// exits with ExitOK, ExitFailed or ExitUsage.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kata-go/concurrency/harness/internal/grade/policy"
	"github.com/kata-go/concurrency/harness/internal/manifest"
	"github.com/kata-go/concurrency/harness/internal/report"
	"github.com/kata-go/concurrency/harness/internal/runner"
	"github.com/kata-go/concurrency/harness/internal/state"
)

// The exit codes of every command.
const (
	ExitOK     = 0 // everything asked for passed or was done
	ExitFailed = 1 // tests failed (or what was asked did not happen: a reset declined)
	ExitUsage  = 2 // a usage error (a wrong name, a bad flag) or an environment error
)

// IO is where a command reads and writes.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// App is the kata CLI opened on one repository.
type App struct {
	IO
	Ctx      context.Context
	Root     string
	Manifest *manifest.Manifest
	State    *state.State
	// stateErr is what state.Load said: nil, state.ErrMissing, or a wrapped state.ErrCorrupt.
	stateErr error
	// Color is on when standard output is a terminal and NO_COLOR is not set.
	Color bool
	// Command is how the learner runs kata, for the commands kata suggests.
	Command string
	// Lang is the language of the learner-facing texts (LangFromEnv).
	Lang Lang
	// Here is the folder kata was started in, relative to Root with forward slashes ("" for
	// the root): paths are shown relative to it, and inside an exercise's folder that exercise
	// is the current one.
	Here string
	// Now is the clock (tests replace it).
	Now func() time.Time
	// recent holds the reports of the runs refresh made, by exercise, with the hash they ran on.
	recent map[string]recentRun
	// tickMu guards lastTick, when refresh last wrote a line of progress.
	tickMu   sync.Mutex
	lastTick time.Time
}

type recentRun struct {
	hash string
	rep  *report.Report
}

// Open finds the repository around the working folder, reads its manifest and the progress
// file. On failure it reports on stderr and returns the exit code to use.
func Open(ctx context.Context, stdio IO) (*App, int) {
	root, err := findRoot()
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "kata: %v.\nRun kata from inside the kata repository (the folder with exercises/manifest.toml, or any folder below it).\n", err)
		return nil, ExitUsage
	}
	m, err := manifest.Load(root)
	if err != nil {
		fmt.Fprintf(stdio.Stderr, "kata: %v\n", err)
		return nil, ExitUsage
	}
	st, stErr := state.Load(root)
	return &App{
		IO: stdio, Ctx: ctx, Root: root, Manifest: m, State: st, stateErr: stErr,
		Color: colorOn(stdio.Stdout), Command: CommandName(), Lang: LangFromEnv(os.Getenv), Now: time.Now, Here: here(root),
	}, ExitOK
}

func findRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return manifest.FindRoot(wd)
}

// here is the working folder relative to root, with forward slashes; "" at the root or when
// it cannot be said.
func here(root string) string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	if w, err := filepath.EvalSymlinks(wd); err == nil {
		wd = w
	}
	rel, err := filepath.Rel(root, wd)
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return ""
	}
	return filepath.ToSlash(rel)
}

// shown is a path relative to the root as the learner should read it: relative to where they
// stand.
func (a *App) shown(path string) string {
	if a.Here == "" {
		return path
	}
	r, err := filepath.Rel(filepath.FromSlash(a.Here), filepath.FromSlash(path))
	if err != nil {
		return path
	}
	return filepath.ToSlash(r)
}

// standingIn is the exercise whose folder (or solution folder) kata was started in.
func (a *App) standingIn() (manifest.Exercise, bool) {
	for _, e := range a.Manifest.Exercises {
		for _, d := range []string{e.Dir(), e.SolutionDir()} {
			if a.Here == d || strings.HasPrefix(a.Here, d+"/") {
				return e, true
			}
		}
	}
	return manifest.Exercise{}, false
}

// colorOn reports whether w is a terminal that may get colours: NO_COLOR unset, TERM not
// "dumb"; FORCE_COLOR forces them (unless NO_COLOR is set).
func colorOn(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	if os.Getenv("FORCE_COLOR") != "" {
		return true
	}
	if os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// CommandName is how the learner runs kata: KATA_COMMAND when set; "go tool kata" when the go
// command built this binary (go tool kata, through the tool directive in go.mod, or go run
// ./harness/cmd/kata: the short form is the one to type); else "kata".
func CommandName() string {
	if c := os.Getenv("KATA_COMMAND"); c != "" {
		return c
	}
	if exe, err := os.Executable(); err == nil && strings.Contains(filepath.ToSlash(exe), "/go-build") {
		return "go tool kata"
	}
	return "kata"
}

func (a *App) style() report.Style {
	return report.Style{Color: a.Color, Command: a.Command, Dir: a.Here}
}

// paint puts s in colour c when colours are on (report's colours, for reports and commands
// alike).
func (a *App) paint(c report.Color, s string) string { return a.style().Paint(c, s) }

func (a *App) printf(format string, args ...any) { fmt.Fprintf(a.Stdout, format, args...) }

func (a *App) errorf(format string, args ...any) {
	fmt.Fprintf(a.Stderr, "kata: "+format+"\n", args...)
}

// cmd formats a kata command for the learner to run: "kata hint cell".
func (a *App) cmd(args ...string) string {
	return "`" + strings.Join(append([]string{a.Command}, args...), " ") + "`"
}

// lookup finds an exercise by name; a wrong name is reported with the closest names.
func (a *App) lookup(name string) (manifest.Exercise, bool) {
	e, err := a.Manifest.Lookup(name)
	if err != nil {
		a.errorf("%v\nRun %s to see every exercise.", err, a.cmd("list"))
		return manifest.Exercise{}, false
	}
	return e, true
}

// exerciseArg is the exercise named by the one positional argument, or the current one.
func (a *App) exerciseArg(cmd string, f *flags) (manifest.Exercise, bool) {
	switch len(f.args) {
	case 0:
		return a.current(), true
	case 1:
		return a.lookup(f.args[0])
	default:
		a.errorf("%s takes one exercise name, got %d: %s", cmd, len(f.args), strings.Join(f.args, " "))
		return manifest.Exercise{}, false
	}
}

// dir is an exercise's folder on disk.
func (a *App) dir(e manifest.Exercise) string {
	return filepath.Join(a.Root, filepath.FromSlash(e.Dir()))
}

// learnerFiles are the exercise's learner files, relative to the root.
func learnerFiles(e manifest.Exercise) []string {
	var out []string
	for _, f := range e.Files {
		out = append(out, e.Dir()+"/"+f)
	}
	return out
}

// done reports whether the progress file says e passed, on the files as they are now.
func (a *App) done(e manifest.Exercise) bool {
	s := a.State.Exercises[e.Name]
	return s != nil && s.Done && s.Hash == state.Hash(a.dir(e))
}

// current is the exercise the learner is on: the one whose folder kata was started in; else
// the progress file's, unless it is done; else the first exercise not done (the last one when
// all are).
func (a *App) current() manifest.Exercise {
	if e, ok := a.standingIn(); ok {
		return e
	}
	if e, err := a.Manifest.Lookup(a.State.Current); a.State.Current != "" && err == nil && !a.done(e) {
		return e
	}
	return a.firstUnsolved()
}

// firstUnsolved is the first exercise not done, or the last exercise when all are done.
func (a *App) firstUnsolved() manifest.Exercise {
	for _, e := range a.Manifest.Exercises {
		if !a.done(e) {
			return e
		}
	}
	return a.Manifest.Exercises[len(a.Manifest.Exercises)-1]
}

// nextUnsolved is the first exercise not done after e, wrapping around; false when none is left.
func (a *App) nextUnsolved(e manifest.Exercise) (manifest.Exercise, bool) {
	all := a.Manifest.Exercises
	i := slices.IndexFunc(all, func(x manifest.Exercise) bool { return x.Name == e.Name })
	for k := 1; k <= len(all); k++ {
		x := all[(i+k)%len(all)]
		if x.Name != e.Name && !a.done(x) {
			return x, true
		}
	}
	return manifest.Exercise{}, false
}

func (a *App) countDone() int {
	n := 0
	for _, e := range a.Manifest.Exercises {
		if a.done(e) {
			n++
		}
	}
	return n
}

// save writes the progress file; a failure to write it is worth a warning, never a failure.
func (a *App) save() {
	if err := a.State.Save(a.Root); err != nil {
		a.errorf("could not save your progress: %v", err)
	}
}

// refresh makes the progress file say what the tests say; it reports its own errors. When the
// file was missing or unreadable, or an exercise has never been run, it runs those exercises'
// tests once (stopping each at its first failure). When recheck is set, it also re-runs every
// exercise whose files changed since its last run (solved with plain go test, or broken since),
// so that no status it shows is stale, except the exercise named except, which the caller is
// about to check itself. All of them run in one go command, with a line of progress as each
// exercise finishes.
func (a *App) refresh(recheck bool, except string) error {
	var unknown, changed []manifest.Exercise
	for _, e := range a.Manifest.Exercises {
		s := a.State.Exercises[e.Name]
		switch {
		case a.stateErr != nil || s == nil || s.Hash == "":
			unknown = append(unknown, e)
		case recheck && e.Name != except && s.Hash != state.Hash(a.dir(e)):
			changed = append(changed, e)
		}
	}
	if len(unknown) > 0 {
		switch {
		case errors.Is(a.stateErr, state.ErrCorrupt):
			a.errorf("%s could not be read (%v); rebuilding your progress from the tests.", state.FileName, a.stateErr)
		case errors.Is(a.stateErr, state.ErrMissing):
			fmt.Fprintln(a.Stderr, "kata: no progress file yet: running every exercise's tests once to see where you are.")
		default:
			fmt.Fprintln(a.Stderr, "kata: running the tests of the exercises kata has not seen yet.")
		}
		a.stateErr = nil
	}
	if len(changed) > 0 {
		fmt.Fprintf(a.Stderr, "kata: your files changed since the last check of %s: checking again.\n", names(changed))
	}
	if len(unknown)+len(changed) == 0 {
		return nil
	}
	// Unknown exercises stop at their first failure (a first run has thirteen stubs to get
	// through); changed ones run whole, so their counts are right.
	for _, group := range []struct {
		exercises []manifest.Exercise
		failfast  bool
	}{{unknown, true}, {changed, false}} {
		if len(group.exercises) == 0 {
			continue
		}
		if err := a.runMany(group.exercises, group.failfast); err != nil {
			return err
		}
	}
	a.save()
	return nil
}

// runMany runs the tests of several exercises in one go command and records each result; a
// whole run's report is kept for check to use again.
func (a *App) runMany(exercises []manifest.Exercise, failfast bool) error {
	var pkgs []string
	for _, e := range exercises {
		pkgs = append(pkgs, e.Package())
	}
	cfg := runner.Config{Dir: a.Root, Packages: pkgs, Flags: []string{"-count=1"}, OnPackage: a.progressLine(len(exercises))}
	if failfast {
		cfg.TestArgs = []string{"-test.failfast"}
	}
	stop := a.heartbeat()
	results, err := runner.RunPackages(a.Ctx, cfg)
	stop()
	if err != nil {
		a.errorf("%v\nThe tests could not run here: %s shows why.", err, a.cmd("doctor"))
		return err
	}
	byPkg := map[string]*runner.Result{}
	for _, r := range results {
		byPkg[r.Package] = r
	}
	for _, e := range exercises {
		s := a.State.Get(e.Name)
		hash := state.Hash(a.dir(e))
		s.Hash = hash
		if s.Hash == "" {
			s.Hash = "missing"
		}
		r := findPackage(byPkg, e)
		s.Done = r != nil && r.Passed && !r.BuildFailed
		switch {
		case s.Done:
			s.Passed, s.Total = len(r.TopLevel()), len(r.TopLevel())
		case r != nil && !failfast:
			rep := report.New(a.Root, e, r)
			s.Passed, s.Total = rep.Summary.Passed, rep.Summary.Total
			if a.recent == nil {
				a.recent = map[string]recentRun{}
			}
			a.recent[e.Name] = recentRun{hash, rep}
		case s.Passed == s.Total:
			s.Passed, s.Total = 0, 0
		}
	}
	return nil
}

// progressLine returns the callback that says, on stderr, each exercise the run finished.
func (a *App) progressLine(total int) func(pkg string, passed bool) {
	n := 0
	return func(pkg string, passed bool) {
		n++
		verdict := "failing"
		if passed {
			verdict = "passes"
		}
		name := pkg[strings.LastIndex(pkg, "/")+1:]
		a.tick(fmt.Sprintf("kata: checked %s (%d/%d): %s", name, n, total, verdict))
	}
}

// heartbeat says "still working" on stderr whenever nothing was said for a few seconds (the first
// run builds every exercise before any finishes); stop ends it.
func (a *App) heartbeat() (stop func()) {
	start := a.Now()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(heartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if a.quietFor() >= heartbeatEvery {
					a.tick(fmt.Sprintf("kata: still building and running the tests (%ds)...", int(a.Now().Sub(start).Seconds())))
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

// heartbeatEvery is how long kata stays silent at most while tests build and run.
const heartbeatEvery = 5 * time.Second

// tick writes one progress line on stderr and notes when.
func (a *App) tick(line string) {
	a.tickMu.Lock()
	defer a.tickMu.Unlock()
	fmt.Fprintln(a.Stderr, line)
	a.lastTick = time.Now()
}

func (a *App) quietFor() time.Duration {
	a.tickMu.Lock()
	defer a.tickMu.Unlock()
	if a.lastTick.IsZero() {
		return heartbeatEvery
	}
	return time.Since(a.lastTick)
}

func names(exercises []manifest.Exercise) string {
	var out []string
	for _, e := range exercises {
		out = append(out, e.Name)
	}
	return strings.Join(out, ", ")
}

// refuseAsGraderWould applies the grader's policy (package grade/policy) to the learner files
// of e, whose tests passed: a file kata grade would refuse (0 points) fails the check, with
// the lines to change, so that kata never calls done what the grader would refuse.
func (a *App) refuseAsGraderWould(e manifest.Exercise, rep *report.Report) {
	for _, v := range a.policyViolations(e) {
		rep.Passed = false
		rep.Problems = append(rep.Problems, report.Problem{
			Kind:    report.Policy,
			Message: fmt.Sprintf("kata grade would refuse %s (0 points): %s. Remove it before you hand in", v.File, strings.TrimSuffix(v.Message, ".")),
			Yours:   []report.Location{{File: e.Dir() + "/" + v.File, Line: v.Line}},
		})
	}
}

// policyViolations checks e's learner files as the grader will: the same policy, the same
// allowed imports.
func (a *App) policyViolations(e manifest.Exercise) []policy.Violation {
	var out []policy.Violation
	for _, name := range e.Files {
		src, err := os.ReadFile(filepath.Join(a.dir(e), name))
		if err != nil {
			continue // a missing file fails the build, which says so
		}
		vs, err := policy.Check(name, src, e.Imports)
		if err != nil {
			continue
		}
		out = append(out, vs...)
	}
	return out
}

func findPackage(byPkg map[string]*runner.Result, e manifest.Exercise) *runner.Result {
	for pkg, r := range byPkg {
		if strings.HasSuffix(pkg, "/"+e.Dir()) {
			return r
		}
	}
	return nil
}

type runOptions struct {
	raw    io.Writer // receives go test's plain output as it happens
	run    string    // -run pattern
	record bool      // count it as an attempt
}

// run runs e's tests and records the result in the progress file (not saved). A run refresh
// just made on the same files is used again, rather than run twice.
func (a *App) run(e manifest.Exercise, o runOptions) (*report.Report, error) {
	hash := state.Hash(a.dir(e))
	if r, ok := a.recent[e.Name]; ok && r.hash == hash && o.raw == nil && o.run == "" {
		delete(a.recent, e.Name)
		if o.record {
			a.State.Get(e.Name).Attempts++
		}
		return r.rep, nil
	}
	flags := []string{"-count=1"}
	if o.run != "" {
		flags = append(flags, "-run="+o.run)
	}
	res, err := runner.Run(a.Ctx, runner.Config{Dir: a.Root, Package: e.Package(), Flags: flags, Stream: o.raw})
	if err != nil {
		return nil, err
	}
	rep := report.New(a.Root, e, res)
	if rep.Passed && o.run == "" {
		a.refuseAsGraderWould(e, rep)
	}
	if rep.Environment == "" && o.run == "" {
		s := a.State.Get(e.Name)
		attempts := s.Attempts
		a.State.Record(e.Name, rep.Passed, rep.Summary.Passed, rep.Summary.Total, hash, a.Now().UTC())
		if !o.record {
			s.Attempts = attempts
		}
	}
	return rep, nil
}
