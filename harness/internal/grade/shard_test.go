package grade

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShard_ParsesKOfN(t *testing.T) {
	for spec, want := range map[string]shard{"1/1": {1, 1}, "1/3": {1, 3}, "3/3": {3, 3}, "12/40": {12, 40}} {
		got, err := parseShard(spec)
		require.NoError(t, err, spec)
		assert.Equal(t, want, got, spec)
		assert.Equal(t, spec, got.String())
	}
	for _, spec := range []string{"0/3", "4/3", "x", "", "3", "1/0", "/3", "1/", "-1/3", "1/3/4", "a/b", "1 /3"} {
		_, err := parseShard(spec)
		assert.ErrorIs(t, err, ErrShard, "%q", spec)
	}
}

// The N shards of a class are disjoint and cover it, for every class size and N, and their
// sizes differ by one at most.
func TestShard_PartitionsAreDisjointAndCoverTheClass(t *testing.T) {
	for size := range 12 {
		var class []submission
		for i := range size {
			class = append(class, submission{student: fmt.Sprintf("s%02d", i)})
		}
		for n := 1; n <= 5; n++ {
			seen := map[string]int{}
			var sizes []int
			for k := 1; k <= n; k++ {
				part := shard{k, n}.pick(class)
				sizes = append(sizes, len(part))
				for _, s := range part {
					seen[s.student]++
				}
			}
			for _, s := range class {
				assert.Equal(t, 1, seen[s.student], "size %d, %d shards: %s is in %d shards", size, n, s.student, seen[s.student])
			}
			assert.Len(t, seen, size, "size %d, %d shards: students that are not in the class", size, n)
			assert.LessOrEqual(t, slices.Max(sizes)-slices.Min(sizes), 1, "size %d, %d shards: sizes %v", size, n, sizes)
		}
	}
	// The documented rule, on a named class: sorted by name, place mod N == K-1.
	class := []submission{{student: "alice"}, {student: "bob"}, {student: "carol"}, {student: "dan"}, {student: "eve"}}
	assert.Equal(t, []submission{{student: "alice"}, {student: "dan"}}, shard{1, 3}.pick(class))
	assert.Equal(t, []submission{{student: "bob"}, {student: "eve"}}, shard{2, 3}.pick(class))
	assert.Equal(t, []submission{{student: "carol"}}, shard{3, 3}.pick(class))
}

func TestShard_UsageErrors(t *testing.T) {
	root := repoRoot(t)
	class := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--class", class, "--shard", "0/3"}, ErrShard.Error() + `, not "0/3"`},
		{[]string{"--class", class, "--shard", "4/3"}, ErrShard.Error() + `, not "4/3"`},
		{[]string{"--class", class, "--shard", "x"}, ErrShard.Error() + `, not "x"`},
		{[]string{"--submission", class, "--shard", "1/2"}, "--shard divides a class: give it with --class DIR"},
		{[]string{"--class", class, "--shard", "1/2", "--format", "json"}, "--shard writes only the shard's JSON report: give --format to kata grade merge"},
		{[]string{"--class", class, "--student", "alice"}, "--student names one submission: give it with --submission DIR"},
		{[]string{"--submission", class, "--student", "a/b"}, "--student: a name may not hold /"},
	} {
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), root, c.args, &stdout, &stderr)
		assert.Equal(t, 2, code, "kata grade %v", c.args)
		assert.Contains(t, stderr.String(), "kata grade: "+c.want, "kata grade %v", c.args)
	}
}

// A shard of a class smaller than N has no student: it still writes its report, empty, so
// that a merge sees every shard.
func TestShard_AnEmptyShardWritesAnEmptyReport(t *testing.T) {
	root := repoRoot(t)
	class := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(class, "alice"), 0o755))
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), root, append([]string{"--class", class, "--shard", "2/2", "--out", out}, shardFlags()...), &stdout, &stderr, nil)
	require.Equal(t, 0, code, "stderr:\n%s", stderr.String())
	assert.Contains(t, stderr.String(), "shard 2/2: 0 of the class's 1 submissions")
	var cr ClassReport
	require.NoError(t, json.Unmarshal(readFile(t, filepath.Join(out, "shard-2-of-2.json")), &cr))
	assert.Equal(t, "2/2", cr.Shard)
	assert.Empty(t, cr.Reports)
	assert.NotNil(t, cr.Reports, `an empty shard has "reports": [], not null`)
	assert.Regexp(t, `^tests-[0-9a-f]{16}$`, cr.PristineVersion)
	assert.Regexp(t, `^grader-[0-9a-f]{16}$`, cr.GraderVersion)
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "a shard writes only its JSON report")
}

