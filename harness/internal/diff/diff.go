// Package diff computes a line diff of two texts in the unified format (diff -u), for
// `kata solution`: the reference solution against the learner's file.
package diff

import (
	"fmt"
	"strings"
)

// Op is what happens to one line.
type Op byte

// The operations of an edit script.
const (
	Same   Op = ' '
	Delete Op = '-'
	Insert Op = '+'
)

// Line is one line of an edit script, without its newline.
type Line struct {
	Op   Op
	Text string
}

// maxCells bounds the work of Lines: past it, the diff is "delete all, insert all".
const maxCells = 16 << 20

// Lines returns the shortest edit script turning a into b, line by line (longest common
// subsequence).
func Lines(a, b string) []Line {
	x, y := split(a), split(b)
	// Common prefix and suffix first: they cost nothing and shrink the table.
	pre := 0
	for pre < len(x) && pre < len(y) && x[pre] == y[pre] {
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && x[len(x)-1-suf] == y[len(y)-1-suf] {
		suf++
	}
	var out []Line
	for _, l := range x[:pre] {
		out = append(out, Line{Same, l})
	}
	out = append(out, middle(x[pre:len(x)-suf], y[pre:len(y)-suf])...)
	for _, l := range x[len(x)-suf:] {
		out = append(out, Line{Same, l})
	}
	return out
}

func middle(x, y []string) []Line {
	var out []Line
	if len(x)*len(y) > maxCells {
		for _, l := range x {
			out = append(out, Line{Delete, l})
		}
		for _, l := range y {
			out = append(out, Line{Insert, l})
		}
		return out
	}
	// lcs[i][j] is the length of the longest common subsequence of x[i:] and y[j:].
	w := len(y) + 1
	lcs := make([]int32, (len(x)+1)*w)
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			out = append(out, Line{Same, x[i]})
			i++
			j++
		case i == len(x) || j < len(y) && lcs[i*w+j+1] > lcs[(i+1)*w+j]:
			out = append(out, Line{Insert, y[j]})
			j++
		default: // deletions come before insertions, as in diff -u
			out = append(out, Line{Delete, x[i]})
			i++
		}
	}
	return out
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// Unified returns the diff from a (named aName) to b (named bName) in the unified format with
// context lines of context around each change, or "" when the texts are the same.
func Unified(aName, bName, a, b string, context int) string {
	lines := Lines(a, b)
	changed := false
	for _, l := range lines {
		if l.Op != Same {
			changed = true
			break
		}
	}
	if !changed {
		return ""
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "--- %s\n+++ %s\n", aName, bName)
	// Walk the script, cutting it into hunks of changes no more than 2*context apart.
	type pos struct{ a, b int } // 1-based line numbers before line k of the script
	at := make([]pos, len(lines)+1)
	at[0] = pos{1, 1}
	for k, l := range lines {
		at[k+1] = at[k]
		if l.Op != Insert {
			at[k+1].a++
		}
		if l.Op != Delete {
			at[k+1].b++
		}
	}
	k := 0
	for k < len(lines) {
		for k < len(lines) && lines[k].Op == Same {
			k++
		}
		if k == len(lines) {
			break
		}
		start := max(0, k-context)
		end := k
		for {
			for end < len(lines) && lines[end].Op != Same {
				end++
			}
			next := end
			for next < len(lines) && lines[next].Op == Same {
				next++
			}
			if next < len(lines) && next-end <= 2*context {
				end = next
				continue
			}
			end = min(len(lines), end+context)
			break
		}
		na, nb := at[end].a-at[start].a, at[end].b-at[start].b
		fmt.Fprintf(&sb, "@@ -%s +%s @@\n", span(at[start].a, na), span(at[start].b, nb))
		for _, l := range lines[start:end] {
			sb.WriteByte(byte(l.Op))
			sb.WriteString(l.Text)
			sb.WriteByte('\n')
		}
		k = end
	}
	return sb.String()
}

// span is a hunk range: "start,count", with diff's conventions for one line and none.
func span(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start-1)
	case 1:
		return fmt.Sprint(start)
	default:
		return fmt.Sprintf("%d,%d", start, n)
	}
}

// Apply applies a unified diff, as Unified writes it, to a and returns the result. Lines before
// the first hunk (the "---" and "+++" names, any preamble) are ignored. Every context and removed
// line must match a exactly where its hunk says: a patch that does not fit is an error naming
// the hunk, never a guess.
func Apply(a, patch string) (string, error) {
	src := split(a)
	var out []string
	pos := 0 // lines of src consumed
	lines := split(patch)
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "@@ ") {
			continue
		}
		var start, n int
		header := lines[i]
		if _, err := fmt.Sscanf(header, "@@ -%d,%d", &start, &n); err != nil {
			if _, err := fmt.Sscanf(header, "@@ -%d", &start); err != nil {
				return "", fmt.Errorf("diff: bad hunk header %q", header)
			}
			n = 1
		}
		if n > 0 {
			start-- // 0-based index of the hunk's first line; with n == 0, start is the line it follows
		}
		if start < pos || start > len(src) {
			return "", fmt.Errorf("diff: hunk %q does not fit: it starts at line %d", header, start+1)
		}
		out = append(out, src[pos:start]...)
		pos = start
		for i+1 < len(lines) && len(lines[i+1]) > 0 && strings.ContainsRune(" -+", rune(lines[i+1][0])) {
			i++
			op, text := lines[i][0], lines[i][1:]
			if op == '+' {
				out = append(out, text)
				continue
			}
			if pos >= len(src) || src[pos] != text {
				return "", fmt.Errorf("diff: hunk %q does not fit at line %d: want %q", header, pos+1, text)
			}
			if op == ' ' {
				out = append(out, text)
			}
			pos++
		}
	}
	out = append(out, src[pos:]...)
	if len(out) == 0 {
		return "", nil
	}
	return strings.Join(out, "\n") + "\n", nil
}
