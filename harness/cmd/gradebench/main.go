// Command gradebench measures the grader at classroom scale (maintainers): it writes a class of
// N made-up submissions (package classgen: reference solutions, alternates, mutants and stubs,
// every learner file distinct), grades it as `kata grade --class` does, and, in the same run,
// times the floor: plain `go test -race -count=1 ./exercises/...` in each submission's folder,
// one folder after another. It prints each phase of the grading, the time per submission, the
// ratio to the floor, the CPU time and the peak memory of both, and checks every score against
// what the submission holds (a correct one earns every point, one with a bug loses some, a stub
// earns none).
//
//	go run ./harness/cmd/gradebench -n 30 -seed 1
//
// Run it from inside the repository. Flags:
//
//	-n N            submissions (default 30)
//	-seed S         the class's seed (default 1): the same seed writes the same class
//	-mix C,B,S      shares of correct, one-bug and stub submissions (default 0.6,0.25,0.15)
//	-exercises L    only these exercises (comma-separated names or numbers)
//	-jobs N         --jobs of the grader (default: the number of CPUs)
//	-sandbox MODE   auto (default), require or off
//	-floor=false    skip the floor
//	-keep           keep the class and the reports (their folder is printed)
//
// Exit status: 0 measured, every score as expected; 1 a score was not; 2 could not measure.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/kata-go/concurrency/harness/internal/grade"
	"github.com/kata-go/concurrency/harness/internal/grade/classgen"
	"github.com/kata-go/concurrency/harness/internal/grade/sandbox"
	"github.com/kata-go/concurrency/harness/internal/manifest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if spec, ok := os.LookupEnv(childEnv); ok {
		os.Exit(child(ctx, spec, os.Stdout, os.Stderr))
	}
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// config is what the flags ask for.
type config struct {
	n         int
	seed      uint64
	mix       classgen.Mix
	exercises []string
	jobs      int
	sandbox   sandbox.Want
	floor     bool
	keep      bool
}

func parse(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("gradebench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := config{}
	fs.IntVar(&c.n, "n", 30, "submissions")
	fs.Uint64Var(&c.seed, "seed", 1, "the class's seed")
	mix := fs.String("mix", "0.6,0.25,0.15", "shares of correct, one-bug and stub submissions")
	exercises := fs.String("exercises", "", "only these exercises (comma-separated)")
	fs.IntVar(&c.jobs, "jobs", runtime.NumCPU(), "--jobs of the grader")
	want := fs.String("sandbox", string(sandbox.Auto), "auto, require or off")
	fs.BoolVar(&c.floor, "floor", true, "time plain go test -race in each folder too")
	fs.BoolVar(&c.keep, "keep", false, "keep the class and the reports")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.n <= 0 || c.jobs <= 0 {
		return c, errors.New("-n and -jobs must be positive")
	}
	shares := strings.Split(*mix, ",")
	if len(shares) != 3 {
		return c, fmt.Errorf("-mix %q: want three shares, correct,one-bug,stub", *mix)
	}
	var vals [3]float64
	for i, s := range shares {
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || v < 0 {
			return c, fmt.Errorf("-mix %q: %q is not a share", *mix, s)
		}
		vals[i] = v
	}
	c.mix = classgen.Mix{Correct: vals[0], OneBug: vals[1], Stub: vals[2]}
	if *exercises != "" {
		for _, e := range strings.Split(*exercises, ",") {
			c.exercises = append(c.exercises, strings.TrimSpace(e))
		}
	}
	c.sandbox = sandbox.Want(*want)
	return c, nil
}

// run is the command: it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parse(args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "gradebench: %v\n", err)
		return 2
	}
	root, err := manifest.FindRoot(".")
	if err != nil {
		fmt.Fprintf(stderr, "gradebench: %v\n", err)
		return 2
	}
	work, err := os.MkdirTemp("", "kata-gradebench-*")
	if err != nil {
		fmt.Fprintf(stderr, "gradebench: %v\n", err)
		return 2
	}
	if c.keep {
		fmt.Fprintf(stderr, "gradebench: the class and the reports stay in %s\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	code, err := measure(ctx, c, root, work, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "gradebench: %v\n", err)
		return 2
	}
	return code
}

