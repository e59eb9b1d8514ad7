package report

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/stuck"
)

// Reading the harness's own reports: hangs (package stuck), panics it caught, and goleak's
// reports of goroutines left running.

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
