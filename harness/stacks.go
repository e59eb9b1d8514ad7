package harness

import (
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// goroutine is one goroutine of a runtime.Stack dump.
type goroutine struct {
	id        int64
	state     string // "chan receive", "sync.Mutex.Lock", ...
	frames    []frame
	createdBy frame
}

type frame struct {
	fn   string // short name: "(*Barrier).Wait"
	file string // absolute path
	line int
}

func (f frame) String() string {
	return fmt.Sprintf("%s (%s:%d)", f.fn, filepath.Base(f.file), f.line)
}

// parseStacks reads the text of runtime.Stack or debug.Stack.
func parseStacks(dump []byte) []goroutine {
	var out []goroutine
	for _, block := range strings.Split(strings.TrimSpace(string(dump)), "\n\n") {
		lines := strings.Split(block, "\n")
		g := parseHeader(lines[0])
		if g.id == 0 {
			continue
		}
		for i := 1; i+1 < len(lines); i += 2 {
			fnLine, posLine := lines[i], strings.TrimSpace(lines[i+1])
			f := frame{fn: shortFunc(fnLine)}
			pos, _, _ := strings.Cut(posLine, " +0x")
			if j := strings.LastIndex(pos, ":"); j > 0 {
				f.file = pos[:j]
				f.line, _ = strconv.Atoi(pos[j+1:])
			}
			if strings.HasPrefix(fnLine, "created by ") {
				g.createdBy = f
				continue
			}
			g.frames = append(g.frames, f)
		}
		out = append(out, g)
	}
	return out
}

// parseHeader reads "goroutine 42 [sync.Cond.Wait, 2 minutes]:"; id is 0 for any other line.
func parseHeader(header string) goroutine {
	var g goroutine
	rest, ok := strings.CutPrefix(header, "goroutine ")
	if !ok {
		return g
	}
	num, rest, _ := strings.Cut(rest, " ")
	g.id, _ = strconv.ParseInt(num, 10, 64)
	state, _, _ := strings.Cut(strings.TrimPrefix(rest, "["), "]")
	g.state, _, _ = strings.Cut(state, ",")
	return g
}

// shortFunc turns "github.com/x/exercises/07_barrier.(*Barrier).Wait(0xc0000b2000)" into
// "(*Barrier).Wait".
func shortFunc(s string) string {
	s = strings.TrimPrefix(s, "created by ")
	if i := strings.Index(s, " in goroutine "); i >= 0 {
		s = s[:i]
	}
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndex(s, "("); i > 0 {
			s = s[:i]
		}
	}
	if i := strings.LastIndex(s, "/"); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.Index(s, "."); i >= 0 && !strings.HasPrefix(s, "(") {
		s = s[i+1:]
	}
	return s
}

// harnessDir is this package's folder: its frames are never the learner's or the test's.
var harnessDir = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}()

// inDir reports whether file is in dir and is not one of the harness's own files.
func inDir(file, dir string) bool {
	return filepath.Dir(file) == dir && !(dir == harnessDir && !strings.HasSuffix(file, "_test.go"))
}

// isLearnerFile reports whether file is one of the exercise's own files in dir, not a test.
func isLearnerFile(file, dir string) bool {
	return inDir(file, dir) && !strings.HasSuffix(file, "_test.go")
}

// stuckReport says where the exercise's goroutines are blocked: only their frames in the
// exercise's own files, goroutines with the same frames grouped, at most a dozen groups; then
// where the test's own goroutines wait, the body's (bodyID) first. Goroutines in skip (those that
// were there before the test began, and the reporting goroutine) are left out.
func stuckReport(dump []byte, dir string, bodyID int64, skip map[int64]bool) string {
	type group struct {
		ids   []string
		state string
		lines []string
	}
	var groups []*group
	index := map[string]*group{}
	var testWaits []string
	for _, g := range parseStacks(dump) {
		if skip[g.id] {
			continue
		}
		var lines []string
		for _, f := range g.frames {
			if isLearnerFile(f.file, dir) {
				lines = append(lines, f.String())
			}
		}
		if len(lines) == 0 {
			for _, f := range g.frames {
				if inDir(f.file, dir) {
					if g.id == bodyID {
						testWaits = append([]string{f.String()}, testWaits...)
					} else if !slices.Contains(testWaits, f.String()) {
						testWaits = append(testWaits, f.String())
					}
					break
				}
			}
			continue
		}
		if isLearnerFile(g.createdBy.file, dir) {
			lines = append(lines, "started by "+g.createdBy.String())
		}
		key := g.state + "\n" + strings.Join(lines, "\n")
		if gr, ok := index[key]; ok {
			gr.ids = append(gr.ids, strconv.FormatInt(g.id, 10))
			continue
		}
		gr := &group{ids: []string{strconv.FormatInt(g.id, 10)}, state: g.state, lines: lines}
		index[key] = gr
		groups = append(groups, gr)
	}
	var b strings.Builder
	if len(groups) == 0 {
		b.WriteString("None of your code is running: the test is waiting for something your code should have done (a close, a send, a return, a call).\n")
	} else {
		b.WriteString("Your goroutines are blocked here:\n")
	}
	for i, gr := range groups {
		if i == 12 {
			fmt.Fprintf(&b, "  ... and %d more places\n", len(groups)-i)
			break
		}
		who := "goroutine " + gr.ids[0]
		if len(gr.ids) > 1 {
			who = fmt.Sprintf("%d goroutines (%s)", len(gr.ids), strings.Join(first(gr.ids, 5), ", "))
		}
		fmt.Fprintf(&b, "  %s [%s]:\n", who, gr.state)
		for _, l := range gr.lines {
			fmt.Fprintf(&b, "      %s\n", l)
		}
	}
	if len(testWaits) > 0 {
		fmt.Fprintf(&b, "The test is waiting at %s.\n", strings.Join(first(testWaits, 4), ", "))
	}
	return strings.TrimRight(b.String(), "\n")
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "...")
	}
	return s
}

// panicReport keeps the frames of the exercise folder from a panicking goroutine's stack.
func panicReport(stack []byte, dir string) string {
	var lines []string
	for _, g := range parseStacks(stack) {
		for _, f := range g.frames {
			if inDir(f.file, dir) {
				lines = append(lines, "    "+f.String())
			}
		}
	}
	if len(lines) == 0 {
		return string(stack)
	}
	return "at:\n" + strings.Join(lines, "\n")
}

// goroutineIDs returns the IDs of the goroutines in dump.
func goroutineIDs(dump []byte) map[int64]bool {
	ids := map[int64]bool{}
	for _, g := range parseStacks(dump) {
		ids[g.id] = true
	}
	return ids
}
