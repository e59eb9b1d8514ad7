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

	expected onceEach[expectedTests] // by exercise
	stubs    onceEach[[]TestResult]  // by exercise: the results of its pristine binary

	stats *phases // nil unless measured (MeasureClass)
}

type expectedTests struct {
	names []string
	err   error
}

// onceEach computes a value once per name, however many goroutines ask for it at once.
type onceEach[T any] struct {
	mu sync.Mutex
	m  map[string]func() T
}

// get returns the value of name, which the first call for name computes with compute.
func (o *onceEach[T]) get(name string, compute func() T) T {
	o.mu.Lock()
	f, ok := o.m[name]
	if !ok {
		if o.m == nil {
			o.m = map[string]func() T{}
		}
		f = sync.OnceValue(compute)
		o.m[name] = f
	}
	o.mu.Unlock()
	return f()
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
		bins: bins,
	}, nil
}

// Close removes the session's folder (with its copy of the build cache) and trims the
// grader's build cache and its kept test binaries.
func (g *grader) Close() error {
	return errors.Join(os.RemoveAll(g.work), trimCache(g.opt.cache), trimKept(g.opt.cache))
}

// submission is one folder to grade.
type submission struct {
	dir     string
	student string
}

// graded is one exercise (ex) of one submission (sub): its result so far, and the test binary
// its tests run from (nil when nothing is to run).
type graded struct {
	sub, ex  int
	res      ExerciseResult
	expected []string
	bin      *binary
}

// grade grades every submission and returns their reports, in order. It works as a pipeline:
// jobs builders each take the next submission, check its learner files and compile the test
// binaries of all its exercises in one go command; runJobs runners take the exercises as their
// binaries are ready and run their tests. Test processes mostly wait (timers, sockets), so
// more of them run at once than there are CPUs, while the builds, which do not wait, keep to
// jobs. done is called, from one goroutine at a time, as each submission is finished.
func (g *grader) grade(ctx context.Context, subs []submission, done func(r *Report)) []*Report {
	reports := make([]*Report, len(subs))
	left := make([]int, len(subs))
	starts := make([]time.Time, len(subs))
	for i, s := range subs {
		reports[i] = &Report{
			Student: s.student, Submission: s.dir, Sandbox: string(g.box.Kind()), SandboxNote: g.box.Note(),
			Exercises: make([]ExerciseResult, len(g.exercises)), IgnoredFiles: []string{},
		}
		left[i] = len(g.exercises)
	}
	g.prepare(ctx)

	var mu sync.Mutex
	finish := func(x *graded) {
		x.res.score(g.exercises[x.ex].Points)
		mu.Lock()
		defer mu.Unlock()
		r := reports[x.sub]
		r.Exercises[x.ex] = x.res
		left[x.sub]--
		if left[x.sub] == 0 {
			r.total()
			r.GradedAt = time.Now().UTC().Truncate(time.Second)
			r.Seconds = round2(time.Since(starts[x.sub]).Seconds())
			if done != nil {
				done(r)
			}
		}
	}

	next := make(chan int)
	go func() {
		defer close(next)
		for si := range subs {
			select {
			case next <- si:
			case <-ctx.Done():
				return
			}
		}
	}()
	toRun := make(chan *graded)
	var builders, runners sync.WaitGroup
	for range max(1, g.opt.jobs) {
		builders.Go(func() {
			for si := range next {
				ignored := ignoredElsewhere(g.root, subs[si].dir)
				if ignored == nil {
					ignored = []string{}
				}
				mu.Lock()
				starts[si] = time.Now()
				reports[si].IgnoredFiles = ignored
				mu.Unlock()
				for _, x := range g.build(ctx, si, subs[si].dir) {
					if x.bin == nil {
						finish(x)
						continue
					}
					toRun <- x
				}
			}
		})
	}
	for range g.runJobs() {
		runners.Go(func() {
			for x := range toRun {
				x.res.Tests = g.testsOf(ctx, x)
				g.bins.release(x.bin)
				finish(x)
			}
		})
	}
	builders.Wait()
	close(toRun)
	runners.Wait()
	return reports
}

// runJobs is how many exercises' tests run at once: twice --jobs, as test processes mostly
// wait on timers and sockets (verification runs its test binaries the same way).
func (g *grader) runJobs() int { return 2 * max(1, g.opt.jobs) }

// prepare builds the pristine test binaries of every exercise, in one go command, and lists
// their tests, before any learner file is compiled: the learner builds then start from a cache
// that holds everything but the learner files. Failures are kept and reported per exercise.
func (g *grader) prepare(ctx context.Context) {
	var reqs []request
	for _, e := range g.exercises {
		files, err := g.pristineFiles(e)
		if err == nil {
			reqs = append(reqs, request{e: e, files: files})
		}
	}
	for _, bin := range g.bins.getAll(ctx, reqs, true) {
		g.bins.release(bin) // pinned: it stays
	}
	var wg sync.WaitGroup
	for _, e := range g.exercises {
		wg.Go(func() { g.expectedTests(ctx, e) })
	}
	wg.Wait()
}

