package cli

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kata-go/concurrency/harness/internal/report"
	"github.com/kata-go/concurrency/harness/internal/state"
)

// The statuses list shows.
const (
	statusDone    = "done"
	statusFailing = "failing"
	statusToDo    = "to do"
	statusEdited  = "edited" // done when last checked, changed since
)

type listEntry struct {
	Number    int        `json:"number"`
	Name      string     `json:"name"`
	Title     string     `json:"title"`
	Status    string     `json:"status"`
	Current   bool       `json:"current"`
	Done      bool       `json:"done"`
	Passed    int        `json:"tests_passed"`
	Total     int        `json:"tests_total"`
	HintsSeen int        `json:"hints_seen"`
	Hints     int        `json:"hints"`
	Attempts  int        `json:"attempts"`
	FirstTry  *time.Time `json:"first_try,omitempty"`
	LastTry   *time.Time `json:"last_try,omitempty"`
}

// List shows every exercise with its status, from the progress file (rebuilt from the tests
// when it is missing or unreadable).
func (a *App) List(args []string) int {
	f, code := a.parseFlags("list", args, "json")
	if f == nil {
		return code
	}
	if len(f.args) > 0 {
		a.errorf("list takes no arguments; to check one exercise run %s", a.cmd("check", f.args[0]))
		return ExitUsage
	}
	if err := a.refresh(true, ""); err != nil {
		return ExitUsage
	}
	cur := a.current()
	var entries []listEntry
	for _, e := range a.Manifest.Exercises {
		s := a.State.Exercises[e.Name]
		if s == nil {
			s = &state.Exercise{}
		}
		le := listEntry{
			Number: e.Number(), Name: e.Name, Title: e.Title, Current: e.Name == cur.Name, Done: a.done(e),
			Passed: s.Passed, Total: s.Total, HintsSeen: s.HintsSeen, Hints: len(e.Hints), Attempts: s.Attempts,
		}
		switch {
		case le.Done:
			le.Status = statusDone
		case s.Done:
			le.Status = statusEdited
		case s.Attempts > 0:
			le.Status = statusFailing
		default:
			le.Status = statusToDo
		}
		if !s.FirstTry.IsZero() {
			ft, lt := s.FirstTry, s.LastTry
			le.FirstTry, le.LastTry = &ft, &lt
		}
		entries = append(entries, le)
	}
	done := a.countDone()
	if f.json {
		a.writeJSON(struct {
			Done      int         `json:"done"`
			Total     int         `json:"total"`
			Current   string      `json:"current"`
			Exercises []listEntry `json:"exercises"`
		}{done, len(entries), cur.Name, entries})
		return ExitOK
	}
	tw := len("title")
	for _, le := range entries {
		tw = max(tw, utf8.RuneCountInString(le.Title))
	}
	// Two spaces after the title: a status of two words ("to do") must not read as its end.
	a.printf("  %-4s %-14s %s  %-8s %-6s %-5s %s\n", "#", "exercise", pad("title", tw), "status", "tests", "hints", "tries")
	for _, le := range entries {
		mark := " "
		if le.Current {
			mark = ">"
		}
		tests := "-"
		if le.Total > 0 {
			tests = fmt.Sprintf("%d/%d", le.Passed, le.Total)
		}
		status := fmt.Sprintf("%-8s", le.Status)
		switch le.Status {
		case statusDone:
			status = a.paint(report.Green, status)
		case statusFailing, statusEdited:
			status = a.paint(report.Yellow, status)
		}
		line := fmt.Sprintf("%s %02d   %-14s %s  %s %-6s %d/%-3d %d", mark, le.Number, le.Name, pad(le.Title, tw), status, tests, le.HintsSeen, le.Hints, le.Attempts)
		if le.Current {
			line = a.paint(report.Bold, line)
		}
		a.printf("%s\n", strings.TrimRight(line, " "))
	}
	a.printf("\n%s\n", a.bar(done, len(entries)))
	if done < len(entries) {
		a.say("Current: %s. %s checks it; %s checks any exercise and makes it the current one.\n", cur.Name, a.cmd("check"), a.cmd("check", "NAME"))
	}
	return ExitOK
}

// pad pads s with spaces to width runes.
func pad(s string, width int) string {
	return s + strings.Repeat(" ", max(0, width-utf8.RuneCountInString(s)))
}
