package grade

import (
	"context"
	"crypto/rand"
	ebinary "encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kata-go/concurrency/harness/internal/grade/policy"
	"github.com/kata-go/concurrency/harness/internal/grade/sandbox"
	"github.com/kata-go/concurrency/harness/internal/manifest"
)

// options configure a grader. Main fills them from its flags.
type options struct {
	tests     string   // the pristine tree
	exercises []string // only these exercises (all when empty)
	limits    sandbox.Limits
	jobs      int
	sandbox   sandbox.Want
	// env is added to every test process's environment (tests use it for KATA_WATCHDOG).
	env []string
	// cache is the go build cache the grader compiles with (defaultCache when empty).
	cache string
	// noPolicy skips the static policy. Only the grader's own tests set it, to show that the
	// run-time checks stand without it.
	noPolicy bool
}

// grader grades submissions against one pristine tree. It is safe for concurrent use.
type grader struct {
	opt       options
	root      string
	exercises []manifest.Exercise
	box       *sandbox.Sandbox
	work      string
	bins      *binaries

	expectedMu sync.Mutex
	expected   map[string]*expectedTests

	stats *phases // nil unless measured (MeasureClass)
}

type expectedTests struct {
	once  sync.Once
	names []string
	err   error
}

// newGrader loads the pristine tree's manifest and sets up the sandbox. Close it when done.
func newGrader(opt options) (*grader, error) {
	root, err := filepath.Abs(opt.tests)
	if err != nil {
		return nil, err
	}
	m, err := manifest.Load(root)
	if err != nil {
		return nil, fmt.Errorf("the tests folder %s: %w", root, err)
	}
	var exs []manifest.Exercise
	for _, name := range opt.exercises {
		e, err := m.Lookup(name)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(exs, func(x manifest.Exercise) bool { return x.Name == e.Name }) {
			exs = append(exs, e)
		}
	}
	if len(opt.exercises) == 0 {
		exs = m.Exercises
	}
	slices.SortFunc(exs, func(a, b manifest.Exercise) int { return a.Number() - b.Number() })
	box, err := sandbox.New(opt.sandbox)
	if err != nil {
		return nil, err
	}
	if opt.cache == "" {
		if opt.cache, err = defaultCache(); err != nil {
			return nil, err
		}
	}
	work, err := os.MkdirTemp("", "kata-grade-*")
	if err != nil {
		return nil, err
	}
	bins, err := newBinaries(root, work, opt.cache)
	if err != nil {
		os.RemoveAll(work)
		return nil, err
	}
	return &grader{
		opt: opt, root: root, exercises: exs, box: box, work: work,
		bins: bins, expected: map[string]*expectedTests{},
	}, nil
}

// Close removes the session's folder (with its copy of the build cache) and trims the
// grader's build cache.
func (g *grader) Close() error {
	return errors.Join(os.RemoveAll(g.work), trimCache(g.opt.cache))
}

// submission is one folder to grade.
type submission struct {
	dir     string
	student string
}

// unit is the grading of one exercise (ex) of one submission (sub).
type unit struct{ sub, ex int }