// measure writes the class into work, grades it, times the floor and prints the figures.
func measure(ctx context.Context, c config, root, work string, w io.Writer) (int, error) {
	class := filepath.Join(work, "class")
	subs, err := classgen.Generate(class, classgen.Options{Root: root, N: c.n, Seed: c.seed, Mix: c.mix, Exercises: c.exercises})
	if err != nil {
		return 2, err
	}
	count := map[classgen.Kind]int{}
	for _, s := range subs {
		count[s.Kind]++
	}
	fmt.Fprintf(w, "class: %d submissions (%d correct, %d with one bug, %d stubs), seed %d, in %s\n",
		len(subs), count[classgen.Correct], count[classgen.OneBug], count[classgen.Stub], c.seed, class)

	g, err := gradeChild(ctx, childSpec{Tests: root, Class: class, Out: filepath.Join(work, "reports"), Exercises: c.exercises, Jobs: c.jobs, Sandbox: c.sandbox})
	if err != nil {
		return 2, err
	}
	n := float64(len(subs))
	fmt.Fprintf(w, "grade: %s in all, %s per submission (sandbox: %s, --jobs %d)\n", secs(g.Total), secs(g.Total/time.Duration(len(subs))), g.Sandbox, c.jobs)
	fmt.Fprintf(w, "  build   %s busy, %d go commands, %s in all\n", secs(g.Build.Busy), g.Build.Count, secs(g.Build.Sum))
	fmt.Fprintf(w, "  run     %s busy, %d test processes, %s in all\n", secs(g.Run.Busy), g.Run.Count, secs(g.Run.Sum))
	fmt.Fprintf(w, "  report  %s\n", secs(g.Report))
	fmt.Fprintf(w, "  beyond the builds: %s per submission (total minus build busy)\n", secs(time.Duration(float64(g.Total-g.Build.Busy)/n)))
	fmt.Fprintf(w, "  CPU %s, peak memory %s (the grader and its children, sampled)\n", secs(g.Proc.CPU), mib(g.Proc.Peak))

	if c.floor {
		f, err := floor(ctx, class, subs, c.exercises)
		if err != nil {
			return 2, err
		}
		fmt.Fprintf(w, "floor: go test -race -count=1 %s in each folder: %s in all, %s per submission\n", strings.Join(packages(c.exercises), " "), secs(f.Wall), secs(f.Wall/time.Duration(len(subs))))
		fmt.Fprintf(w, "  CPU %s, peak memory %s\n", secs(f.CPU), mib(f.Peak))
		fmt.Fprintf(w, "ratio: %.2f of the floor\n", g.Total.Seconds()/f.Wall.Seconds())
	}
	bad := checkScores(subs, g.Reports)
	for _, b := range bad {
		fmt.Fprintf(w, "unexpected score: %s\n", b)
	}
	if len(bad) > 0 {
		return 1, nil
	}
	fmt.Fprintf(w, "scores: as expected (every correct submission full marks, every bug loses points, every stub 0)\n")
	return 0, nil
}

// checkScores compares each report with what its submission holds.
func checkScores(subs []classgen.Submission, reports []*grade.Report) []string {
	byName := map[string]*grade.Report{}
	for _, r := range reports {
		byName[r.Student] = r
	}
	var bad []string
	for _, s := range subs {
		r, ok := byName[s.Name]
		switch {
		case !ok:
			bad = append(bad, s.Name+": no report")
		case s.Kind == classgen.Correct && r.Score != r.MaxScore:
			bad = append(bad, fmt.Sprintf("%s (correct: %s) scored %g of %g", s.Name, variants(s), r.Score, r.MaxScore))
		case s.Kind == classgen.OneBug && r.Score >= r.MaxScore:
			bad = append(bad, fmt.Sprintf("%s (one bug: %s) scored full marks", s.Name, variants(s)))
		case s.Kind == classgen.Stub && r.Score != 0:
			bad = append(bad, fmt.Sprintf("%s (stub) scored %g", s.Name, r.Score))
		}
	}
	return bad
}