// build checks the learner files of every exercise of the submission at dir (submission si)
// and compiles the test binaries of those that pass the checks, all in one go command. An
// exercise whose files are missing, refused or do not compile comes back finished (bin nil).
func (g *grader) build(ctx context.Context, si int, dir string) []*graded {
	out := make([]*graded, len(g.exercises))
	var reqs []request
	var wanting []*graded
	for ei, e := range g.exercises {
		x := &graded{sub: si, ex: ei}
		out[ei] = x
		files, ok := g.check(ctx, dir, e, x)
		if ok {
			reqs = append(reqs, request{e: e, files: files})
			wanting = append(wanting, x)
		}
	}
	for i, bin := range g.bins.getAll(ctx, reqs, false) {
		x := wanting[i]
		switch {
		case bin.err != nil:
			x.res.Status, x.res.Message = NotGraded, "the grader could not compile the tests: "+bin.err.Error()
			x.notRun("not run: " + x.res.Message)
		case bin.compileErr != "":
			x.res.Status, x.res.Message = CompileError, "does not compile:\n"+capMessage("", bin.compileErr)
			x.notRun("not run: the exercise does not compile")
		default:
			x.bin = bin
			continue
		}
		g.bins.release(bin)
	}
	return out
}

// notRun gives every expected test of x the status Error with the message why.
func (x *graded) notRun(why string) {
	x.res.Tests = make([]TestResult, len(x.expected))
	for i, name := range x.expected {
		x.res.Tests[i] = TestResult{Name: name, Status: Error, Message: why}
	}
}

// check reads exercise e's learner files from the submission at dir and checks them against the
// policy, filling in x. ok is false when x is finished: the files are missing or refused, or
// the exercise's tests cannot be listed.
func (g *grader) check(ctx context.Context, dir string, e manifest.Exercise, x *graded) (files map[string][]byte, ok bool) {
	x.res = ExerciseResult{Name: e.Name, Status: Graded, IgnoredFiles: ignoredInExercise(g.root, dir, e), PolicyViolations: []string{}}
	if x.res.IgnoredFiles == nil {
		x.res.IgnoredFiles = []string{}
	}
	res := &x.res
	expected, err := g.expectedTests(ctx, e)
	if err != nil {
		res.Status, res.Message = NotGraded, "the grader could not list this exercise's tests: "+err.Error()
		return nil, false
	}
	x.expected = expected

	files = map[string][]byte{}
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
			x.notRun("not run: " + res.Message)
			return nil, false
		}
		files[name] = data
	}
	if g.opt.noPolicy {
		return files, true
	}
	for _, name := range e.Files {
		vs, err := policy.Check(name, files[name], e.Imports)
		if err != nil {
			res.Status, res.Message = NotGraded, err.Error()
			x.notRun("not run: " + err.Error())
			return nil, false
		}
		for _, v := range vs {
			res.PolicyViolations = append(res.PolicyViolations, v.String())
		}
	}
	if n := len(res.PolicyViolations); n > 0 {
		res.Status = Refused
		res.Message = fmt.Sprintf("%s breaks the grading policy (%d %s), so nothing of it was compiled or run", strings.Join(e.Files, ", "), n, plural(n, "problem", "problems"))
		x.notRun("not run: the file breaks the grading policy")
		return nil, false
	}
	return files, true
}

// testsOf runs the expected tests of x from its binary. Those of a pristine binary (learner
// files left as the stubs) run once per session: nothing of a submission is in that binary, nor
// in how its tests run, so every submission that left the stubs gets the same results.
func (g *grader) testsOf(ctx context.Context, x *graded) []TestResult {
	e := g.exercises[x.ex]
	if !g.bins.pristine(x.bin) {
		return g.runTests(ctx, x.bin.path, e, x.expected)
	}
	return slices.Clone(g.stubs.get(e.Name, func() []TestResult {
		return g.runTests(ctx, x.bin.path, e, x.expected)
	}))
}

// runTests runs the expected tests of e from the test binary bin. All of them run first in one
// process; when that process shows every one of them passed (passedTogether), that is their
// result. Otherwise each runs again in a process of its own, and those runs alone decide.
func (g *grader) runTests(ctx context.Context, bin string, e manifest.Exercise, expected []string) []TestResult {
	if len(expected) > 1 {
		if results, decided := g.runTogether(ctx, bin, e, expected); decided {
			return results
		}
	}
	var results []TestResult
	for i, name := range expected {
		tr, started := g.runTest(ctx, bin, e, name)
		results = append(results, tr)
		if !started {
			results = append(results, notStarted(expected[i+1:], tr)...)
			break
		}
	}
	return results
}

