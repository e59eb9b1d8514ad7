package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/kata-go/concurrency/harness/internal/manifest"
	"github.com/kata-go/concurrency/harness/internal/report"
)

// checkJSON is a check's report as --json prints it.
type checkJSON struct {
	*report.Report
	Next      string `json:"next"`
	ElapsedMS int64  `json:"elapsed_ms"`
}

func toJSON(rep *report.Report) checkJSON {
	return checkJSON{Report: rep, Next: rep.Next(), ElapsedMS: rep.Elapsed.Milliseconds()}
}

func (a *App) writeJSON(v any) {
	enc := json.NewEncoder(a.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// exitOf is the exit code of a check.
func exitOf(rep *report.Report) int {
	switch {
	case rep.Environment != "":
		return ExitUsage
	case rep.Passed:
		return ExitOK
	default:
		return ExitFailed
	}
}

// Check runs the tests of one exercise (the current one by default) and explains the result.
// Naming an exercise makes it the current one.
func (a *App) Check(args []string) int {
	f, code := a.parseFlags("check", args, "json", "raw", "run")
	if f == nil {
		return code
	}
	e, ok := a.exerciseArg("check", f)
	if !ok {
		return ExitUsage
	}
	if len(f.args) == 1 {
		a.State.Current = e.Name
	}
	rep, err := a.check(e, f)
	if err != nil {
		a.errorf("%v", err)
		return ExitUsage
	}
	a.save()
	if !f.json && rep.Passed && f.run == "" {
		a.afterPass(e)
	}
	return exitOf(rep)
}

// check runs e's tests as an attempt and prints the report (or JSON); with f.raw, go test's
// own output goes first, then only the headline.
func (a *App) check(e manifest.Exercise, f *flags) (*report.Report, error) {
	var raw io.Writer
	if f.raw && !f.json {
		raw = a.Stdout
	}
	rep, err := a.run(e, runOptions{raw: raw, run: f.run, record: true})
	if err != nil {
		return nil, err
	}
	switch {
	case f.json:
		a.writeJSON(toJSON(rep))
	case f.raw:
		a.printf("\n%s\n", rep.Headline(a.style()))
	default:
		rep.WriteText(a.Stdout, a.style())
		if !rep.Passed && rep.Environment == "" {
			a.footer(e, f.watching)
		}
	}
	return rep, nil
}

// attempt runs e's tests as an attempt and saves the progress file. When the tests could not
// be run it says why and returns nil: the command then exits with ExitUsage.
func (a *App) attempt(e manifest.Exercise) *report.Report {
	rep, err := a.run(e, runOptions{record: true})
	if err != nil {
		a.errorf("%v", err)
		return nil
	}
	a.save()
	return rep
}

// footer says what to do after a failing check.
func (a *App) footer(e manifest.Exercise, watching bool) {
	files := learnerFiles(e)
	if !watching {
		a.say("\nEdit %s, then run %s again (%s re-checks on every save).\n", a.paint(report.Cyan, a.shown(files[0])), a.cmd("check"), a.cmd("watch"))
	} else {
		a.printf("\n")
	}
	seen := 0
	if s := a.State.Exercises[e.Name]; s != nil {
		seen = s.HintsSeen
	}
	if seen < len(e.Hints) {
		a.say("Stuck? %s shows hint %d of %d.\n", a.cmd("hint", e.Short()), seen+1, len(e.Hints))
	} else {
		a.say("You have seen every hint: %s shows them again.\n", a.cmd("hint", e.Short(), "--all"))
	}
}

// afterPass says what comes after e passed.
func (a *App) afterPass(e manifest.Exercise) {
	if n, ok := a.nextUnsolved(e); ok {
		a.say("\n%s is done. Next: %s moves on to %s · %s.\n", e.Name, a.cmd("next"), n.Name, n.Title)
		return
	}
	a.printf("\n%s\n", a.final())
}

// intro presents the exercise the learner moves on to.
func (a *App) intro(e manifest.Exercise) {
	about := ""
	if e.Minutes > 0 {
		about = fmt.Sprintf(a.tr(" (about %s)"), a.minutes(e.Minutes))
	}
	a.printf("%s %s · %s%s\n", a.paint(report.Bold, a.tr("Next up:")), a.paint(report.Bold, e.Name), e.Title, about)
	a.say("  Read %s, then make its tests pass by editing %s.\n", a.paint(report.Cyan, a.shown(a.readme(e))), a.paint(report.Cyan, a.shown(learnerFiles(e)[0])))
	a.say("  %s runs them, %s runs them on every save, %s helps.\n", a.cmd("check"), a.cmd("watch"), a.cmd("hint", e.Short()))
}

// Next checks the current exercise and, once it passes, makes the next exercise not done the
// current one.
func (a *App) Next(args []string) int {
	f, code := a.parseFlags("next", args, "json")
	if f == nil {
		return code
	}
	if len(f.args) > 0 {
		a.errorf("next takes no exercise name: to jump to one, run %s.", a.cmd("check", f.args[0]))
		return ExitUsage
	}
	if err := a.refresh(false, ""); err != nil {
		return ExitUsage
	}
	cur := a.firstUnsolved()
	if e, err := a.Manifest.Lookup(a.State.Current); a.State.Current != "" && err == nil {
		cur = e
	}
	a.State.Current = cur.Name
	var rep *report.Report
	if !a.done(cur) {
		if rep = a.attempt(cur); rep == nil {
			return ExitUsage
		}
		if !rep.Passed {
			if f.json {
				a.writeJSON(struct {
					Moved   bool      `json:"moved"`
					Current string    `json:"current"`
					Check   checkJSON `json:"check"`
				}{false, cur.Name, toJSON(rep)})
				return exitOf(rep)
			}
			rep.WriteText(a.Stdout, a.style())
			if rep.Environment == "" {
				a.say("\nFinish %s before moving on: %s, or %s to work on another exercise.\n", cur.Name, a.cmd("check"), a.cmd("check", "NAME"))
			}
			return exitOf(rep)
		}
	}
	n, ok := a.nextUnsolved(cur)
	if ok {
		a.State.Current = n.Name
	}
	a.save()
	if f.json {
		out := struct {
			Moved   bool       `json:"moved"`
			Done    string     `json:"done"`
			Current string     `json:"current,omitempty"`
			Title   string     `json:"title,omitempty"`
			AllDone bool       `json:"all_done"`
			Check   *checkJSON `json:"check,omitempty"`
		}{Moved: ok, Done: cur.Name, AllDone: !ok}
		if ok {
			out.Current, out.Title = n.Name, n.Title
		}
		if rep != nil {
			j := toJSON(rep)
			out.Check = &j
		}
		a.writeJSON(out)
		return ExitOK
	}
	if rep != nil {
		a.printf("%s\n\n", rep.Headline(a.style()))
	} else {
		a.say("%s %s is done.\n\n", a.paint(report.Green, "PASS"), cur.Name)
	}
	if !ok {
		a.printf("%s\n", a.final())
		return ExitOK
	}
	a.intro(n)
	return ExitOK
}
