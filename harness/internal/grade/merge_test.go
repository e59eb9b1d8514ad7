package grade

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// merged is the outcome of one `kata grade merge`.
type merged struct {
	code           int
	stdout, stderr string
	out            string // the --out folder
}

// runMerge runs `kata grade merge` of the files, with testFlags' formats, into a new folder.
func runMerge(t *testing.T, files ...string) merged {
	t.Helper()
	m := merged{out: filepath.Join(t.TempDir(), "merged")}
	var stdout, stderr bytes.Buffer
	args := append([]string{"merge", "--out", m.out, "--format", testFormats()}, files...)
	m.code = run(context.Background(), repoRoot(t), args, &stdout, &stderr, nil)
	m.stdout, m.stderr = stdout.String(), stderr.String()
	return m
}

// generatedAt is the one line of the class's files that tells when they were written.
var generatedAt = regexp.MustCompile(`Generated \d{4}-\d\d-\d\d \d\d:\d\d UTC\.`)

// outputs reads every file under dir, by slash path, with class.html's generation time blanked.
func outputs(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "class.html" {
			require.Len(t, generatedAt.FindAll(data, -1), 1, "class.html says once when it was generated")
			data = generatedAt.ReplaceAll(data, []byte("Generated (time)."))
		}
		files[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	require.NoError(t, err)
	return files
}

// timings are the places of every format that say when a submission was graded or how long
// a test took: two gradings of the same class differ only there.
var timings = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`"graded_at": "[^"]*"`), `"graded_at": (time)`},
	{regexp.MustCompile(`"(seconds|execution_time)": ?"?[0-9.]+s?"?`), `"$1": (seconds)`},
	{regexp.MustCompile(`time="[0-9.]+"`), `time="(seconds)"`},
	{regexp.MustCompile(`graded in [0-9.]+s`), `graded in (seconds)`},
}

// withoutTimings blanks the timings of every file.
func withoutTimings(files map[string]string) map[string]string {
	out := map[string]string{}
	for name, data := range files {
		for _, tm := range timings {
			data = tm.re.ReplaceAllString(data, tm.with)
		}
		out[name] = data
	}
	return out
}

// sameFiles checks that got has the files of want with the same bytes.
func sameFiles(t *testing.T, want, got map[string]string, what string) {
	t.Helper()
	assert.ElementsMatch(t, slices.Collect(maps.Keys(want)), slices.Collect(maps.Keys(got)), "%s: the files written", what)
	for name, data := range want {
		if line, ok := firstDiff(data, got[name]); ok {
			t.Errorf("%s: %s differs from the class run's, first at line %d:\nclass run: %q\nmerge:     %q",
				what, name, line+1, lineAt(data, line), lineAt(got[name], line))
		}
	}
}

// firstDiff is the first line, from 0, where a and b differ.
func firstDiff(a, b string) (int, bool) {
	if a == b {
		return 0, false
	}
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return i, true
		}
	}
	return min(len(la), len(lb)), true
}

func lineAt(s string, i int) string {
	lines := strings.Split(s, "\n")
	if i < len(lines) {
		return lines[i]
	}
	return "(end of file)"
}

// gradebook reads a gradebook.csv.
func gradebook(t *testing.T, dir string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(readFile(t, filepath.Join(dir, "gradebook.csv")))).ReadAll()
	require.NoError(t, err)
	return rows
}

// Merging the shards of a class gives the files of one --class run of it, in whatever order
// the shards are given: byte for byte, once the times (when graded, how long it took, when
// class.html was generated) are blanked. Merging the class run's own class.json gives its
// files byte for byte, but for class.html's generation time.
func TestMerge_ShardsEqualOneClassRun(t *testing.T) {
	s := shardedClass(t)
	var sizes []int
	for _, f := range s.shards {
		var cr ClassReport
		require.NoError(t, json.Unmarshal(readFile(t, f), &cr))
		sizes = append(sizes, len(cr.Reports))
	}
	require.Equal(t, []int{2, 1, 1}, sizes, "students per shard (alice and dora; bob; compile_error)")

	want := outputs(t, s.whole.out)
	require.Contains(t, want, "students/dora/report.json")
	reversed := slices.Clone(s.shards)
	slices.Reverse(reversed)
	for _, order := range [][]string{s.shards, reversed} {
		m := runMerge(t, order...)
		require.Equal(t, s.whole.code, m.code, "exit status as the class run's; stderr:\n%s", m.stderr)
		assert.Equal(t, s.whole.stdout, m.stdout, "the class's summary")
		sameFiles(t, withoutTimings(want), withoutTimings(outputs(t, m.out)), "merged shards")
	}

	m := runMerge(t, filepath.Join(s.whole.out, "class.json"))
	require.Equal(t, s.whole.code, m.code, "stderr:\n%s", m.stderr)
	sameFiles(t, want, outputs(t, m.out), "merged class.json")
}

