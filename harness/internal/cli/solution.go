package cli

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/diff"
	"github.com/kata-go/concurrency/harness/internal/report"
)

type solutionFile struct {
	Yours     string `json:"yours"`
	Reference string `json:"reference"`
	Same      bool   `json:"same"`
	Diff      string `json:"diff"`
}

// Solution shows the reference solution of an exercise as a diff against the learner's file,
// only once the learner's tests pass (it runs them: progress is what the tests say).
func (a *App) Solution(args []string) int {
	f, code := a.parseFlags("solution", args, "json")
	if f == nil {
		return code
	}
	e, ok := a.exerciseArg("solution", f)
	if !ok {
		return ExitUsage
	}
	var files []solutionFile
	for _, name := range e.Files {
		ref := e.SolutionDir() + "/" + name
		if _, err := os.Stat(filepath.Join(a.Root, filepath.FromSlash(ref))); err != nil {
			a.errorf("this repository has no reference solution for %s (%s is missing).", e.Name, ref)
			return ExitUsage
		}
		files = append(files, solutionFile{Yours: e.Dir() + "/" + name, Reference: ref})
	}
	rep := a.attempt(e)
	if rep == nil {
		return ExitUsage
	}
	if !rep.Passed {
		if f.json {
			a.writeJSON(struct {
				Exercise string    `json:"exercise"`
				Unlocked bool      `json:"unlocked"`
				Check    checkJSON `json:"check"`
			}{e.Name, false, toJSON(rep)})
			return exitOf(rep)
		}
		if rep.Environment != "" {
			rep.WriteText(a.Stdout, a.style())
			return exitOf(rep)
		}
		a.printf("The reference solution of %s unlocks once its tests pass. %s\n", e.Name, rep.Next())
		a.printf("%s shows the failures in full, %s gives a hint.\n", a.cmd("check", e.Short()), a.cmd("hint", e.Short()))
		return ExitFailed
	}
	for i := range files {
		sf := &files[i]
		yours, err1 := os.ReadFile(filepath.Join(a.Root, filepath.FromSlash(sf.Yours)))
		ref, err2 := os.ReadFile(filepath.Join(a.Root, filepath.FromSlash(sf.Reference)))
		if err := errorsJoin(err1, err2); err != nil {
			a.errorf("%v", err)
			return ExitUsage
		}
		sf.Diff = diff.Unified(sf.Yours+" (yours)", sf.Reference+" (reference)", string(yours), string(ref), 3)
		sf.Same = sf.Diff == ""
	}
	if f.json {
		a.writeJSON(struct {
			Exercise string         `json:"exercise"`
			Unlocked bool           `json:"unlocked"`
			Files    []solutionFile `json:"files"`
		}{e.Name, true, files})
		return ExitOK
	}
	a.say("%s passes, well done. The reference solution, as a diff from your file (- yours, + reference):\n", e.Name)
	for _, sf := range files {
		a.printf("\n")
		if sf.Same {
			a.printf("Your %s is the reference solution, line for line.\n", sf.Yours)
			continue
		}
		for _, l := range strings.SplitAfter(sf.Diff, "\n") {
			switch {
			case strings.HasPrefix(l, "---"), strings.HasPrefix(l, "+++"):
				a.printf("%s", a.paint(report.Bold, l))
			case strings.HasPrefix(l, "@@"):
				a.printf("%s", a.paint(report.Cyan, l))
			case strings.HasPrefix(l, "-"):
				a.printf("%s", a.paint(report.Red, l))
			case strings.HasPrefix(l, "+"):
				a.printf("%s", a.paint(report.Green, l))
			default:
				a.printf("%s", l)
			}
		}
	}
	a.say("\nThere is more than one right answer: yours passes the same tests.\n")
	return ExitOK
}

func errorsJoin(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
