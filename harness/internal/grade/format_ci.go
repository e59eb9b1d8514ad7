package grade

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/jstemmer/go-junit-report/v2/junit"
)

// writeJUnit writes r as JUnit XML: one testsuite per exercise, one testcase per expected
// test; a test that failed is a <failure>, one that gave no result (or was not run) an
// <error>. The exercise's score is a property of its suite.
func writeJUnit(w io.Writer, r *Report) error {
	suites := junit.Testsuites{Name: "kata grade"}
	if r.Student != "" {
		suites.Name += ": " + xmlText(r.Student)
	}
	suites.Time = fmt.Sprintf("%.3f", r.Seconds)
	for i, e := range r.Exercises {
		s := junit.Testsuite{Name: e.Name, ID: i, Package: "exercises/" + e.Name, Time: "0.000"}
		s.AddProperty("score", num(e.Score))
		s.AddProperty("max_score", num(e.MaxScore))
		s.AddProperty("status", string(e.Status))
		if len(e.PolicyViolations) > 0 {
			s.AddProperty("policy_violations", xmlText(strings.Join(e.PolicyViolations, "\n")))
		}
		if len(e.IgnoredFiles) > 0 {
			s.AddProperty("ignored_files", xmlText(strings.Join(e.IgnoredFiles, ", ")))
		}
		var secs float64
		for _, t := range e.Tests {
			secs += t.Seconds
			tc := junit.Testcase{Name: t.Name, Classname: e.Name, Time: fmt.Sprintf("%.3f", t.Seconds)}
			msg := t.Message
			if e.Status != Graded && e.Message != "" {
				msg = e.Message
			}
			switch t.Status {
			case Fail:
				tc.Failure = &junit.Result{Message: xmlText(firstLine(msg)), Type: "fail", Data: xmlText(msg)}
			case Error:
				tc.Error = &junit.Result{Message: xmlText(firstLine(msg)), Type: string(e.Status), Data: xmlText(msg)}
			}
			s.AddTestcase(tc)
		}
		s.Time = fmt.Sprintf("%.3f", secs)
		if len(e.Tests) == 0 {
			// No expected tests could be listed: one error case says why.
			s.AddTestcase(junit.Testcase{Name: e.Name, Classname: e.Name, Error: &junit.Result{Message: xmlText(firstLine(e.Message)), Type: string(e.Status), Data: xmlText(e.Message)}})
		}
		suites.AddSuite(s)
	}
	if _, err := io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"); err != nil {
		return err
	}
	return suites.WriteXML(w)
}

// xmlText replaces the characters XML 1.0 cannot carry (test2json's framing byte among them).
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD,
			r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return '\uFFFD'
	}, s)
}

// testID names a test across exercises: "01_cell/TestCell_Get".
func testID(e ExerciseResult, t TestResult) string { return e.Name + "/" + t.Name }

// reportedTests returns the tests of e to report, with one placeholder when e has no
// expected tests (the grader could not list them).
func reportedTests(e ExerciseResult) []TestResult {
	if len(e.Tests) > 0 {
		return e.Tests
	}
	return []TestResult{{Name: "(all tests)", Status: Error, Message: e.Message, MaxScore: e.MaxScore}}
}

// testMessage is a test's message, or its exercise's when the exercise was not run.
func testMessage(e ExerciseResult, t TestResult) string {
	if e.Status != Graded && e.Message != "" {
		msg := e.Message
		if len(e.PolicyViolations) > 0 {
			msg += "\n" + strings.Join(e.PolicyViolations, "\n")
		}
		return msg
	}
	return t.Message
}

// writeGradescope writes the results.json that Gradescope's autograder reads
// (https://gradescope-autograders.readthedocs.io/en/latest/specs/): a score, and per test its
// score, max_score, status ("passed" or "failed") and output.
func writeGradescope(w io.Writer, r *Report) error {
	type gsTest struct {
		Name       string  `json:"name"`
		Number     string  `json:"number,omitempty"`
		Score      float64 `json:"score"`
		MaxScore   float64 `json:"max_score"`
		Status     string  `json:"status"`
		Output     string  `json:"output,omitempty"`
		Visibility string  `json:"visibility"`
	}
	var out struct {
		Score         float64  `json:"score"`
		ExecutionTime int      `json:"execution_time"`
		Output        string   `json:"output"`
		OutputFormat  string   `json:"output_format"`
		Visibility    string   `json:"visibility"`
		Tests         []gsTest `json:"tests"`
	}
	out.Score = r.Score
	out.ExecutionTime = int(r.Seconds + 0.5)
	var sb strings.Builder
	writeText(&sb, r)
	out.Output = sb.String()
	out.OutputFormat = "text"
	out.Visibility = "visible"
	for i, e := range r.Exercises {
		for j, t := range reportedTests(e) {
			status := "failed"
			if t.Status == Pass {
				status = "passed"
			}
			out.Tests = append(out.Tests, gsTest{
				Name: testID(e, t), Number: fmt.Sprintf("%d.%d", i+1, j+1),
				Score: t.Score, MaxScore: t.MaxScore, Status: status,
				Output: testMessage(e, t), Visibility: "visible",
			})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeAutograding writes the result that GitHub Classroom's autograding-grading-reporter
// reads (base64-encoded, from a step output; see githubOutputs): version 1, an overall status
// ("pass", "fail" or "error"), max_score, and per test its status, score and message.
func writeAutograding(w io.Writer, r *Report) error {
	type agTest struct {
		Name          string  `json:"name"`
		Status        Status  `json:"status"`
		Message       string  `json:"message"`
		Score         float64 `json:"score"`
		LineNo        int     `json:"line_no"`
		ExecutionTime string  `json:"execution_time"`
	}
	out := struct {
		Version  int      `json:"version"`
		Status   string   `json:"status"`
		MaxScore float64  `json:"max_score"`
		Tests    []agTest `json:"tests"`
	}{Version: 1, Status: "pass", MaxScore: r.MaxScore, Tests: []agTest{}}
	switch {
	case !r.Complete():
		out.Status = "error"
	case !r.Full():
		out.Status = "fail"
	}
	for _, e := range r.Exercises {
		for _, t := range reportedTests(e) {
			out.Tests = append(out.Tests, agTest{
				Name: testID(e, t), Status: t.Status, Message: testMessage(e, t), Score: t.Score,
				ExecutionTime: fmt.Sprintf("%.2fs", t.Seconds),
			})
		}
	}
	return json.NewEncoder(w).Encode(out)
}
