package grade

import (
	"math"
	"time"
)

// Status is the outcome of one test.
type Status string

// The outcomes of a test.
const (
	// Pass: the test is one of the exercise's expected tests, it ran and ended with a single
	// pass, and its process exited 0 after reporting it.
	Pass Status = "pass"
	// Fail: the test ran and reported a failure (a wrong answer, a data race, a leak, a
	// deadlock caught by the test's own watchdog).
	Fail Status = "fail"
	// Error: the test gave no result: its process crashed, ran out of time, memory or
	// output, exited early, or was not run (a compile error, a policy violation, a missing
	// file).
	Error Status = "error"
)

// ExerciseStatus says how far the grading of an exercise went.
type ExerciseStatus string

// The states of a graded exercise.
const (
	// Graded: the tests ran; the score is what they earned.
	Graded ExerciseStatus = "graded"
	// Missing: a learner file is not in the submission. Scores 0.
	Missing ExerciseStatus = "missing"
	// Refused: a learner file breaks the grading policy, or is not a regular file. Scores 0;
	// nothing of it was compiled or run.
	Refused ExerciseStatus = "policy"
	// CompileError: the learner files do not compile with the exercise's tests. Scores 0.
	CompileError ExerciseStatus = "compile_error"
	// NotGraded: the grader could not grade the exercise through no fault of the
	// submission (the pristine tests do not build, a tool is missing). Scores 0, and makes
	// kata grade exit 2.
	NotGraded ExerciseStatus = "not_graded"
)

// Report is the grade of one submission. Its JSON form is the `json` format.
type Report struct {
	// Student names the submission in a class (its folder name); empty for one submission.
	Student string `json:"student,omitempty"`
	// Submission is the submission folder.
	Submission string  `json:"submission"`
	Score      float64 `json:"score"`
	MaxScore   float64 `json:"max_score"`
	// PristineVersion names the pristine tests that graded (see pristineVersion), and
	// GraderVersion the grading code (see graderVersion): kata grade merge merges only
	// reports whose versions are the same.
	PristineVersion string `json:"pristine_version"`
	GraderVersion   string `json:"grader_version"`
	// Sandbox is "bubblewrap" or "none"; SandboxNote says plainly what "none" means.
	Sandbox     string `json:"sandbox"`
	SandboxNote string `json:"sandbox_note,omitempty"`
	// Exercises are in manifest order.
	Exercises []ExerciseResult `json:"exercises"`
	// IgnoredFiles are files of the submission outside the exercise folders that differ from
	// the pristine tree (go.mod, go.sum, harness/...): they had no effect.
	IgnoredFiles []string  `json:"ignored_files"`
	GradedAt     time.Time `json:"graded_at"`
	// Seconds is the wall time the grading of this submission took.
	Seconds float64 `json:"seconds"`
}

// ClassReport is the JSON report of a class (class.json), of one shard of a class
// (shard-K-of-N.json, kata grade --shard) or of a merge of reports (kata grade merge).
type ClassReport struct {
	// Shard is "K/N" in the report of one shard, else empty.
	Shard           string `json:"shard,omitempty"`
	PristineVersion string `json:"pristine_version"`
	GraderVersion   string `json:"grader_version"`
	// Reports are the students' reports, sorted by student.
	Reports []*Report `json:"reports"`
	// Notices name the reports that a merge could not read: their students are missing.
	Notices []Notice `json:"notices,omitempty"`
}

// Notice is a report that a merge could not read.
type Notice struct {
	// Problem is MissingReport or CorruptReport.
	Problem string `json:"problem"`
	// File is the report file, or "shard K/N" for a shard of which no file was given.
	File string `json:"file"`
	// Detail says what is wrong, in plain words.
	Detail string `json:"detail"`
}

// The problems of a Notice.
const (
	MissingReport = "missing report"
	CorruptReport = "corrupt report"
)

// ExerciseResult is the grade of one exercise.
type ExerciseResult struct {
	Name     string         `json:"name"`
	Score    float64        `json:"score"`
	MaxScore float64        `json:"max_score"`
	Status   ExerciseStatus `json:"status"`
	// Message explains a status other than graded in plain words (with the compiler's
	// message for a compile error).
	Message string       `json:"message,omitempty"`
	Tests   []TestResult `json:"tests"`
	// IgnoredFiles are files of the exercise folder in the submission, other than the
	// learner files, that were added or differ from the pristine tree. They had no effect.
	IgnoredFiles []string `json:"ignored_files"`
	// PolicyViolations are the broken rules of the grading policy ("cell.go:3: ...").
	PolicyViolations []string `json:"policy_violations"`
}

// TestResult is the outcome of one top-level test.
type TestResult struct {
	Name     string  `json:"name"`
	Status   Status  `json:"status"`
	Message  string  `json:"message"`
	Score    float64 `json:"score"`
	MaxScore float64 `json:"max_score"`
	Seconds  float64 `json:"seconds"`
}

// Passed counts the tests that passed.
func (e *ExerciseResult) Passed() int {
	n := 0
	for _, t := range e.Tests {
		if t.Status == Pass {
			n++
		}
	}
	return n
}

// Full reports whether the submission earned every point.
func (r *Report) Full() bool { return r.Score == r.MaxScore }

// Complete reports whether every exercise could be graded.
func (r *Report) Complete() bool {
	for _, e := range r.Exercises {
		if e.Status == NotGraded {
			return false
		}
	}
	return true
}

// score fills in the points: an exercise's points split evenly over its expected tests.
func (e *ExerciseResult) score(points int) {
	e.MaxScore = float64(points)
	n := len(e.Tests)
	if n == 0 {
		e.Score = 0
		return
	}
	each := float64(points) / float64(n)
	for i := range e.Tests {
		e.Tests[i].MaxScore = round2(each)
		if e.Tests[i].Status == Pass {
			e.Tests[i].Score = round2(each)
		}
	}
	e.Score = round2(float64(points) * float64(e.Passed()) / float64(n))
}

func (r *Report) total() {
	var s, m float64
	for _, e := range r.Exercises {
		s += e.Score
		m += e.MaxScore
	}
	r.Score, r.MaxScore = round2(s), round2(m)
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// Percent is score/max as a percentage, 0 when max is 0.
func Percent(score, max float64) float64 {
	if max == 0 {
		return 0
	}
	return math.Round(1000*score/max) / 10
}