// Reports of other pristine tests, or of another grader, are refused, naming both versions
// and both files, and nothing is written.
func TestMerge_RefusesAnotherVersion(t *testing.T) {
	s := shardedClass(t)
	var cr ClassReport
	require.NoError(t, json.Unmarshal(readFile(t, s.shards[1]), &cr))
	for _, c := range []struct {
		name   string
		change func(*ClassReport) string
	}{
		{"tests", func(cr *ClassReport) string { cr.PristineVersion = "tests-0000000000000000"; return cr.PristineVersion }},
		{"grader", func(cr *ClassReport) string { cr.GraderVersion = "grader-0000000000000000"; return cr.GraderVersion }},
	} {
		other := cr
		theirs := c.change(&other)
		ours := cr.PristineVersion
		if c.name == "grader" {
			ours = cr.GraderVersion
		}
		for _, r := range other.Reports {
			r2 := *r
			r2.PristineVersion, r2.GraderVersion = other.PristineVersion, other.GraderVersion
			other.Reports = []*Report{&r2}
		}
		f := filepath.Join(t.TempDir(), "other-"+c.name+".json")
		require.NoError(t, writeClassJSON(f, &other))

		m := runMerge(t, s.shards[0], f, s.shards[2])
		assert.Equal(t, 2, m.code, c.name)
		for _, want := range []string{ErrVersions.Error(), s.shards[0], f, ours, theirs} {
			assert.Contains(t, m.stderr, want, c.name)
		}
		assert.NoDirExists(t, m.out, "%s: a refused merge writes nothing", c.name)
	}
}

// A report file that is missing, or that is not a report, and a shard of which no file is
// given, are rows of the merged gradebook and notices of its page; the merge exits 2.
func TestMerge_NamesMissingAndCorruptReports(t *testing.T) {
	s := shardedClass(t)
	dir := t.TempDir()
	missing := filepath.Join(dir, "shard-2-of-3.json")
	bad := map[string]string{
		"cut.json":      `{"reports": [`,
		"other.json":    `{"name": "not a report"}`,
		"escaping.json": `{"student": "../../escaped", "exercises": [{"name": "01_cell"}]}`,
	}
	files := []string{s.shards[0], missing}
	for name, data := range bad {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
		files = append(files, p)
	}
	m := runMerge(t, files...)
	require.Equal(t, 2, m.code, "stderr:\n%s", m.stderr)

	rows := gradebook(t, m.out)
	var students []string
	notes := map[string]string{} // file named -> the row's problem and notes
	for _, row := range rows[1:] {
		if strings.HasPrefix(row[0], "(") {
			file, _, _ := strings.Cut(row[len(row)-1], ": ")
			notes[file] = row[0] + " " + row[len(row)-1]
			continue
		}
		students = append(students, row[0])
	}
	assert.Equal(t, []string{"alice", "dora"}, students, "shard 1's students")
	assert.Contains(t, notes[missing], "(missing report) "+missing+": no such file")
	assert.Contains(t, notes["shard 3/3"], "(missing report) shard 3/3: no report of this shard was given (shard-3-of-3.json)")
	assert.NotContains(t, notes, "shard 2/3", "shard 2/3 was given, as a file that is missing")
	for name := range bad {
		assert.Contains(t, notes[filepath.Join(dir, name)], "(corrupt report)", name)
	}
	assert.Contains(t, notes[filepath.Join(dir, "cut.json")], "not a JSON report")
	assert.Contains(t, notes[filepath.Join(dir, "other.json")], "not a kata grade report")
	assert.Contains(t, notes[filepath.Join(dir, "escaping.json")], "a name may not hold /")
	assert.NoDirExists(t, filepath.Join(m.out, "..", "escaped"))

	page := string(readFile(t, filepath.Join(m.out, "class.html")))
	assert.Contains(t, page, `<p class="notice">missing report: shard 3/3: no report of this shard was given`)
	assert.Contains(t, page, `<p class="notice">corrupt report: `+filepath.Join(dir, "cut.json"))
	var cr ClassReport
	require.NoError(t, json.Unmarshal(readFile(t, filepath.Join(m.out, "class.json")), &cr))
	assert.Len(t, cr.Notices, 5)
	assert.Contains(t, m.stderr, "kata grade merge: missing report: shard 3/3")

	again := runMerge(t, filepath.Join(m.out, "class.json"))
	assert.Equal(t, 2, again.code, "a merge of a merge that missed reports")
	assert.Equal(t, gradebook(t, m.out), gradebook(t, again.out), "the notices are kept")
}

// A student in two reports is an error naming both files; so is one shard given twice.
func TestMerge_DuplicateStudentsAreAnError(t *testing.T) {
	s := shardedClass(t)
	alice := filepath.Join(s.whole.out, "students", "alice", "report.json")
	m := runMerge(t, s.shards[0], alice)
	assert.Equal(t, 2, m.code)
	assert.Contains(t, m.stderr, ErrDuplicate.Error()+": alice is graded in "+s.shards[0]+" and in "+alice)
	assert.NoDirExists(t, m.out)

	again := filepath.Join(t.TempDir(), "again.json")
	require.NoError(t, os.WriteFile(again, readFile(t, s.shards[1]), 0o644))
	m = runMerge(t, s.shards[1], again)
	assert.Equal(t, 2, m.code)
	assert.Contains(t, m.stderr, s.shards[1]+" and "+again+" are both shard 2/3")
}