// notStarted are the results of the tests names when a test binary did not start testing (tr
// is the result of the test that found it): every test of the binary would wait as long, as
// the package never initializes.
func notStarted(names []string, tr TestResult) []TestResult {
	var out []TestResult
	for _, name := range names {
		out = append(out, TestResult{Name: name, Status: Error, Message: "not run: " + firstLine(tr.Message)})
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// expectedTests lists e's top-level tests from its pristine test binary, once per session.
func (g *grader) expectedTests(ctx context.Context, e manifest.Exercise) ([]string, error) {
	x := g.expected.get(e.Name, func() expectedTests {
		files, err := g.pristineFiles(e)
		if err != nil {
			return expectedTests{err: err}
		}
		bin := g.bins.get(ctx, e, files, true)
		switch {
		case bin.err != nil:
			return expectedTests{err: bin.err}
		case bin.compileErr != "":
			return expectedTests{err: fmt.Errorf("the pristine tests do not compile:\n%s", bin.compileErr)}
		}
		names, err := listTests(ctx, bin.path, filepath.Join(g.root, filepath.FromSlash(e.Dir())))
		return expectedTests{names, err}
	})
	return x.names, x.err
}

// pristineFiles reads e's learner files from the pristine tree: the stubs.
func (g *grader) pristineFiles(e manifest.Exercise) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, name := range e.Files {
		data, err := os.ReadFile(filepath.Join(g.root, filepath.FromSlash(e.Dir()), name))
		if err != nil {
			return nil, err
		}
		files[name] = data
	}
	return files, nil
}

// startTime is how long a test binary may take to initialize its packages and start testing
// (at most its time limit). A race test binary starts in a tenth of a second when the machine is
// idle; the margin is for a machine that is not.
const startTime = 10 * time.Second

// runTest runs one expected test in its own process, in the sandbox, and judges it. started
// is false when the binary did not start testing within startTime.
func (g *grader) runTest(ctx context.Context, bin string, e manifest.Exercise, name string) (tr TestResult, started bool) {
	nonce := newNonce()
	cmd := g.testCommand(bin, e, nonce, "^"+regexp.QuoteMeta(name)+"$")
	end := g.stats.begin(running)
	res, err := g.box.Run(ctx, cmd)
	end()
	if err != nil {
		return TestResult{Name: name, Status: Error, Message: "the grader could not run the test: " + err.Error()}, true
	}
	status, msg := judge(name, nonce, res, cmd.Limits.WithDefaults())
	return TestResult{Name: name, Status: status, Message: msg, Seconds: round2(res.Elapsed.Seconds())}, !res.NotStarted
}

// runTogether runs every expected test of e in one process,
//
//	BIN -test.run=^(TestA|TestB|...)$ -test.v=test2json -test.count=1 -test.shuffle=NONCE -test.paniconexit0 -test.failfast
//
// within the limits of one test. decided is true when that settles the results: every test
// passed (passedTogether), or the binary did not start testing (then no test can run). Any
// other outcome, a failure, a crash, a limit, anything unexpected in the transcript, decides
// nothing: the caller runs each test alone.
func (g *grader) runTogether(ctx context.Context, bin string, e manifest.Exercise, expected []string) (results []TestResult, decided bool) {
	quoted := make([]string, len(expected))
	for i, name := range expected {
		quoted[i] = regexp.QuoteMeta(name)
	}
	nonce := newNonce()
	cmd := g.testCommand(bin, e, nonce, "^("+strings.Join(quoted, "|")+")$")
	cmd.Args = append(cmd.Args, "-test.failfast")
	end := g.stats.begin(running)
	res, err := g.box.Run(ctx, cmd)
	end()
	switch {
	case err != nil:
		return nil, false
	case res.NotStarted:
		status, msg := judge(expected[0], nonce, res, cmd.Limits.WithDefaults())
		first := TestResult{Name: expected[0], Status: status, Message: msg, Seconds: round2(res.Elapsed.Seconds())}
		return append([]TestResult{first}, notStarted(expected[1:], first)...), true
	}
	for _, name := range expected {
		t := readTranscript(res.Stdout, name, nonce)
		if !t.passed(res) {
			return nil, false
		}
		results = append(results, TestResult{Name: name, Status: Pass, Seconds: passSeconds(res.Stdout, name)})
	}
	return results, true
}

// passSeconds is the time testing reported on the pass line of the test name ("--- PASS:
// TestX (0.12s)"), 0 when there is none.
func passSeconds(stdout []byte, name string) float64 {
	m := regexp.MustCompile(`(?m)^` + frame + `--- PASS: ` + regexp.QuoteMeta(name) + ` \(([0-9.]+)s\)`).FindSubmatch(stdout)
	if m == nil {
		return 0
	}
	secs, _ := strconv.ParseFloat(string(m[1]), 64)
	return secs
}

// testCommand is the sandboxed command that runs the tests of bin that run (a -test.run
// pattern) matches, with the nonce for -test.shuffle.
func (g *grader) testCommand(bin string, e manifest.Exercise, nonce, run string) sandbox.Command {
	return sandbox.Command{
		Path: bin,
		Args: []string{
			"-test.run=" + run,
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
		StartTime: min(startTime, g.opt.limits.WithDefaults().Time),
	}
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
