package grade

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jstemmer/go-junit-report/v2/junit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	return data
}

// One submission, the stub, in every format at once, as the learner's workflow runs it.
func TestMain_OneSubmissionInEveryFormat(t *testing.T) {
	root := repoRoot(t)
	sub := t.TempDir()
	require.NoError(t, writeLearnerFile(sub, filepath.Join(root, "exercises", "01_cell", "cell.go")))
	out := filepath.Join(t.TempDir(), "kata-report")
	summary := filepath.Join(t.TempDir(), "summary.md")
	ghOutput := filepath.Join(t.TempDir(), "output")
	t.Setenv("GITHUB_STEP_SUMMARY", summary)
	t.Setenv("GITHUB_OUTPUT", ghOutput)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), root, append([]string{"--submission", sub, "--out", out}, testFlags...), &stdout, &stderr, func(o *options) {
		o.env = append(o.env, testWatchdog)
	})
	require.Equal(t, 1, code, "exit status of a submission that lost points; stderr:\n%s", stderr.String())
	assert.Contains(t, stdout.String(), "01_cell       0 / 10   0 of 11 tests pass", "the text report on stdout")
	assert.Contains(t, stdout.String(), "Total: 0 / 10 (0%)")

	var r Report
	require.NoError(t, json.Unmarshal(readFile(t, filepath.Join(out, "report.json")), &r))
	assert.Equal(t, 0.0, r.Score)
	assert.Equal(t, 10.0, r.MaxScore)
	require.Len(t, r.Exercises, 1)
	assert.Equal(t, "01_cell", r.Exercises[0].Name)
	assert.Len(t, r.Exercises[0].Tests, 11)

	// The JSON shape, key by key.
	var raw map[string]any
	require.NoError(t, json.Unmarshal(readFile(t, filepath.Join(out, "report.json")), &raw))
	for _, k := range []string{"score", "max_score", "exercises"} {
		assert.Contains(t, raw, k)
	}
	ex := raw["exercises"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "score", "max_score", "tests", "ignored_files", "policy_violations"} {
		assert.Contains(t, ex, k)
	}
	test := ex["tests"].([]any)[0].(map[string]any)
	for _, k := range []string{"name", "status", "message"} {
		assert.Contains(t, test, k)
	}
	assert.Equal(t, "fail", test["status"])

	md := string(readFile(t, summary))
	assert.Contains(t, md, "## Kata grade — 0 / 10 (0%)", "the Markdown summary appended to $GITHUB_STEP_SUMMARY")
	assert.Contains(t, md, "| ❌ 01_cell | 0 / 10 | 0 / 11 |")
	assert.Equal(t, md, string(readFile(t, filepath.Join(out, "report.md"))))

	line := strings.TrimSpace(string(readFile(t, ghOutput)))
	require.True(t, strings.HasPrefix(line, "result="), "GITHUB_OUTPUT: %q", line)
	decoded, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(line, "result="))
	require.NoError(t, err)
	var ag struct {
		Version  int     `json:"version"`
		Status   string  `json:"status"`
		MaxScore float64 `json:"max_score"`
		Tests    []struct {
			Name, Status, Message string
			Score                 float64
		} `json:"tests"`
	}
	require.NoError(t, json.Unmarshal(decoded, &ag))
	assert.Equal(t, 1, ag.Version)
	assert.Equal(t, "fail", ag.Status)
	assert.Equal(t, 10.0, ag.MaxScore)
	assert.Len(t, ag.Tests, 11)
	assert.Equal(t, "01_cell/TestCell_GetReturnsTheValueGiven", ag.Tests[0].Name)

	var suites junit.Testsuites
	require.NoError(t, xml.Unmarshal(readFile(t, filepath.Join(out, "junit.xml")), &suites))
	require.Len(t, suites.Suites, 1)
	assert.Equal(t, 11, suites.Tests)
	assert.Equal(t, 11, suites.Failures)
}

