package report

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Style says how WriteText draws a report.
type Style struct {
	// Color adds ANSI colours. Leave it off for NO_COLOR and for output that is not a terminal.
	Color bool
	// MaxTests is how many failing tests are shown in full; the others are named. Zero means 3.
	MaxTests int
	// Command is how the learner runs kata ("kata"), for the commands the report suggests.
	Command string
	// Dir is the folder the learner stands in, relative to the root ("exercises/01_cell"):
	// paths are shown relative to it. Empty means the root.
	Dir string
}

// Color is an ANSI code that Paint puts around a text. Reports and the CLI's own lines use
// the same few.
type Color string

// The colours of kata's output.
const (
	Red    Color = "\x1b[31;1m"
	Green  Color = "\x1b[32;1m"
	Yellow Color = "\x1b[33;1m"
	Cyan   Color = "\x1b[36m"
	Bold   Color = "\x1b[1m"
	Dim    Color = "\x1b[2m"
	reset        = "\x1b[0m"
)

// Paint puts s in the colour c when st.Color is on.
func (st Style) Paint(c Color, s string) string {
	if !st.Color || s == "" {
		return s
	}
	return string(c) + s + reset
}

// Headline is the report's first line: the verdict, the exercise, and what to do next.
func (r *Report) Headline(st Style) string {
	name := st.Paint(Bold, r.Exercise) + " · " + r.Title
	if r.Passed {
		return fmt.Sprintf("%s %s: %s (%s).", st.Paint(Green, "PASS"), name, r.passed(), round(r.Elapsed))
	}
	return fmt.Sprintf("%s %s: %s", st.Paint(Red, "FAIL"), name, r.NextFrom(st.Dir))
}

// WriteText writes the report for a person: the headline, then each failing test with what it
// expected, what it got and where to look in the learner's file.
func (r *Report) WriteText(w io.Writer, st Style) {
	if st.MaxTests == 0 {
		st.MaxTests = 3
	}
	if st.Command == "" {
		st.Command = "kata"
	}
	fmt.Fprintln(w, r.Headline(st))
	if r.Passed {
		return
	}
	if r.Environment != "" {
		fmt.Fprintln(w)
		for _, l := range strings.Split(r.Environment, "\n") {
			fmt.Fprintln(w, "    "+l)
		}
		return
	}
	if !r.Compiled {
		fmt.Fprintln(w)
		for i, p := range r.Problems {
			if i == 10 {
				fmt.Fprintf(w, "  ... and %d more errors\n", len(r.Problems)-i)
				break
			}
			loc := p.TestAt
			if len(p.Yours) > 0 {
				loc = &p.Yours[0]
			}
			fmt.Fprintf(w, "  %s: %s\n", st.Paint(Cyan, loc.From(st.Dir)), p.Message)
			for _, d := range p.Details {
				fmt.Fprintf(w, "      %s\n", d)
			}
		}
		return
	}
	shown := 0
	var rest []string
	for _, t := range r.Tests {
		if t.Status != "fail" {
			continue
		}
		if shown == st.MaxTests {
			rest = append(rest, t.Name)
			continue
		}
		shown++
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  %s %s\n", st.Paint(Red, "FAIL"), st.Paint(Bold, t.Name))
		for i, p := range t.Problems {
			if i == 2 {
				fmt.Fprintf(w, "       ... and %d more problems in this test\n", len(t.Problems)-i)
				break
			}
			writeProblem(w, st, p, t.Name)
		}
		if t.Seed != "" {
			fmt.Fprintf(w, "       %s\n", st.Paint(Dim, fmt.Sprintf("same random inputs again: KATA_SEED=%s %s check %s", t.Seed, st.Command, short(r.Exercise))))
		}
	}
	if len(rest) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  %d more failing: %s\n", len(rest), strings.Join(rest, ", "))
	}
	if len(r.Problems) > 0 {
		fmt.Fprintln(w)
		for _, p := range r.Problems {
			label := "after the tests"
			if p.Kind == Policy {
				label = "for grading"
			}
			fmt.Fprintf(w, "  %s %s\n", st.Paint(Red, "FAIL"), label)
			writeProblem(w, st, p, "")
		}
	}
	if r.Summary.Passed > 0 {
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  %s %d of %d tests\n", st.Paint(Green, "PASS"), r.Summary.Passed, r.Summary.Total)
	}
}

func writeProblem(w io.Writer, st Style, p Problem, test string) {
	const pad = "       "
	prefix := ""
	if p.Test != "" && p.Test != test {
		prefix = strings.ReplaceAll(strings.TrimPrefix(p.Test, test+"/"), "_", " ") + ": "
	}
	fmt.Fprintf(w, "%s%s%s\n", pad, prefix, p.Message)
	for i, d := range p.Details {
		if i == 8 {
			fmt.Fprintf(w, "%s  ...\n", pad)
			break
		}
		fmt.Fprintf(w, "%s  %s\n", pad, d)
	}
	for i, y := range p.Yours {
		if i == 6 {
			fmt.Fprintf(w, "%s... and %d more places\n", pad, len(p.Yours)-i)
			break
		}
		what := y.What
		if what == "" {
			what = "your code"
		}
		fmt.Fprintf(w, "%s%s: %s\n", pad, what, st.Paint(Cyan, y.From(st.Dir)))
	}
	if p.TestAt != nil {
		fmt.Fprintf(w, "%s%s\n", pad, st.Paint(Dim, "the test: "+p.TestAt.From(st.Dir)))
	}
}

func round(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// short is "cell" for "01_cell".
func short(name string) string {
	if _, s, ok := strings.Cut(name, "_"); ok {
		return s
	}
	return name
}
