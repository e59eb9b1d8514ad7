package grade

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// num formats a score without trailing zeros: 10, 7.27, 0.5.
func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// summary says in a few words how an exercise went.
func (e *ExerciseResult) summary() string {
	switch e.Status {
	case Missing:
		return "not submitted: " + e.Message
	case Refused:
		return "refused: " + e.Message
	case CompileError:
		return "does not compile"
	case NotGraded:
		return "NOT GRADED: " + firstLine(e.Message)
	}
	if p := e.Passed(); p == len(e.Tests) {
		return fmt.Sprintf("all %d tests pass", p)
	} else {
		return fmt.Sprintf("%d of %d tests pass", p, len(e.Tests))
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// lines returns at most n lines of s, and says how many were left out.
func lines(s string, n int) []string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(all) <= n {
		return all
	}
	return append(all[:n:n], fmt.Sprintf("... (%d more lines; the JSON report has them all)", len(all)-n))
}

// printable makes s safe to show on a terminal: control characters other than newline and
// tab (a carriage return could start a made-up line flush left, an escape sequence could
// rewrite the screen), and Unicode's line separators and direction overrides, are written as
// Go escapes (\r, \x1b, \u202e).
func printable(s string) string {
	if !strings.ContainsFunc(s, unprintable) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unprintable(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func unprintable(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || (r >= 0x7f && r < 0xa0) || r == utf8.RuneError:
		return true
	case r == 0x2028 || r == 0x2029 || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
		return true
	}
	return false
}

// writeText writes r for people. Everything of the submission's (its folder, the student's
// name, test messages) passes through printable.
func writeText(w io.Writer, r *Report) error {
	b := bufio.NewWriter(w)
	pw := printableWriter{b}
	if err := writeTextTo(pw, r); err != nil {
		return err
	}
	return b.Flush()
}

// printableWriter passes every write through printable.
type printableWriter struct{ w io.Writer }

func (p printableWriter) Write(data []byte) (int, error) {
	if _, err := io.WriteString(p.w, printable(string(data))); err != nil {
		return 0, err
	}
	return len(data), nil
}

func writeTextTo(b io.Writer, r *Report) error {
	who := r.Submission
	if r.Student != "" {
		who = r.Student + " (" + r.Submission + ")"
	}
	fmt.Fprintf(b, "Grade of %s\n", who)
	fmt.Fprintf(b, "sandbox: %s, graded in %.1fs\n", r.Sandbox, r.Seconds)
	if r.SandboxNote != "" {
		fmt.Fprintf(b, "note: %s\n", r.SandboxNote)
	}
	width := 0
	for _, e := range r.Exercises {
		width = max(width, len(e.Name))
	}
	for _, e := range r.Exercises {
		fmt.Fprintf(b, "\n%-*s  %6s / %-4s %s\n", width, e.Name, num(e.Score), num(e.MaxScore), e.summary())
		for _, v := range e.PolicyViolations {
			fmt.Fprintf(b, "      %s\n", v)
		}
		if e.Status == CompileError || e.Status == NotGraded {
			for _, l := range lines(e.Message, 20) {
				fmt.Fprintf(b, "      %s\n", l)
			}
		}
		if e.Status == Graded {
			for _, t := range e.Tests {
				if t.Status == Pass {
					continue
				}
				fmt.Fprintf(b, "    %-5s %s\n", strings.ToUpper(string(t.Status)), t.Name)
				for _, l := range lines(t.Message, 12) {
					fmt.Fprintf(b, "          %s\n", l)
				}
			}
		}
		if len(e.IgnoredFiles) > 0 {
			fmt.Fprintf(b, "    ignored (only the learner files are graded): %s\n", strings.Join(e.IgnoredFiles, ", "))
		}
	}
	if len(r.IgnoredFiles) > 0 {
		fmt.Fprintf(b, "\nignored (the tests folder's copies were used): %s\n", strings.Join(r.IgnoredFiles, ", "))
	}
	fmt.Fprintf(b, "\nTotal: %s / %s (%s%%)\n", num(r.Score), num(r.MaxScore), num(Percent(r.Score, r.MaxScore)))
	return nil
}

func writeJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
