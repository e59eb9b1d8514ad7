package grade

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"strings"
)

// writeMarkdown writes r for a person reading GitHub (a job summary, a pull request): a table
// of exercises, then, folded, what did not pass.
func writeMarkdown(w io.Writer, r *Report) error {
	b := bufio.NewWriter(w)
	title := "Kata grade"
	if r.Student != "" {
		title += ": " + mdText(r.Student)
	}
	fmt.Fprintf(b, "## %s — %s / %s (%s%%)\n\n", title, num(r.Score), num(r.MaxScore), num(Percent(r.Score, r.MaxScore)))
	if r.SandboxNote != "" {
		fmt.Fprintf(b, "> **Note:** %s\n\n", mdText(r.SandboxNote))
	}
	b.WriteString("| Exercise | Score | Tests passed | |\n|---|---:|---:|---|\n")
	for _, e := range r.Exercises {
		mark := "✅"
		if e.Score < e.MaxScore {
			mark = "❌"
		}
		note := ""
		if e.Status != Graded {
			note = mdText(firstLine(e.summary()))
		}
		fmt.Fprintf(b, "| %s %s | %s / %s | %d / %d | %s |\n", mark, e.Name, num(e.Score), num(e.MaxScore), e.Passed(), len(e.Tests), note)
	}
	for _, e := range r.Exercises {
		if e.Score == e.MaxScore && len(e.IgnoredFiles) == 0 {
			continue
		}
		// Inside an HTML block GitHub does not read Markdown: escape for HTML there.
		fmt.Fprintf(b, "\n<details><summary>%s: %s</summary>\n\n", html.EscapeString(e.Name), html.EscapeString(firstLine(e.summary())))
		if len(e.PolicyViolations) > 0 {
			b.WriteString("Grading policy:\n\n")
			for _, v := range e.PolicyViolations {
				fmt.Fprintf(b, "- %s\n", mdText(v))
			}
			b.WriteString("\n")
		}
		if e.Status == CompileError || e.Status == NotGraded {
			b.WriteString(fence(e.Message))
		}
		if e.Status == Graded {
			for _, t := range e.Tests {
				if t.Status == Pass {
					continue
				}
				fmt.Fprintf(b, "**%s** (%s)\n\n%s", t.Name, t.Status, fence(t.Message))
			}
		}
		if len(e.IgnoredFiles) > 0 {
			fmt.Fprintf(b, "Ignored (only the learner files are graded): %s\n\n", mdText(strings.Join(e.IgnoredFiles, ", ")))
		}
		b.WriteString("</details>\n")
	}
	if len(r.IgnoredFiles) > 0 {
		fmt.Fprintf(b, "\nIgnored (the tests folder's copies were used): %s\n", mdText(strings.Join(r.IgnoredFiles, ", ")))
	}
	return b.Flush()
}

// mdText escapes the characters that would turn plain text into Markdown or HTML.
func mdText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '|', '#', '&':
			b.WriteByte('\\')
		case '\n':
			b.WriteString(" ")
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fence puts s in a code block whose fence is longer than any run of backticks in s.
func fence(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	f := strings.Repeat("`", max(3, longest+1))
	return f + "text\n" + strings.TrimRight(s, "\n") + "\n" + f + "\n\n"
}