func variants(s classgen.Submission) string {
	var out []string
	for e, v := range s.Variants {
		if v != "solution" {
			out = append(out, e+"="+v)
		}
	}
	return strings.Join(out, " ")
}

// floorResult is how long plain go test took over the class.
type floorResult struct {
	Wall time.Duration
	proc
}

func packages(exercises []string) []string {
	if len(exercises) == 0 {
		return []string{"./exercises/..."}
	}
	var out []string
	for _, e := range exercises {
		out = append(out, "./exercises/"+e)
	}
	return out
}

// floor runs `go test -race -count=1 PACKAGES` in each submission's folder, one after another,
// with the caller's environment: what a teacher without the grader would run. -count=1 keeps
// a result cached by an earlier run from counting; the folders are new, so nothing else of
// them is cached either. Failing tests are expected (stubs, bugs).
func floor(ctx context.Context, class string, subs []classgen.Submission, exercises []string) (floorResult, error) {
	var f floorResult
	names, err := resolveExercises(class, subs, exercises)
	if err != nil {
		return f, err
	}
	start := time.Now()
	for _, s := range subs {
		cmd := exec.CommandContext(ctx, "go", append([]string{"test", "-race", "-count=1"}, names...)...)
		cmd.Dir = filepath.Join(class, s.Name)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		p, err := watch(cmd)
		if err != nil && ctx.Err() != nil {
			return f, ctx.Err()
		}
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			return f, fmt.Errorf("floor in %s: %w", s.Name, err)
		}
		f.CPU += p.CPU
		f.Peak = max(f.Peak, p.Peak)
	}
	f.Wall = time.Since(start)
	return f, nil
}

// resolveExercises turns names or numbers into the exercises' folder names, as the grader reads
// them.
func resolveExercises(class string, subs []classgen.Submission, exercises []string) ([]string, error) {
	if len(exercises) == 0 {
		return packages(nil), nil
	}
	m, err := manifest.Load(filepath.Join(class, subs[0].Name))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range exercises {
		x, err := m.Lookup(e)
		if err != nil {
			return nil, err
		}
		names = append(names, x.Name)
	}
	return packages(names), nil
}

// childEnv makes gradebench grade a class and print its timing as JSON, in a process of its
// own, so that its CPU time and memory are measured as the floor's are.
const childEnv = "KATA_GRADEBENCH_GRADE"

// childSpec is what the child grades.
type childSpec struct {
	Tests, Class, Out string
	Exercises         []string
	Jobs              int
	Sandbox           sandbox.Want
}

// childResult is what the child prints, and the parent adds what it measured of it.
type childResult struct {
	grade.Timing
	Sandbox string
	Reports []*grade.Report
	Proc    proc `json:"-"`
}

func gradeChild(ctx context.Context, spec childSpec) (*childResult, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), childEnv+"="+string(data))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	p, err := watch(cmd)
	if err != nil {
		return nil, fmt.Errorf("grading the class: %w\n%s", err, stderr.String())
	}
	var r childResult
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		return nil, fmt.Errorf("grading the class: %w\n%s", err, stderr.String())
	}
	r.Proc = p
	return &r, nil
}

// child grades the class that spec (JSON) names and prints a childResult.
func child(ctx context.Context, spec string, stdout, stderr io.Writer) int {
	var s childSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		fmt.Fprintf(stderr, "gradebench: %v\n", err)
		return 2
	}
	reports, tm, err := grade.MeasureClass(ctx, grade.MeasureOptions{Tests: s.Tests, Class: s.Class, Out: s.Out, Exercises: s.Exercises, Sandbox: s.Sandbox, Jobs: s.Jobs})
	if err != nil {
		fmt.Fprintf(stderr, "gradebench: %v\n", err)
		return 2
	}
	if err := json.NewEncoder(stdout).Encode(childResult{Timing: tm, Sandbox: reports[0].Sandbox, Reports: reports}); err != nil {
		fmt.Fprintf(stderr, "gradebench: %v\n", err)
		return 2
	}
	return 0
}

func secs(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return fmt.Sprintf("%dm%04.1fs", int(d.Minutes()), d.Seconds()-60*float64(int(d.Minutes())))
}

func mib(b int64) string {
	if b <= 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}
