package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/report"
	"github.com/kata-go/concurrency/harness/internal/state"
)

// Progress is kata with no command: the progress bar and the current exercise, then a check of
// the first exercise not done, and what to do next.
func (a *App) Progress(args []string) int {
	f, code := a.parseFlags("", args, "json", "raw")
	if f == nil {
		return code
	}
	if len(f.args) > 0 {
		return a.Unknown(f.args[0])
	}
	firstRun := errors.Is(a.stateErr, state.ErrMissing)
	current := a.State.Current
	if e, ok := a.standingIn(); ok {
		current = e.Name
	}
	if err := a.refresh(true, current); err != nil {
		return ExitUsage
	}
	done, total := a.countDone(), len(a.Manifest.Exercises)
	e, standing := a.standingIn()
	if !standing {
		e = a.firstUnsolved()
	}
	if a.done(e) && !standing {
		a.save()
		if f.json {
			a.writeJSON(progressJSON{Done: done, Total: total, AllDone: true})
			return ExitOK
		}
		a.printf("%s\n\n%s\n", a.bar(done, total), a.final())
		return ExitOK
	}
	a.State.Current = e.Name
	if !f.json {
		if firstRun {
			a.printf("%s\n\n", strings.TrimSpace(a.welcome()))
		}
		a.printf("%s\n", a.bar(done, total))
		a.say("Current: %s · %s (%s)\n\n", a.paint(report.Bold, e.Name), e.Title, a.paint(report.Cyan, a.shown(learnerFiles(e)[0])))
	}
	var out progressJSON
	if f.json {
		rep, err := a.run(e, runOptions{record: true})
		if err != nil {
			a.errorf("%v", err)
			return ExitUsage
		}
		j := toJSON(rep)
		out = progressJSON{Done: a.countDone(), Total: total, Current: e.Name, Check: &j}
		code = exitOf(rep)
		if rep.Passed {
			if n, ok := a.nextUnsolved(e); ok {
				a.State.Current, out.Current = n.Name, n.Name
			} else {
				out.AllDone = true
			}
		}
		a.save()
		a.writeJSON(out)
		return code
	}
	rep, err := a.check(e, f)
	if err != nil {
		a.errorf("%v", err)
		return ExitUsage
	}
	if rep.Passed {
		a.printf("\n")
		if n, ok := a.nextUnsolved(e); ok {
			a.State.Current = n.Name
			a.printf("%s\n\n", a.bar(a.countDone(), total))
			a.intro(n)
		} else {
			a.printf("%s\n\n%s\n", a.bar(a.countDone(), total), a.final())
		}
	}
	a.save()
	return exitOf(rep)
}

type progressJSON struct {
	Done    int        `json:"done"`
	Total   int        `json:"total"`
	Current string     `json:"current,omitempty"`
	AllDone bool       `json:"all_done"`
	Check   *checkJSON `json:"check,omitempty"`
}

// bar is "Progress: [#######-----------------------] 3/13 exercises done".
func (a *App) bar(done, total int) string {
	const width = 30
	fill := width * done / max(total, 1)
	full, empty := "#", "-"
	if a.Color {
		full, empty = "█", "░"
	}
	b := a.paint(report.Green, strings.Repeat(full, fill)) + a.paint(report.Dim, strings.Repeat(empty, width-fill))
	return fmt.Sprintf(a.tr("Progress: [%s] %d/%d exercises done"), b, done, total)
}
