package report

import (
	"regexp"
	"strconv"
	"strings"
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