// grade grades every submission, jobs units (an exercise of a submission) at a time. done is
// called, from one goroutine at a time, as each submission is finished.
func (g *grader) grade(ctx context.Context, subs []submission, done func(r *Report)) []*Report {
	reports := make([]*Report, len(subs))
	left := make([]int, len(subs))
	starts := make([]time.Time, len(subs))
	for i, s := range subs {
		reports[i] = &Report{
			Student: s.student, Submission: s.dir, Sandbox: string(g.box.Kind()), SandboxNote: g.box.Note(),
			Exercises: make([]ExerciseResult, len(g.exercises)), IgnoredFiles: ignoredElsewhere(g.root, s.dir),
		}
		if reports[i].IgnoredFiles == nil {
			reports[i].IgnoredFiles = []string{}
		}
		left[i] = len(g.exercises)
	}
	g.prepare(ctx)
	units := make(chan unit)
	go func() {
		defer close(units)
		for si := range subs {
			for ei := range g.exercises {
				select {
				case units <- unit{sub: si, ex: ei}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range max(1, g.opt.jobs) {
		wg.Go(func() {
			for u := range units {
				mu.Lock()
				if starts[u.sub].IsZero() {
					starts[u.sub] = time.Now()
				}
				mu.Unlock()
				res := g.gradeExercise(ctx, subs[u.sub].dir, g.exercises[u.ex])
				mu.Lock()
				r := reports[u.sub]
				r.Exercises[u.ex] = res
				left[u.sub]--
				if left[u.sub] == 0 {
					r.total()
					r.GradedAt = time.Now().UTC().Truncate(time.Second)
					r.Seconds = round2(time.Since(starts[u.sub]).Seconds())
					if done != nil {
						done(r)
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return reports
}

// prepare builds the pristine test binaries of every exercise, jobs at a time, and lists their
// tests, before any learner file is compiled: the learner builds then start from a cache that
// holds everything but the learner files. Failures are kept and reported per exercise.
func (g *grader) prepare(ctx context.Context) {
	sem := make(chan struct{}, max(1, g.opt.jobs))
	var wg sync.WaitGroup
	for _, e := range g.exercises {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			g.expectedTests(ctx, e)
		})
	}
	wg.Wait()
}

// gradeExercise grades exercise e of the submission at dir.
func (g *grader) gradeExercise(ctx context.Context, dir string, e manifest.Exercise) (res ExerciseResult) {
	res = ExerciseResult{Name: e.Name, Status: Graded, IgnoredFiles: ignoredInExercise(g.root, dir, e), PolicyViolations: []string{}}
	if res.IgnoredFiles == nil {
		res.IgnoredFiles = []string{}
	}
	defer func() { res.score(e.Points) }()

	expected, err := g.expectedTests(ctx, e)
	if err != nil {
		res.Status, res.Message = NotGraded, "the grader could not list this exercise's tests: "+err.Error()
		return res
	}
	notRun := func(why string) {
		res.Tests = make([]TestResult, len(expected))
		for i, name := range expected {
			res.Tests[i] = TestResult{Name: name, Status: Error, Message: why}
		}
	}

	files := map[string][]byte{}
	for _, name := range e.Files {
		data, err := readLearnerFile(dir, e.Dir()+"/"+name)
		switch {
		case errors.Is(err, errNotSubmitted):
			res.Status, res.Message = Missing, fmt.Sprintf("%s/%s is not in the submission", e.Dir(), name)
		case err != nil:
			res.Status, res.Message = Refused, err.Error()
			res.PolicyViolations = append(res.PolicyViolations, err.Error())
		}
		if err != nil {
			notRun("not run: " + res.Message)
			return res
		}
		files[name] = data
	}

	if !g.opt.noPolicy {
		for _, name := range e.Files {
			vs, err := policy.Check(name, files[name], e.Imports)
			if err != nil {
				res.Status, res.Message = NotGraded, err.Error()
				notRun("not run: " + err.Error())
				return res
			}
			for _, v := range vs {
				res.PolicyViolations = append(res.PolicyViolations, v.String())
			}
		}
		if n := len(res.PolicyViolations); n > 0 {
			res.Status = Refused
			res.Message = fmt.Sprintf("%s breaks the grading policy (%d %s), so nothing of it was compiled or run", strings.Join(e.Files, ", "), n, plural(n, "problem", "problems"))
			notRun("not run: the file breaks the grading policy")
			return res
		}
	}

	bin := g.bins.get(ctx, e, files, false)
	defer g.bins.release(bin)
	switch {
	case bin.err != nil:
		res.Status, res.Message = NotGraded, "the grader could not compile the tests: "+bin.err.Error()
		notRun("not run: " + res.Message)
		return res
	case bin.compileErr != "":
		res.Status, res.Message = CompileError, "does not compile:\n"+capMessage("", bin.compileErr)
		notRun("not run: the exercise does not compile")
		return res
	}
	for i, name := range expected {
		tr, started := g.runTest(ctx, bin.path, e, name)
		res.Tests = append(res.Tests, tr)
		if !started {
			// Every test of this binary would wait as long: the package never initializes.
			for _, rest := range expected[i+1:] {
				res.Tests = append(res.Tests, TestResult{Name: rest, Status: Error, Message: "not run: " + firstLine(tr.Message)})
			}
			break
		}
	}
	return res
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// expectedTests lists e's top-level tests from its pristine test binary, once per session.
func (g *grader) expectedTests(ctx context.Context, e manifest.Exercise) ([]string, error) {
	g.expectedMu.Lock()
	x, ok := g.expected[e.Name]
	if !ok {
		x = &expectedTests{}
		g.expected[e.Name] = x
	}
	g.expectedMu.Unlock()
	x.once.Do(func() {
		files := map[string][]byte{}
		for _, name := range e.Files {
			data, err := os.ReadFile(filepath.Join(g.root, filepath.FromSlash(e.Dir()), name))
			if err != nil {
				x.err = err
				return
			}
			files[name] = data
		}
		bin := g.bins.get(ctx, e, files, true)
		switch {
		case bin.err != nil:
			x.err = bin.err
		case bin.compileErr != "":
			x.err = fmt.Errorf("the pristine tests do not compile:\n%s", bin.compileErr)
		default:
			x.names, x.err = listTests(ctx, bin.path, filepath.Join(g.root, filepath.FromSlash(e.Dir())))
		}
	})
	return x.names, x.err
}

// startTime is how long a test binary may take to initialize its packages and start testing
// (at most its time limit). A race test binary starts in a tenth of a second when the machine is
// idle; the margin is for a machine that is not.
const startTime = 10 * time.Second

// runTest runs one expected test in its own process, in the sandbox, and judges it. started
// is false when the binary did not start testing within startTime.
func (g *grader) runTest(ctx context.Context, bin string, e manifest.Exercise, name string) (tr TestResult, started bool) {
	nonce := newNonce()
	cmd := sandbox.Command{
		Path: bin,
		Args: []string{
			"-test.run=^" + regexp.QuoteMeta(name) + "$",
			"-test.v=test2json",
			"-test.count=1",
			"-test.shuffle=" + nonce,
			"-test.paniconexit0",
		},
		Dir:       filepath.Join(g.root, filepath.FromSlash(e.Dir())),
		Env:       g.testEnv(),
		Expose:    g.exposed(e),
		Limits:    g.opt.limits,
		StartLine: "-test.shuffle " + nonce,
		StartTime: min(startTime, limitsOf(g.opt.limits).Time),
	}
	end := g.stats.begin(running)
	res, err := g.box.Run(ctx, cmd)
	end()
	if err != nil {
		return TestResult{Name: name, Status: Error, Message: "the grader could not run the test: " + err.Error()}, true
	}
	status, msg := judge(name, nonce, res, limitsOf(cmd.Limits))
	return TestResult{Name: name, Status: status, Message: msg, Seconds: round2(res.Elapsed.Seconds())}, !res.NotStarted
}

// exposed lists what a test process of e may read besides its binary: e's folder of the
// pristine tree (its working folder), go.mod and go.sum. Nothing else of the tree is needed at
// run time, and nothing else is shown: not the solutions, nor a report or submission that a
// teacher keeps in the tree.
func (g *grader) exposed(e manifest.Exercise) []string {
	return []string{
		filepath.Join(g.root, filepath.FromSlash(e.Dir())),
		filepath.Join(g.root, "go.mod"),
		filepath.Join(g.root, "go.sum"),
	}
}

// limitsOf fills in the defaults the sandbox used, for messages.
func limitsOf(l sandbox.Limits) sandbox.Limits {
	if l.Time <= 0 {
		l.Time = sandbox.DefaultTime
	}
	if l.Output <= 0 {
		l.Output = sandbox.DefaultOutput
	}
	if l.Memory == 0 {
		l.Memory = sandbox.DefaultMemory
	}
	return l
}

// testEnv is the whole environment of a test process: nothing of the grader's own (tokens,
// paths) reaches learner code, except the kata's own knobs.
func (g *grader) testEnv() []string {
	env := []string{
		"PATH=/usr/local/bin:/usr/bin:/bin",
		"LANG=C.UTF-8",
		"GORACE=atexit_sleep_ms=0",
	}
	for _, k := range []string{"KATA_WATCHDOG", "KATA_SEED"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, g.opt.env...)
}

// newNonce returns a fresh random seed for -test.shuffle: testing prints it, after every init
// function has run, as "-test.shuffle N".
func newNonce() string {
	var b [8]byte
	rand.Read(b[:])
	return strconv.FormatInt(int64(ebinary.LittleEndian.Uint64(b[:])>>1), 10)
}
