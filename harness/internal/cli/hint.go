package cli

import (
	"fmt"
	"strings"
)

type hintJSON struct {
	Exercise string      `json:"exercise"`
	Level    int         `json:"level"`  // the level shown now (the highest seen with --all)
	Levels   int         `json:"levels"` // how many levels there are
	Hints    []hintLevel `json:"hints"`
}

type hintLevel struct {
	Level int    `json:"level"`
	Text  string `json:"text"`
}

// Hint shows the next hint level of an exercise (the current one by default); --all shows the
// levels seen so far again.
func (a *App) Hint(args []string) int {
	f, code := a.parseFlags("hint", args, "json", "all")
	if f == nil {
		return code
	}
	e, ok := a.exerciseArg("hint", f)
	if !ok {
		return ExitUsage
	}
	s := a.State.Get(e.Name)
	levels := len(e.Hints)
	out := hintJSON{Exercise: e.Name, Levels: levels}
	if f.all {
		out.Level = s.HintsSeen
		for i := 0; i < s.HintsSeen && i < levels; i++ {
			out.Hints = append(out.Hints, hintLevel{i + 1, strings.TrimSpace(e.Hints[i])})
		}
	} else {
		level := min(s.HintsSeen+1, levels)
		s.HintsSeen = max(s.HintsSeen, level)
		a.save()
		out.Level = level
		out.Hints = []hintLevel{{level, strings.TrimSpace(e.Hints[level-1])}}
	}
	if f.json {
		if out.Hints == nil {
			out.Hints = []hintLevel{}
		}
		a.writeJSON(out)
		return ExitOK
	}
	if len(out.Hints) == 0 {
		a.printf("No hints seen yet for %s: %s shows the first.\n", e.Name, a.cmd("hint", e.Short()))
		return ExitOK
	}
	for i, h := range out.Hints {
		if i > 0 {
			a.printf("\n")
		}
		a.printf("%s\n\n", a.paint(bold, fmt.Sprintf("Hint %d of %d for %s · %s:", h.Level, levels, e.Name, e.Title)))
		for _, l := range strings.Split(h.Text, "\n") {
			a.printf("  %s\n", l)
		}
	}
	a.printf("\n")
	switch {
	case f.all:
		a.printf("%s shows the next level.\n", a.cmd("hint", e.Short()))
	case out.Level < levels:
		a.printf("Still stuck? %s shows level %d of %d.\n", a.cmd("hint", e.Short()), out.Level+1, levels)
	default:
		a.printf("That was the last hint. Once the tests pass, %s shows the reference solution.\n", a.cmd("solution", e.Short()))
	}
	return ExitOK
}
