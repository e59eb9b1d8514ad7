package grade

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The learner's workflow grades the submission with the pristine tests, in the sandbox, and
// keeps the JSON and JUnit reports.
func TestWorkflows_GradeRunsTheGrader(t *testing.T) {
	wf := workflow(t, "grade.yml")
	for _, want := range []string{
		"on:\n  push:",
		"repository: ${{ env.KATA_REPOSITORY }}",
		"ref: ${{ env.KATA_REF }}",
		"kata grade --submission ../submission --sandbox require",
		"--format text,markdown,json,junit,autograding --out ../kata-report",
		`--student "${GITHUB_REPOSITORY//\//-}"`,
		"actions/upload-artifact@",
		"bubblewrap",
	} {
		assert.Contains(t, wf, want)
	}
}

// The class's workflow is run by hand with a roster and a shard count, grades each shard on a
// runner of its own, in the sandbox, and merges every shard's report into one artifact.
func TestWorkflows_GradeClassShardsAndMerges(t *testing.T) {
	wf := workflow(t, "grade-class.yml")
	for _, want := range []string{
		"on:\n  workflow_dispatch:\n    inputs:\n      roster:",
		"      shards:\n",
		"shard: ${{ fromJSON(needs.plan.outputs.shards) }}",
		"TOKEN: ${{ secrets.KATA_ROSTER_TOKEN || github.token }}",
		"SHARD: ${{ matrix.shard }}/${{ inputs.shards }}",
		`grade --class ../class --shard "$SHARD" --sandbox require --out ../shard`,
		"name: shard-${{ matrix.shard }}",
		"pattern: shard-*",
		`reports+=("../shards/shard-$k-of-$SHARDS.json")`,
		`grade merge --out ../class-report`,
		"name: class-report",
		"if: ${{ !cancelled() && needs.plan.result == 'success' }}",
		"bubblewrap",
		"persist-credentials: false",
	} {
		assert.Contains(t, wf, want)
	}
	assert.NotContains(t, wf, "${{ inputs.roster }}\n        run", "inputs reach the shell through env, never pasted into a script")
}

// fakeGit is a git whose clone makes the folder it is asked for, writing the URL and the
// configuration it was given there, and fails for a repository named "missing".
const fakeGit = `#!/usr/bin/env bash
url=${@: -2:1}
dir=${@: -1}
case $url in *missing*) echo "fatal: repository not found" >&2; exit 128;; esac
mkdir -p "$dir/exercises"
printf '%s\n' "$url" > "$dir/url"
printf '%s\n' "$2" > "$dir/config"
`

// The roster step, run here with a git that only makes folders: comments and blank lines are
// skipped, names default to OWNER-REPOSITORY, the token goes in a header and never in a URL,
// and a repository that cannot be cloned is an empty submission, with a warning, not a
// student dropped from the gradebook. A bad line, two students of one name or an empty roster
// stop the workflow.
func TestWorkflows_GradeClassRosterStep(t *testing.T) {
	wf := workflow(t, "grade-class.yml")
	script := stepScript(t, wf, "roster")
	bin := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bin, "git"), []byte(fakeGit), 0o755))
	roster := func(text string) (dir string, code int, out string) {
		dir = t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "kata"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "kata", "roster.txt"), []byte(text), 0o644))
		code, out = runStep(t, script, dir, "ROSTER=kata/roster.txt", "TOKEN=s3cret", "SERVER_URL=https://git.example",
			"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		return dir, code, out
	}

	dir, code, out := roster("# spring term\nkata-class/concurrency-alice\n\n  bob/concurrency   bob   # renamed\ngone/missing\ncarol/kata.go") // no final newline
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "::add-mask::"+base64.StdEncoding.EncodeToString([]byte("x-access-token:s3cret")))
	assert.Contains(t, out, "::warning::could not clone gone/missing: gone-missing is graded as an empty submission")
	assert.Contains(t, out, "cloned the class: 4 repositories")
	entries, err := os.ReadDir(filepath.Join(dir, "class"))
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"bob", "carol-kata.go", "gone-missing", "kata-class-concurrency-alice"}, names)
	url := string(readFile(t, filepath.Join(dir, "class", "kata-class-concurrency-alice", "url")))
	assert.Equal(t, "https://git.example/kata-class/concurrency-alice.git\n", url)
	assert.Equal(t, "https://git.example/bob/concurrency.git\n", string(readFile(t, filepath.Join(dir, "class", "bob", "url"))))
	config := string(readFile(t, filepath.Join(dir, "class", "bob", "config")))
	assert.Equal(t, "http.https://git.example/.extraheader=AUTHORIZATION: basic "+base64.StdEncoding.EncodeToString([]byte("x-access-token:s3cret"))+"\n", config)
	empty, err := os.ReadDir(filepath.Join(dir, "class", "gone-missing"))
	require.NoError(t, err)
	assert.Empty(t, empty, "a repository that could not be cloned is an empty submission")

	for text, want := range map[string]string{
		"alice/kata\nalice/kata\n":      "alice/kata and alice/kata would both be graded as alice-kata",
		"alice/kata x\nbob/kata x\n":    "alice/kata and bob/kata would both be graded as x",
		"alice/kata\nhttps://x/y\n":     "not OWNER/REPOSITORY [NAME]: https://x/y",
		"alice/kata alice extra\n":      "not OWNER/REPOSITORY [NAME]: alice/kata alice extra",
		"alice/kata .hidden\n":          ".hidden is not a name for a folder",
		"# nobody yet\n\n":              "no repository is listed",
		"alice/kata;touch${IFS}pwned\n": "not OWNER/REPOSITORY [NAME]",
	} {
		dir, code, out := roster(text)
		assert.Equal(t, 1, code, "%q:\n%s", text, out)
		assert.Contains(t, out, "::error::kata/roster.txt: ", "%q", text)
		assert.Contains(t, out, want, "%q", text)
		assert.NoFileExists(t, filepath.Join(dir, "pwned"))
	}
}