// The report of one submission, as grade.yml writes it (--submission with --student), is a
// report a merge reads: the students' reports of a class merge into the class's gradebook.
func TestMerge_ReadsSubmissionReports(t *testing.T) {
	s := shardedClass(t)
	var files []string
	for _, name := range []string{"alice", "bob", "compile_error", "dora"} {
		files = append(files, filepath.Join(s.whole.out, "students", name, "report.json"))
	}
	m := runMerge(t, files...)
	require.Equal(t, s.whole.code, m.code, "stderr:\n%s", m.stderr)
	assert.Equal(t, string(readFile(t, filepath.Join(s.whole.out, "gradebook.csv"))), string(readFile(t, filepath.Join(m.out, "gradebook.csv"))))

	// grade.yml's own command, on a submission without the learner file (nothing to build).
	root := s.tests
	out := filepath.Join(t.TempDir(), "kata-report")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), root, []string{"--submission", t.TempDir(), "--student", "erin-concurrency",
		"--exercises", "01_cell", "--quiet", "--format", "text,json", "--out", out}, &stdout, &stderr, nil)
	require.Equal(t, 1, code, "stderr:\n%s", stderr.String())
	m = runMerge(t, append(files, filepath.Join(out, "report.json"))...)
	require.Equal(t, 1, m.code, "stderr:\n%s", m.stderr)
	rows := gradebook(t, m.out)
	assert.Equal(t, []string{"erin-concurrency", "0", "10", "0", "0", "01_cell: missing"}, rows[len(rows)-1])
}

// A student's name from a report must be a folder name of students/: anything else would
// write outside the merge's folder.
func TestMerge_StudentNamesAreFolderNames(t *testing.T) {
	for _, name := range []string{"alice", "bob-concurrency", "mallory\x1b[31m", "Zoë"} {
		assert.NoError(t, checkStudent(name), "%q", name)
	}
	for _, name := range []string{"", "..", ".", ".hidden", "a/b", `a\b`, "../x", "a\x00b", strings.Repeat("x", 256)} {
		assert.Error(t, checkStudent(name), "%q", name)
	}
}

// The pristine version is the same for two copies of one tree, changes with a test, a helper
// of harness/ or the manifest, and not with a README; the grader version names this code.
func TestMerge_VersionsNameWhatGraded(t *testing.T) {
	repo := repoRoot(t)
	a, b := t.TempDir(), t.TempDir()
	require.NoError(t, copyPristine(repo, a))
	require.NoError(t, copyPristine(repo, b))
	va, err := pristineVersion(a)
	require.NoError(t, err)
	assert.Regexp(t, `^tests-[0-9a-f]{16}$`, va)
	vb, err := pristineVersion(b)
	require.NoError(t, err)
	assert.Equal(t, va, vb, "two copies of one tree")

	edit := func(rel, add string) string {
		p := filepath.Join(b, filepath.FromSlash(rel))
		old := readFile(t, p)
		require.NoError(t, os.WriteFile(p, append(slices.Clone(old), add...), 0o644))
		v, err := pristineVersion(b)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(p, old, 0o644))
		return v
	}
	assert.Equal(t, va, edit("exercises/01_cell/README.md", "\nA typo fixed.\n"), "a README")
	assert.Equal(t, va, edit("harness/internal/grade/main.go", "\n// a comment\n"), "the grader (its own version)")
	assert.NotEqual(t, va, edit("exercises/01_cell/cell_test.go", "\n// a comment\n"), "a test")
	assert.NotEqual(t, va, edit("harness/run.go", "\n// a comment\n"), "a helper the tests use")
	assert.NotEqual(t, va, edit("exercises/manifest.toml", "\n# a comment\n"), "the manifest")

	assert.Regexp(t, `^grader-[0-9a-f]{16}$`, graderVersion())
	assert.Equal(t, graderVersion(), graderVersion())
}

// Kept test binaries are named by the pristine version, which hashes the Go files of harness/
// and not the other files there. A helper that embedded a file (go:embed) would change the
// binaries without changing their name, so a kept binary would go stale: none may, until
// versionedFiles hashes what it embeds.
func TestMerge_PristineVersionCoversWhatTheHelpersEmbed(t *testing.T) {
	names, err := versionedFiles(repoRoot(t))
	require.NoError(t, err)
	require.Contains(t, names, "harness/run.go", "versionedFiles lists the helpers")
	for _, rel := range names {
		if !strings.HasPrefix(rel, "harness/") {
			continue
		}
		data := readFile(t, filepath.Join(repoRoot(t), filepath.FromSlash(rel)))
		assert.NotRegexp(t, `(?m)^//go:embed `, string(data),
			"%s embeds files that pristineVersion does not hash: add them in versionedFiles", rel)
	}
}
