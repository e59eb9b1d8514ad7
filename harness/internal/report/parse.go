package report

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/stack"
	"github.com/kata-go/concurrency/harness/internal/stuck"
)

// testProblems reads the output of one test (or subtest) and returns its problems, and the
// KATA_SEED that replays its random inputs when the test logged one.
func (p *places) testProblems(test, output string) (probs []Problem, seed string) {
	lines := strings.Split(strings.TrimRight(output, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		switch {
		case line == raceSeparator && i+1 < len(lines) && lines[i+1] == "WARNING: DATA RACE":
			j := i + 2
			for j < len(lines) && lines[j] != raceSeparator {
				j++
			}
			probs = append(probs, p.race(test, lines[i+2:min(j, len(lines))]))
			i = j
		case strings.HasPrefix(line, "panic: ") || strings.HasPrefix(line, "fatal error: "):
			probs = append(probs, p.crash(test, lines[i:]))
			i = len(lines)
		default:
			m := messageRE.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			indent := len(m[1])
			body := []string{m[4]}
			for i+1 < len(lines) && indentOf(lines[i+1]) > indent {
				i++
				body = append(body, strings.TrimPrefix(lines[i], strings.Repeat(" ", indent+4)))
			}
			if s := seedRE.FindStringSubmatch(m[4]); s != nil {
				seed = s[1]
				continue
			}
			if strings.Contains(m[4], "race detected during execution of test") {
				continue // the race itself is already reported
			}
			line, _ := strconv.Atoi(m[3])
			probs = append(probs, p.message(test, Location{File: p.dir + "/" + m[2], Line: line}, body))
		}
	}
	return probs, seed
}

const raceSeparator = "=================="

var (
	// messageRE matches the first line of a t.Error or t.Log message: "    cell_test.go:75: text".
	messageRE = regexp.MustCompile(`^(\s+)([\w.\-]+\.go):(\d+): ?(.*)$`)
	seedRE    = regexp.MustCompile(`random inputs came from seed (\d+)`)
)

func indentOf(s string) int {
	if strings.TrimSpace(s) == "" {
		return 1 << 30 // a blank line inside a message belongs to it
	}
	return len(s) - len(strings.TrimLeft(s, " "))
}

// message turns one t.Error message (first line and continuation lines) into a Problem.
func (p *places) message(test string, at Location, body []string) Problem {
	text := strings.Join(body, "\n")
	switch {
	case isStuckReport(body):
		return p.deadlock(test, at, body)
	case strings.HasPrefix(body[0], "panic: "):
		return p.panicked(test, at, body)
	case strings.HasPrefix(body[0], "goroutines left running after the test"):
		return p.leak(test, &at, body)
	case strings.TrimSpace(body[0]) == "" && strings.Contains(text, "Error Trace:"):
		return p.testify(test, at, body[1:])
	}
	pr := Problem{Kind: Failed, Test: test, Message: strings.TrimSpace(body[0]), TestAt: &at}
	for _, l := range body[1:] {
		if strings.TrimSpace(l) != "" {
			pr.Details = append(pr.Details, strings.TrimRight(l, " "))
		}
	}
	p.point(&pr, test)
	return pr
}

// point fills Yours from the learner's function or type the problem names, or else the test's.
// When the test's name names a method (TestRefCell_ReleaseTwiceCountsOnce: Release) and the
// message names it too, that method's contract is the one that broke, even if the message
// names first the call where the symptom showed (BorrowMut).
func (p *places) point(pr *Problem, test string) {
	if len(pr.Yours) > 0 {
		return
	}
	texts := append([]string{pr.Message}, pr.Details...)
	if d, ok := p.testedMethod(test); ok && mentions(texts, d.name) {
		for _, c := range p.decls { // the method of the receiver the message names, if any
			if c.name == d.name && !c.isType && c.recv != "" && mentions(texts, c.recv) {
				d = c
				break
			}
		}
		pr.Yours = []Location{d.loc}
		return
	}
	texts = append(texts, strings.Join(testNameWords(test), " "))
	if loc, ok := p.named(texts...); ok {
		pr.Yours = []Location{loc}
	}
}

// testedMethod is the learner's method or function that a test's name is about: the longest
// declared name that starts the part after the type ("ReleaseTwiceCountsOnce" names Release).
func (p *places) testedMethod(test string) (decl, bool) {
	words := testNameWords(test)
	if len(words) < 2 {
		return decl{}, false
	}
	var best decl
	for _, d := range p.decls {
		if d.isType || len(d.name) <= len(best.name) || !camelPrefix(words[1], d.name) {
			continue
		}
		best = d
	}
	return best, best.name != ""
}

// camelPrefix reports whether name starts word and ends at a word boundary of it:
// "ReleaseTwice" starts with "Release", "Released" does not.
func camelPrefix(word, name string) bool {
	if !strings.HasPrefix(word, name) {
		return false
	}
	rest := word[len(name):]
	return rest == "" || rest[0] >= 'A' && rest[0] <= 'Z' || rest[0] >= '0' && rest[0] <= '9'
}

// mentions reports whether any of texts names name as a whole identifier.
func mentions(texts []string, name string) bool {
	for _, t := range texts {
		for _, m := range identRE.FindAllString(t, -1) {
			x, y, _ := strings.Cut(m, ".")
			if x == name || y == name {
				return true
			}
		}
	}
	return false
}

// testify reads testify's block: "\tError Trace:\t...", "\tError:\t...", "\tMessages:\t...".
func (p *places) testify(test string, at Location, body []string) Problem {
	fields := map[string][]string{}
	var cur string
	for _, l := range body {
		l = strings.TrimLeft(l, " ")
		l = strings.TrimPrefix(l, "\t")
		label, content, ok := strings.Cut(l, "\t")
		if !ok {
			label, content = "", l
		}
		if k := strings.TrimSpace(label); strings.HasSuffix(k, ":") {
			cur = strings.TrimSuffix(k, ":")
		}
		fields[cur] = append(fields[cur], strings.TrimRight(strings.TrimLeft(content, "\t"), " "))
	}
	pr := Problem{Kind: Failed, Test: test, TestAt: &at}
	errLines := fields["Error"]
	for i, l := range errLines {
		if l == "Diff:" {
			errLines = errLines[:i]
			break
		}
	}
	for len(errLines) > 0 && strings.TrimSpace(errLines[len(errLines)-1]) == "" {
		errLines = errLines[:len(errLines)-1]
	}
	if len(errLines) > 1 && strings.TrimSpace(errLines[0]) == "Not equal:" {
		errLines = errLines[1:]
	}
	msgs := strings.TrimSpace(strings.Join(fields["Messages"], " "))
	switch {
	case msgs != "":
		pr.Message = msgs
		pr.Details = errLines
	case len(errLines) > 0:
		pr.Message = errLines[0]
		pr.Details = errLines[1:]
	default:
		pr.Message = "a check failed"
	}
	for _, tr := range fields["Error Trace"] {
		if file, line, ok := splitPos(tr); ok {
			if rp, learner, _ := p.classify(file); learner {
				pr.Yours = append(pr.Yours, Location{File: rp, Line: line})
			}
		}
	}
	p.point(&pr, test)
	return pr
}

func splitPos(s string) (file string, line int, ok bool) {
	s = strings.TrimSpace(s)
	i := strings.LastIndex(s, ":")
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(s[i+1:])
	return s[:i], n, err == nil
}

// isStuckReport reports whether a message is a hang: the watchdog's report, a test's own words
// followed by the harness's report of where the goroutines are blocked (harness.FailStuck), or
// a test's own words that say it did not finish.
func isStuckReport(body []string) bool {
	if strings.Contains(body[0], "did not finish") {
		return true
	}
	_, ok := stuck.Parse(body[1:])
	return ok
}

// watchdogRE matches the first line of the watchdog's report: "TestX did not finish within 5s:
// something is blocked."
var watchdogRE = regexp.MustCompile(`did not finish within (\S+): something is blocked\.$`)

// deadlock reads a hang: the watchdog's report ("TestX did not finish within 5s: something is
// blocked.") or a test's own explanation, then the report of package stuck: the learner's
// goroutines and their frames, and where the test waits. A test's own explanation is kept word
// for word: it says what the test expected, which the frames cannot.
func (p *places) deadlock(test string, at Location, body []string) Problem {
	pr := Problem{Kind: Deadlock, Test: test, TestAt: &at, Message: strings.TrimSpace(body[0])}
	watchdog := watchdogRE.FindStringSubmatch(body[0])
	if watchdog != nil {
		pr.Message = "did not finish within " + watchdog[1] + ": your code is stuck"
	}
	rep, _ := stuck.Parse(body[1:])
	if watchdog != nil && len(rep.Groups) == 0 {
		pr.Message = "did not finish: none of your code is running, so the test waits for something your code should have done (a close, a send, a return)"
	}
	if watchdog == nil { // the test's own explanation may go on over several lines
		for _, l := range body[1:] {
			t := strings.TrimSpace(l)
			if t == stuck.BlockedHeading || t == stuck.NothingRunning || strings.HasPrefix(t, "The test is waiting at ") {
				break
			}
			if t != "" {
				pr.Details = append(pr.Details, t)
			}
		}
	}
	for _, g := range rep.Groups {
		who := g.Who() + " blocked in " + g.State
		loc := p.placeLoc(g.Frames[0])
		loc.What = who
		pr.Yours = append(pr.Yours, loc)
		if g.StartedBy != nil {
			loc := p.placeLoc(*g.StartedBy)
			loc.What = "started here"
			pr.Yours = append(pr.Yours, loc)
		}
	}
	if rep.More > 0 {
		pr.Details = append(pr.Details, fmt.Sprintf("... and %d more places", rep.More))
	}
	if len(rep.TestWaits) > 0 {
		loc := p.placeLoc(rep.TestWaits[0])
		pr.TestAt = &loc
	}
	p.point(&pr, test)
	return pr
}

// placeLoc is a place of package stuck's report as a Location of the repository.
func (p *places) placeLoc(pl stuck.Place) Location {
	rp, _, _ := p.classify(pl.File)
	return Location{File: rp, Line: pl.Line, Func: displayFunc(pl.Func)}
}

// panicked reads the harness's report of a panic it caught: "panic: value", "at:", frames.
func (p *places) panicked(test string, at Location, body []string) Problem {
	pr := Problem{Kind: Panic, Test: test, TestAt: &at, Message: "panicked: " + strings.TrimPrefix(body[0], "panic: ")}
	for _, l := range body[1:] {
		pl, ok := stuck.ParsePlace(l)
		if !ok {
			continue
		}
		if _, learner, _ := p.classify(pl.File); learner {
			pr.Yours = append(pr.Yours, p.placeLoc(pl))
		}
	}
	if len(pr.Yours) > 0 {
		pr.Yours[0].What = "panicked here"
	}
	return pr
}

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

// leak reads goleak's report: "[Goroutine 24 in state select, with F on top of the stack:",
// frames, "]".
func (p *places) leak(test string, at *Location, body []string) Problem {
	pr := Problem{Kind: Leak, Test: test, TestAt: at, Message: "goroutines were left running after the test: every goroutine your code starts must end before the call that started it returns"}
	if test == "" {
		pr.Message = "goroutines were left running after all the tests passed: every goroutine your code starts must end before the call that started it returns"
	}
	for i := 0; i < len(body); i++ {
		h := strings.TrimSpace(body[i])
		if !strings.HasPrefix(h, "[Goroutine ") {
			continue
		}
		state := ""
		if _, s, ok := strings.Cut(h, " in state "); ok {
			state, _, _ = strings.Cut(s, ", with ")
		}
		n, _, _ := strings.Cut(strings.TrimPrefix(h, "[Goroutine "), " ")
		frames, used := frames(body[i+1:])
		blocked := false
		for _, f := range frames {
			rp, learner, _ := p.classify(f.file)
			if !learner {
				continue
			}
			loc := Location{File: rp, Line: f.line, Func: f.fn}
			switch {
			case f.createdBy:
				loc.What = "goroutine " + n + " was started here"
			case !blocked:
				loc.What = "goroutine " + n + " is still running here (" + state + ")"
				blocked = true
			default:
				continue
			}
			pr.Yours = append(pr.Yours, loc)
		}
		i += used
	}
	return pr
}

// packageProblems reads what the package printed outside any test.
func (p *places) packageProblems(output string) []Problem {
	lines := strings.Split(output, "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "goleak: "):
			return []Problem{p.leak("", nil, lines[i:])}
		case strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: "):
			return []Problem{p.crash("", lines[i:])}
		}
	}
	return nil
}

// buildRE matches a compiler error: "exercises/01_cell/cell.go:27:2: undefined: x".
var buildRE = regexp.MustCompile(`^(\S+\.go):(\d+)(?::\d+)?: (.*)$`)

// buildProblems reads the compiler's errors. None means the failure was not in any file: the
// environment's.
func (p *places) buildProblems(output string) []Problem {
	var probs []Problem
	for _, l := range strings.Split(output, "\n") {
		if m := buildRE.FindStringSubmatch(l); m != nil {
			n, _ := strconv.Atoi(m[2])
			rp, learner, _ := p.classify(m[1])
			loc := Location{File: rp, Line: n}
			pr := Problem{Kind: Build, Message: m[3]}
			if learner {
				pr.Yours = []Location{loc}
			} else {
				pr.TestAt = &loc
			}
			probs = append(probs, pr)
			continue
		}
		if strings.HasPrefix(l, "\t") && len(probs) > 0 {
			last := &probs[len(probs)-1]
			last.Details = append(last.Details, strings.TrimSpace(l))
		}
	}
	return probs
}