// shardFlags are testFlags without --format, which a shard refuses.
func shardFlags() []string {
	i := slices.Index(testFlags, "--format")
	return slices.Delete(slices.Clone(testFlags), i, i+2)
}

// testFormats is the --format list of testFlags.
func testFormats() string { return testFlags[slices.Index(testFlags, "--format")+1] }

// sharded is a small class graded once in one run and once in shards.
type sharded struct {
	tests  string   // the pristine tree that grades it: a copy of the repository's
	class  string   // the class folder
	whole  classRun // the one --class run (reports are not read)
	shards []string // each shard's JSON report
	err    error
}

const shardCount = 3

var (
	shardedOnce sync.Once
	shardedRun  *sharded
)

// shardedClass grades, once, a class of four with 01_cell: the solution, the stub, a compile
// error and an empty folder; first in one run, then in three shards (two students, one, one).
// The pristine tree is a copy of the repository's, so that every run grades with the same
// tests while people edit the repository, and the tests' random inputs come from one seed, so
// that their messages are the same in every run.
func shardedClass(t *testing.T) *sharded {
	t.Helper()
	shardedOnce.Do(func() {
		shardedRun = &sharded{}
		shardedRun.err = gradeSharded(repoRoot(t), shardedRun)
	})
	require.NoError(t, shardedRun.err)
	return shardedRun
}

func gradeSharded(repo string, s *sharded) error {
	dir := filepath.Join(workDir, "sharded")
	s.tests, s.class = filepath.Join(dir, "pristine"), filepath.Join(dir, "class")
	if err := copyPristine(repo, s.tests); err != nil {
		return err
	}
	if err := copyTree(filepath.Join(cheatsDir, "compile_error"), filepath.Join(s.class, "compile_error")); err != nil {
		return err
	}
	if err := writeLearnerFile(filepath.Join(s.class, "alice"), filepath.Join(repo, "solutions", "01_cell", "cell.go")); err != nil {
		return err
	}
	if err := writeLearnerFile(filepath.Join(s.class, "bob"), filepath.Join(repo, "exercises", "01_cell", "cell.go")); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(s.class, "dora"), 0o755); err != nil {
		return err
	}
	grade := func(out string, flags ...string) (code int, stdout string, err error) {
		var o, e bytes.Buffer
		args := append([]string{"--class", s.class, "--out", out}, flags...)
		code = run(context.Background(), s.tests, args, &o, &e, func(o *options) { o.env = append(o.env, testWatchdog, "KATA_SEED=1") })
		if code != 0 && code != 1 {
			return code, "", fmt.Errorf("kata grade %v: exit %d; stderr:\n%s", args, code, e.String())
		}
		return code, o.String(), nil
	}
	s.whole.out = filepath.Join(dir, "out")
	var err error
	if s.whole.code, s.whole.stdout, err = grade(s.whole.out, testFlags...); err != nil {
		return err
	}
	for k := 1; k <= shardCount; k++ {
		sh := shard{k, shardCount}
		if _, _, err := grade(filepath.Join(dir, "shards"), append([]string{"--shard", sh.String()}, shardFlags()...)...); err != nil {
			return err
		}
		s.shards = append(s.shards, filepath.Join(dir, "shards", sh.file()))
	}
	return nil
}

// copyPristine copies what grading reads of the repository at root into dst: go.mod, go.sum,
// exercises/ and harness/ but its testdata.
func copyPristine(root, dst string) error {
	for _, rel := range []string{"go.mod", "go.sum", "exercises", "harness"} {
		err := filepath.WalkDir(filepath.Join(root, rel), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			r, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			to := filepath.Join(dst, r)
			switch {
			case d.IsDir() && r == filepath.Join("harness", "testdata"):
				return filepath.SkipDir
			case d.IsDir():
				return os.MkdirAll(to, 0o755)
			case !d.Type().IsRegular():
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
				return err
			}
			return os.WriteFile(to, data, 0o644)
		})
		if err != nil {
			return err
		}
	}
	return nil
}
