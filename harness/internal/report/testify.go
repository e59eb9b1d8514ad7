package report

import (
	"strconv"
	"strings"
)

// Reading testify's failure blocks.

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