// The formats of the survive-suite's class: every student's report in every format.
func TestFormats_OfTheClass(t *testing.T) {
	c := withPolicy(t)
	require.NoError(t, c.err)
	students := filepath.Join(c.out, "students")

	var gs struct {
		Score float64 `json:"score"`
		Tests []struct {
			Name     string  `json:"name"`
			Score    float64 `json:"score"`
			MaxScore float64 `json:"max_score"`
			Status   string  `json:"status"`
			Output   string  `json:"output"`
		} `json:"tests"`
	}
	require.NoError(t, json.Unmarshal(readFile(t, filepath.Join(students, "infinite_loop", "results.json")), &gs))
	assert.Equal(t, 9.09, gs.Score)
	require.Len(t, gs.Tests, 11)
	var sum float64
	for _, tr := range gs.Tests {
		sum += tr.MaxScore
		if tr.Name == "01_cell/"+takeTest {
			assert.Equal(t, "failed", tr.Status)
			assert.Contains(t, tr.Output, "did not finish")
		} else {
			assert.Equal(t, "passed", tr.Status, tr.Name)
		}
	}
	assert.InDelta(t, 10, sum, 0.05, "the tests' max_score add up to the exercise's points")

	require.NoError(t, json.Unmarshal(readFile(t, filepath.Join(students, "exit_in_init_os", "results.json")), &gs))
	assert.Contains(t, gs.Tests[0].Output, "os.Exit is not allowed", "a refused file's tests say why")

	var suites junit.Testsuites
	require.NoError(t, xml.Unmarshal(readFile(t, filepath.Join(students, "compile_error", "junit.xml")), &suites))
	assert.Equal(t, 11, suites.Errors)
	assert.Contains(t, suites.Suites[0].Testcases[0].Error.Data, "c.value undefined")

	// The forged lines of fake_pass_framed carry test2json's framing byte; XML cannot.
	data := readFile(t, filepath.Join(students, "fake_pass_framed", "junit.xml"))
	assert.NotContains(t, string(data), "\x16")
	require.NoError(t, xml.Unmarshal(data, &suites))

	md := string(readFile(t, filepath.Join(students, "deadlock", "report.md")))
	assert.Contains(t, md, "## Kata grade: deadlock — 6.36 / 10 (63.6%)")
	assert.Contains(t, md, "<details><summary>01_cell: 7 of 11 tests pass</summary>")

	txt := string(readFile(t, filepath.Join(students, "edited_test", "report.txt")))
	assert.Contains(t, txt, "ignored (only the learner files are graded): exercises/01_cell/cell_test.go")
}

func TestGradebook_OneRowPerStudent(t *testing.T) {
	c := withPolicy(t)
	require.NoError(t, c.err)
	f, err := os.Open(filepath.Join(c.out, "gradebook.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"student", "score", "max_score", "percent", "01_cell", "notes"}, rows[0])
	require.Len(t, rows, len(c.reports)+1)
	for _, row := range rows[1:] {
		r, ok := c.reports[row[0]]
		require.True(t, ok, "row for an unknown student %q", row[0])
		assert.Equal(t, num(r.Score), row[1], "%s: score", row[0])
		assert.Equal(t, num(r.Exercises[0].Score), row[4], "%s: 01_cell", row[0])
		if r.Exercises[0].Status != Graded {
			assert.Contains(t, row[5], "01_cell: ", "%s: notes", row[0])
		}
	}
}

func TestGradebook_NoFormulas(t *testing.T) {
	assert.Equal(t, "'=HYPERLINK(1)", cell("=HYPERLINK(1)"))
	assert.Equal(t, "'-1", cell("-1"))
	assert.Equal(t, "alice", cell("alice"))
}

func TestMain_UsageErrors(t *testing.T) {
	root := repoRoot(t)
	for _, args := range [][]string{
		{},
		{"--submission", "a", "--class", "b"},
		{"--submission", "a", "--format", "pdf"},
		{"--submission", "a", "--sandbox", "maybe"},
		{"--submission", "a", "--memory", "10"},
		{"--submission", "a", "extra"},
		{"--nope"},
	} {
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), root, args, &stdout, &stderr)
		assert.Equal(t, 2, code, "kata grade %v", args)
		assert.Contains(t, stderr.String(), "usage: kata grade", "kata grade %v", args)
	}
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 0, Main(context.Background(), root, []string{"--help"}, &stdout, &stderr))
	assert.Contains(t, stdout.String(), "--submission DIR")

	stderr.Reset()
	assert.Equal(t, 2, Main(context.Background(), root, []string{"--submission", filepath.Join(t.TempDir(), "none"), "--exercises", "01_cell", "--quiet"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "is not a folder")

	stderr.Reset()
	assert.Equal(t, 2, Main(context.Background(), root, []string{"--submission", t.TempDir(), "--exercises", "99_nope"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "no such exercise")
}

// A submission without the learner file: not submitted, 0 points, nothing built.
func TestMain_MissingFileIsNotSubmitted(t *testing.T) {
	root := repoRoot(t)
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), root, []string{"--submission", t.TempDir(), "--exercises", "01_cell", "--format", "json"}, &stdout, &stderr)
	require.Equal(t, 1, code, stderr.String())
	var r Report
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &r))
	e := r.Exercises[0]
	assert.Equal(t, Missing, e.Status)
	assert.Equal(t, "exercises/01_cell/cell.go is not in the submission", e.Message)
	assert.Len(t, e.Tests, 11, "the expected tests are listed, from the pristine binary")
}
