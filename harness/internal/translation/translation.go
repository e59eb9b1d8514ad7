// Package translation keeps a README's translation true to its English original. A translation
// may say things in its own words, but it must keep what a learner copies or counts on: the
// fenced code blocks byte for byte and in order, the same number of headings at each level,
// the same numbered items (the tasks), and the same commands in inline code spans.
//
// The English README stays the source: when it changes, its translation changes in the same
// commit, and Compare says which part of which file no longer agrees.
package translation

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
)

// Suffix is what a translation's file name has in place of ".md": README.md's Simplified
// Chinese translation is README.zh-CN.md, beside it.
const Suffix = ".zh-CN.md"

// ErrDrift is wrapped by every error Compare and CompareFiles return when a translation no
// longer agrees with its original.
var ErrDrift = errors.New("translation out of date")

// Path is the translation of the Markdown file english: "exercises/01_cell/README.md" gives
// "exercises/01_cell/README.zh-CN.md".
func Path(english string) string {
	return strings.TrimSuffix(english, ".md") + Suffix
}

// Compare reports how translated differs from english in what a translation must keep (see the
// package documentation). It returns nil when they agree, and otherwise an error wrapping
// ErrDrift that lists every difference, one per line, naming the two as "the translation" and
// "the English".
func Compare(english, translated []byte) error {
	return compare(english, translated, "the English", "the translation")
}

// CompareFiles reads the Markdown file english in fsys and its translation (Path(english))
// and compares them as Compare does; the messages name the files: "exercises/01_cell/README.zh-CN.md:
// code block 3 differs from README.md's (under heading "Run")". A missing translation is an
// error wrapping fs.ErrNotExist.
func CompareFiles(fsys fs.FS, english string) error {
	en, err := fs.ReadFile(fsys, english)
	if err != nil {
		return fmt.Errorf("translation: %w", err)
	}
	tr, err := fs.ReadFile(fsys, Path(english))
	if err != nil {
		return fmt.Errorf("translation of %s: %w", english, err)
	}
	return compare(en, tr, path.Base(english)+"'s", Path(english))
}

// compare lists the differences, naming the original's parts with ofEn ("README.md's") and
// the translation with tr ("README.zh-CN.md").
func compare(english, translated []byte, ofEn, tr string) error {
	en, zh := parse(string(english)), parse(string(translated))
	var diffs []string
	diffs = append(diffs, compareBlocks(en, zh, ofEn, tr)...)
	diffs = append(diffs, compareHeadings(en, zh, ofEn, tr)...)
	if !slices.Equal(en.items, zh.items) {
		diffs = append(diffs, fmt.Sprintf("%s: numbered items %s differ from %s %s (keep the task numbering)", tr, list(zh.items), ofEn, list(en.items)))
	}
	for _, c := range en.commands {
		if !slices.Contains(zh.commands, c) {
			diffs = append(diffs, fmt.Sprintf("%s: lacks %s command `%s`", tr, ofEn, c))
		}
	}
	for _, c := range zh.commands {
		if !slices.Contains(en.commands, c) {
			diffs = append(diffs, fmt.Sprintf("%s: has the command `%s`, not in %s text", tr, c, strings.TrimSuffix(ofEn, "'s")))
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	return fmt.Errorf("%w:\n%s", ErrDrift, strings.Join(diffs, "\n"))
}

func compareBlocks(en, zh doc, ofEn, tr string) []string {
	var diffs []string
	for i := range min(len(en.blocks), len(zh.blocks)) {
		if en.blocks[i].text != zh.blocks[i].text {
			diffs = append(diffs, fmt.Sprintf("%s: code block %d differs from %s (under heading %q)", tr, i+1, ofEn, en.blocks[i].heading))
		}
	}
	if len(en.blocks) != len(zh.blocks) {
		diffs = append(diffs, fmt.Sprintf("%s: %d code blocks, %s %d", tr, len(zh.blocks), strings.TrimSuffix(ofEn, "'s"), len(en.blocks)))
	}
	return diffs
}

func compareHeadings(en, zh doc, ofEn, tr string) []string {
	var diffs []string
	for level := 1; level <= 6; level++ {
		e, z := en.headings[level], zh.headings[level]
		if len(e) != len(z) {
			diffs = append(diffs, fmt.Sprintf("%s: %d level-%d headings, %s %d (%s)", tr, len(z), level, strings.TrimSuffix(ofEn, "'s"), len(e), quoted(e)))
		}
	}
	return diffs
}

// doc is what a translation must keep of a Markdown file.
type doc struct {
	blocks   []block
	headings [7][]string // heading texts by level, 1 to 6
	items    []string    // the numbers of unindented numbered list items, in order
	commands []string    // commands in inline code spans, each once, whitespace collapsed
}

// block is one fenced code block: its lines, fences included, and the heading it is under.
type block struct {
	text, heading string
}

var (
	headingRE = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	itemRE    = regexp.MustCompile(`^(\d+)[.)]\s`)
	spanRE    = regexp.MustCompile("`([^`]+)`")
	commandRE = regexp.MustCompile(`^(go (test|run|tool|vet)|kata) `)
)

// parse reads the parts of md a translation must keep. A fence is a line whose first
// non-blank characters are ``` or ~~~; it ends at the next such line of the same kind.
func parse(md string) doc {
	var d doc
	var prose strings.Builder
	var cur []string // lines of the open code block, nil outside one
	var fence, heading string
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimLeft(line, " \t")
		if cur != nil {
			cur = append(cur, line)
			if f := fenceOf(trimmed); f != "" && f[0] == fence[0] && len(f) >= len(fence) && strings.TrimSpace(trimmed) == f {
				d.blocks = append(d.blocks, block{strings.Join(cur, "\n"), heading})
				cur = nil
			}
			continue
		}
		if f := fenceOf(trimmed); f != "" {
			cur, fence = []string{line}, f
			continue
		}
		if m := headingRE.FindStringSubmatch(line); m != nil {
			heading = m[2]
			d.headings[len(m[1])] = append(d.headings[len(m[1])], heading)
		}
		if m := itemRE.FindStringSubmatch(line); m != nil {
			d.items = append(d.items, m[1])
		}
		prose.WriteString(line + "\n")
	}
	if cur != nil { // an unclosed fence runs to the end, as in CommonMark
		d.blocks = append(d.blocks, block{strings.Join(cur, "\n"), heading})
	}
	for _, m := range spanRE.FindAllStringSubmatch(prose.String(), -1) {
		c := strings.Join(strings.Fields(m[1]), " ")
		if commandRE.MatchString(c) && !slices.Contains(d.commands, c) {
			d.commands = append(d.commands, c)
		}
	}
	return d
}

// fenceOf is the fence a line opens ("```" or "~~~", as long as written), or "".
func fenceOf(trimmed string) string {
	for _, c := range []string{"`", "~"} {
		n := len(trimmed) - len(strings.TrimLeft(trimmed, c))
		if n >= 3 {
			return strings.Repeat(c, n)
		}
	}
	return ""
}

func list(items []string) string {
	if len(items) == 0 {
		return "(none)"
	}
	return strings.Join(items, ", ")
}

func quoted(texts []string) string {
	var q []string
	for _, t := range texts {
		q = append(q, fmt.Sprintf("%q", t))
	}
	if len(q) == 0 {
		return "none"
	}
	return strings.Join(q, ", ")
}
