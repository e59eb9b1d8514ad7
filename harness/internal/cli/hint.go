package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/manifest"
	"github.com/kata-go/concurrency/harness/internal/report"
)

type hintJSON struct {
	Exercise string      `json:"exercise"`
	Task     int         `json:"task,omitempty"` // the task whose hints these are; 0 for the exercise's
	Level    int         `json:"level"`          // the level shown now (the highest seen with --all)
	Levels   int         `json:"levels"`         // how many levels there are
	Hints    []hintLevel `json:"hints"`
}

type hintLevel struct {
	Level int    `json:"level"`
	Text  string `json:"text"`
}

// Hint shows the next hint level of an exercise (the current one by default), or of one of its
// tasks (kata hint tcp 3) when the exercise has hints per task; --all shows the levels seen so
// far again.
func (a *App) Hint(args []string) int {
	f, code := a.parseFlags("hint", args, "json", "all")
	if f == nil {
		return code
	}
	task := 0
	if len(f.args) == 2 {
		n, err := strconv.Atoi(f.args[1])
		if err != nil || n < 1 {
			a.errorf("hint: %q is not a task number; the README numbers the tasks 1, 2, ...", f.args[1])
			return ExitUsage
		}
		task, f.args = n, f.args[:1]
	}
	e, ok := a.exerciseArg("hint", f)
	if !ok {
		return ExitUsage
	}
	s := a.State.Get(e.Name)
	hints, seen, what := a.hints(e.Hints, e.HintsZh), &s.HintsSeen, e.Name+" · "+e.Title
	if task > 0 {
		t, ok := e.Task(task)
		if !ok {
			a.errorf("%s has no hints for task %d.%s", e.Name, task, a.taskList(e))
			return ExitUsage
		}
		if s.TaskHintsSeen == nil {
			s.TaskHintsSeen = map[int]int{}
		}
		n := s.TaskHintsSeen[task]
		hints, seen, what = a.hints(t.Hints, t.HintsZh), &n, fmt.Sprintf(a.tr("%s, task %d · %s"), e.Name, task, t.Title)
	}
	levels := len(hints)
	out := hintJSON{Exercise: e.Name, Task: task, Levels: levels}
	if f.all {
		out.Level = *seen
		for i := 0; i < *seen && i < levels; i++ {
			out.Hints = append(out.Hints, hintLevel{i + 1, strings.TrimSpace(hints[i])})
		}
	} else {
		level := min(*seen+1, levels)
		*seen = max(*seen, level)
		if task > 0 {
			s.TaskHintsSeen[task] = *seen
		}
		a.save()
		out.Level = level
		out.Hints = []hintLevel{{level, strings.TrimSpace(hints[level-1])}}
	}
	again := []string{"hint", e.Short()}
	if task > 0 {
		again = append(again, strconv.Itoa(task))
	}
	if f.json {
		if out.Hints == nil {
			out.Hints = []hintLevel{}
		}
		a.writeJSON(out)
		return ExitOK
	}
	if len(out.Hints) == 0 {
		a.say("No hints seen yet for %s: %s shows the first.\n", strings.Split(what, " · ")[0], a.cmd(again...))
		return ExitOK
	}
	for i, h := range out.Hints {
		if i > 0 {
			a.printf("\n")
		}
		a.printf("%s\n\n", a.paint(report.Bold, fmt.Sprintf(a.tr("Hint %d of %d for %s:"), h.Level, levels, what)))
		for _, l := range strings.Split(h.Text, "\n") {
			a.printf("  %s\n", l)
		}
	}
	a.printf("\n")
	switch {
	case f.all:
		a.say("%s shows the next level.\n", a.cmd(again...))
	case out.Level < levels:
		a.say("Still stuck? %s shows level %d of %d.\n", a.cmd(again...), out.Level+1, levels)
	case task > 0:
		a.say("That was the last hint for task %d.\n", task)
	default:
		a.say("That was the last hint. Once the tests pass, %s shows the reference solution.\n", a.cmd("solution", e.Short()))
	}
	if task == 0 && len(e.Tasks) > 0 {
		a.printf("%s\n", strings.TrimSpace(a.taskList(e)))
	}
	return ExitOK
}

// taskList says which tasks of e have hints of their own, and how to see them.
func (a *App) taskList(e manifest.Exercise) string {
	if len(e.Tasks) == 0 {
		return ""
	}
	return fmt.Sprintf(a.tr(" Each task of %s has hints of its own: %s for task 1 (tasks 1 to %d, as the README numbers them)."), e.Name, a.cmd("hint", e.Short(), "1"), len(e.Tasks))
}
