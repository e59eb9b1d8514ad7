package report

import (
	"regexp"
	"strconv"
	"strings"
)

// Reading the compiler's errors.

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