// The plan step refuses a roster that is not a file and a shard count out of 1..64, and
// otherwise makes the shards' matrix.
func TestWorkflows_GradeClassPlanStep(t *testing.T) {
	wf := workflow(t, "grade-class.yml")
	script := stepScript(t, wf, "plan")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "roster.txt"), []byte("alice/kata\n"), 0o644))
	for _, c := range []struct {
		roster, shards string
		want           string // in GITHUB_OUTPUT, or the error
	}{
		{"roster.txt", "3", "shards=[1,2,3]\n"},
		{"roster.txt", "1", "shards=[1]\n"},
		{"roster.txt", "0", "::error::shards must be a whole number from 1 to 64, not 0"},
		{"roster.txt", "65", "::error::shards must be a whole number from 1 to 64, not 65"},
		{"roster.txt", "2.5", "::error::shards must be a whole number from 1 to 64, not 2.5"},
		{"nobody.txt", "3", "::error::the roster nobody.txt is not a file of this repository"},
	} {
		output := filepath.Join(t.TempDir(), "output")
		code, out := runStep(t, script, dir, "ROSTER="+c.roster, "SHARDS="+c.shards, "GITHUB_OUTPUT="+output, "GITHUB_SHA=abc123")
		if strings.HasPrefix(c.want, "::error::") {
			assert.Equal(t, 1, code, "%+v:\n%s", c, out)
			assert.Contains(t, out, c.want, "%+v", c)
			continue
		}
		require.Equal(t, 0, code, "%+v:\n%s", c, out)
		assert.Equal(t, c.want, string(readFile(t, output)), "%+v", c)
	}
}

// Helpers.

// workflow is the text of the workflow file name in .github/workflows.
func workflow(t *testing.T, name string) string {
	t.Helper()
	return string(readFile(t, filepath.Join(repoRoot(t), ".github", "workflows", name)))
}

// stepScript is the run script of the step with the given id in the workflow wf.
func stepScript(t *testing.T, wf, id string) string {
	t.Helper()
	lines := strings.Split(wf, "\n")
	start := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == "id: "+id {
			start = i
			break
		}
	}
	require.NotEqual(t, -1, start, "no step with id %s", id)
	for i := start + 1; i < len(lines); i++ {
		key := strings.TrimLeft(lines[i], " ")
		if key != "run: |" {
			continue
		}
		indent := len(lines[i]) - len(key)
		var script []string
		for _, l := range lines[i+1:] {
			if strings.TrimSpace(l) != "" && len(l)-len(strings.TrimLeft(l, " ")) <= indent {
				break
			}
			script = append(script, strings.TrimPrefix(l, strings.Repeat(" ", indent+2)))
		}
		return strings.Join(script, "\n")
	}
	t.Fatalf("the step %s has no run: | script", id)
	return ""
}

// runStep runs a step's script with bash in dir, with env added, as a runner would.
func runStep(t *testing.T, script, dir string, env ...string) (code int, output string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode(), out.String()
	}
	require.NoError(t, err)
	return 0, out.String()
}
