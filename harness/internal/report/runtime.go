package report

import (
	"regexp"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/stack"
)

// Reading what the runtime writes: stack frames, the race detector's reports, and crashes
// that end the test binary.

const raceSeparator = "=================="

// stackFrame is one frame of a Go stack trace: "pkg.(*T).M(...)" then "\t/path/file.go:12 +0x1d".
type stackFrame struct {
	fn, file  string
	line      int
	createdBy bool
}

// frames reads Go stack frames from lines (package stack), stopping at the first line that is
// neither a function nor a position.
func frames(lines []string) (out []stackFrame, used int) {
	fs, used := stack.ReadFrames(lines)
	for _, f := range fs {
		out = append(out, stackFrame{
			fn: displayFunc(stack.ShortFunc(f.Func)), file: f.File, line: f.Line,
			createdBy: strings.HasPrefix(f.Func, "created by "),
		})
	}
	return out, used
}

var funcLitRE = regexp.MustCompile(`^(.+?)\.func\d+(?:\.\d+)*$`)

// displayFunc writes a function of a stack trace as the learner wrote it: "Counter.Add" for
// "(*Counter).Add", "func literal in Add" for "Add.func1".
func displayFunc(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "(*", ""), ")", "")
	if m := funcLitRE.FindStringSubmatch(s); m != nil {
		return "func literal in " + m[1]
	}
	return s
}

// race reads one race report: the access, the previous access, and where their goroutines
// were created.
func (p *places) race(test string, lines []string) Problem {
	pr := Problem{Kind: Race, Test: test, Message: "data race: two goroutines used the same memory at the same time, at least one of them writing, and nothing ordered them"}
	for i := 0; i < len(lines); i++ {
		h := strings.TrimSpace(lines[i])
		if !strings.HasSuffix(h, ":") || strings.HasPrefix(h, "Goroutine ") && !strings.Contains(h, "created at") {
			continue
		}
		frames, used := frames(lines[i+1:])
		what := raceWhat(h)
		var mine, any *stackFrame
		for k := range frames {
			_, learner, inEx := p.classify(frames[k].file)
			if learner && mine == nil {
				mine = &frames[k]
			}
			if inEx && any == nil {
				any = &frames[k]
			}
		}
		f := mine
		if f == nil && !strings.Contains(h, "created at") {
			f = any
		}
		if f != nil {
			rp, _, _ := p.classify(f.file)
			loc := Location{File: rp, Line: f.line, Func: f.fn, What: what}
			if mine != nil {
				pr.Yours = append(pr.Yours, loc)
			} else if pr.TestAt == nil {
				pr.TestAt = &loc
			}
		}
		i += used
	}
	return pr
}

// raceWhat turns "Previous write at 0x00c000018d68 by goroutine 12:" into
// "earlier write by goroutine 12", and "Goroutine 11 (running) created at:" into
// "goroutine 11 started here".
func raceWhat(h string) string {
	h = strings.TrimSuffix(h, ":")
	if strings.HasPrefix(h, "Goroutine ") {
		n, _, _ := strings.Cut(strings.TrimPrefix(h, "Goroutine "), " ")
		return "goroutine " + n + " started here"
	}
	access, by, _ := strings.Cut(h, " by ")
	if i := strings.Index(access, " at 0x"); i >= 0 {
		access = access[:i]
	}
	access = strings.ToLower(access)
	access = strings.Replace(access, "previous ", "earlier ", 1)
	return access + " by " + by
}

// crash reads a panic or fatal error that ended the test binary, with the stacks after it.
func (p *places) crash(test string, lines []string) Problem {
	pr := Problem{Kind: Crash, Test: test, Message: "crashed the test binary (" + strings.TrimSpace(lines[0]) + "), so no later test ran"}
	for i := 1; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "goroutine ") {
			continue
		}
		frames, used := frames(lines[i+1:])
		for _, f := range frames {
			rp, learner, _ := p.classify(f.file)
			if !learner {
				continue
			}
			loc := Location{File: rp, Line: f.line, Func: f.fn, What: "crashed here"}
			if f.createdBy {
				loc.What = "the crashing goroutine was started here"
			}
			pr.Yours = append(pr.Yours, loc)
		}
		i += used
		break // the first goroutine is the one that crashed
	}
	return pr
}
