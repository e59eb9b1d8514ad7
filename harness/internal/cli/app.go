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
	"time"

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
	// Now is the clock (tests replace it).
	Now func() time.Time
	// recent holds the reports of the runs refresh made, by exercise, with the hash they ran on.
	recent map[string]recentRun
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
		Color: colorOn(stdio.Stdout), Command: CommandName(), Now: time.Now,
	}, ExitOK
}

func findRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return manifest.FindRoot(wd)
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

// CommandName is how the learner runs kata: KATA_COMMAND when set, "go run ./harness/cmd/kata"
// when this binary was built by go run, else "kata".
func CommandName() string {
	if c := os.Getenv("KATA_COMMAND"); c != "" {
		return c
	}
	if exe, err := os.Executable(); err == nil && strings.Contains(filepath.ToSlash(exe), "/go-build") {
		return "go run ./harness/cmd/kata"
	}
	return "kata"
}

func (a *App) style() report.Style {
	return report.Style{Color: a.Color, Command: a.Command}
}

func (a *App) paint(code, s string) string {
	if !a.Color || s == "" {
		return s
	}
	return code + s + "\x1b[0m"
}

// The ANSI codes the commands use (report has its own for reports).
const (
	red    = "\x1b[31;1m"
	green  = "\x1b[32;1m"
	yellow = "\x1b[33;1m"
	cyan   = "\x1b[36m"
	bold   = "\x1b[1m"
	dim    = "\x1b[2m"
)

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

// current is the exercise the learner is on: the progress file's, unless it is done, else the
// first exercise not done (the last one when all are).
func (a *App) current() manifest.Exercise {
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

// refresh makes the progress file say what the tests say; it reports its own errors. When it was missing or unreadable,
// or an exercise has never been run, it runs every exercise's tests once (stopping each at its
// first failure). Then, when recheckDone is set, it re-runs each exercise marked done whose
// files changed since.
func (a *App) refresh(recheckDone bool) error {
	unknown := a.stateErr != nil
	for _, e := range a.Manifest.Exercises {
		if s := a.State.Exercises[e.Name]; s == nil || s.Hash == "" {
			unknown = true
		}
	}
	if unknown {
		switch {
		case errors.Is(a.stateErr, state.ErrCorrupt):
			a.errorf("%s could not be read (%v); rebuilding your progress from the tests.", state.FileName, a.stateErr)
		case errors.Is(a.stateErr, state.ErrMissing):
			fmt.Fprintln(a.Stderr, "kata: no progress file yet: running every exercise's tests once to see where you are.")
		default:
			fmt.Fprintln(a.Stderr, "kata: running the tests of the exercises kata has not seen yet.")
		}
		a.stateErr = nil
		results, err := runner.RunPackages(a.Ctx, runner.Config{Dir: a.Root, Package: "./exercises/...", TestArgs: []string{"-test.failfast"}})
		if err != nil {
			a.errorf("%v\nThe tests could not run here: %s shows why.", err, a.cmd("doctor"))
			return err
		}
		byPkg := map[string]*runner.Result{}
		for _, r := range results {
			byPkg[r.Package] = r
		}
		for _, e := range a.Manifest.Exercises {
			s := a.State.Get(e.Name)
			s.Hash = state.Hash(a.dir(e))
			if s.Hash == "" {
				s.Hash = "missing"
			}
			r := findPackage(byPkg, e)
			s.Done = r != nil && r.Passed && !r.BuildFailed
			if s.Done {
				s.Passed, s.Total = len(r.TopLevel()), len(r.TopLevel())
			} else if s.Passed == s.Total {
				s.Passed, s.Total = 0, 0
			}
		}
		a.save()
	}
	if !recheckDone {
		return nil
	}
	changed := false
	for _, e := range a.Manifest.Exercises {
		s := a.State.Exercises[e.Name]
		if s == nil || !s.Done || s.Hash == state.Hash(a.dir(e)) {
			continue
		}
		rep, err := a.run(e, runOptions{})
		if err != nil {
			a.errorf("%v", err)
			return err
		}
		if a.recent == nil {
			a.recent = map[string]recentRun{}
		}
		a.recent[e.Name] = recentRun{state.Hash(a.dir(e)), rep}
		changed = true
	}
	if changed {
		a.save()
	}
	return nil
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
