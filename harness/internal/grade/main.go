package grade

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/kata-go/concurrency/harness/internal/grade/sandbox"
)

const usage = `usage: kata grade (--submission DIR | --class DIR) [flags]
       kata grade merge [--out DIR] [--format LIST] REPORT...

Grades learners' work with the pristine tests: only the learner files named in
exercises/manifest.toml are taken from a submission; everything else comes from
the tests folder. An exercise's tests run together in one sandboxed process with
its own limits; when any of them does not pass, each runs again alone, and that
run decides.

  --submission DIR   grade one submission (a learner's copy of the repository)
  --class DIR        grade every submission folder inside DIR; writes a CSV
                     gradebook and an HTML report into --out
  --shard K/N        with --class: grade only the K-th of N shards of the class
                     (the students whose place in the class, sorted by name and
                     counted from 0, leaves K-1 divided by N) and write only
                     --out/shard-K-of-N.json; merge the N shards' reports
  --student NAME     with --submission: the student's name in the report (a
                     merge needs one; grade.yml gives the repository, / as -)
  --tests DIR        the pristine tree the tests come from (default: this repository)
  --format LIST      text (default), json, junit, markdown, gradescope, autograding;
                     several, comma-separated, write one file each into --out
  --out PATH         a file for one format (default: standard output), else a folder
                     (default: kata-report); never inside the tests folder or --class
  --exercises LIST   grade only these exercises (comma-separated names or numbers)
  --test-timeout D   time limit of one test's process (default 20s)
  --memory MIB       data memory limit of one test's process, in MiB (default 2048)
  --max-output KIB   output limit of one test's process, in KiB (default 1024)
  --jobs N           submissions built at once, with twice as many exercises'
                     tests running (default: the number of CPUs)
  --sandbox MODE     auto (default: bubblewrap when it works), require, off
  --quiet            no progress bar

kata grade merge reads JSON reports (shard-K-of-N.json of --shard, class.json,
or one submission's report.json from grade.yml with its --student) and writes
into --out (default: kata-report) the files --class writes for the same
students: gradebook.csv, class.html, class.json and students/NAME/ in the
--format list (default text). It refuses reports graded by another version of
the tests or of the grader, with other --exercises, or that grade one student
twice. A report file that is missing or cannot be read, and a shard of which no
report is given, becomes a row of the gradebook, and merge exits 2.
Merge only reports that you graded: a learner controls their repository's
workflow, so a report uploaded from it can be forged. The workflow
.github/workflows/grade-class.yml grades a roster of repositories in shards on
GitHub Actions and merges them (README.md, "For teachers").

Exit status: 0 every submission earned every point, 1 some points were not
earned, 2 usage error or grading was not possible (or a merge missed a report).
`

// format is a report format: its name for --format, the file it is written to when several
// are asked for (or per student in a class), and its writer.
type format struct {
	name, file string
	write      func(io.Writer, *Report) error
}

var formats = []format{
	{"text", "report.txt", writeText},
	{"json", "report.json", writeJSON},
	{"junit", "junit.xml", writeJUnit},
	{"markdown", "report.md", writeMarkdown},
	{"gradescope", "results.json", writeGradescope},
	{"autograding", "autograding.json", writeAutograding},
}

// parseFormats reads --format: the indexes in formats of the names listed, each once.
func parseFormats(list string) ([]int, error) {
	var chosen []int
	for _, name := range strings.Split(list, ",") {
		i, ok := formatNamed(strings.TrimSpace(name))
		if !ok {
			return nil, fmt.Errorf("unknown format %q (text, json, junit, markdown, gradescope, autograding)", name)
		}
		if !slices.Contains(chosen, i) {
			chosen = append(chosen, i)
		}
	}
	return chosen, nil
}

func formatNamed(name string) (i int, ok bool) {
	i = slices.IndexFunc(formats, func(f format) bool { return f.name == name })
	return i, i >= 0
}

// Main runs `kata grade` with args (everything after "grade"), in the repository at root.
// It returns the exit status described in the package doc.
//
// SIGTERM, like an interrupt, stops the grading: every test process is killed and the work
// folder removed before Main returns.
func Main(ctx context.Context, root string, args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, root, args, stdout, stderr, nil)
}

// run is Main with options the grader's own tests can change after the flags are read.
func run(ctx context.Context, root string, args []string, stdout, stderr io.Writer, tweak func(*options)) int {
	if len(args) > 0 && args[0] == "merge" {
		return merge(root, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("kata grade", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		submissionDir = fs.String("submission", "", "")
		classDir      = fs.String("class", "", "")
		tests         = fs.String("tests", root, "")
		formatList    = fs.String("format", "text", "")
		out           = fs.String("out", "", "")
		exercises     = fs.String("exercises", "", "")
		testTimeout   = fs.Duration("test-timeout", sandbox.DefaultTime, "")
		memory        = fs.Uint64("memory", sandbox.DefaultMemory>>20, "")
		maxOutput     = fs.Int("max-output", sandbox.DefaultOutput>>10, "")
		jobs          = fs.Int("jobs", runtime.NumCPU(), "")
		sandboxMode   = fs.String("sandbox", string(sandbox.Auto), "")
		quiet         = fs.Bool("quiet", false, "")
		shardSpec     = fs.String("shard", "", "")
		student       = fs.String("student", "", "")
	)
	fail := usageError(stderr, fs.Name())
	if code, done := parseFlags(fs, args, stdout, fail); done {
		return code
	}
	switch {
	case fs.NArg() > 0:
		return fail("unexpected argument %q", fs.Arg(0))
	case (*submissionDir == "") == (*classDir == ""):
		return fail("give exactly one of --submission DIR and --class DIR")
	case *testTimeout <= 0 || *memory < 256 || *maxOutput <= 0 || *jobs <= 0:
		return fail("--test-timeout, --jobs and --max-output must be positive, and --memory at least 256 (MiB)")
	case *shardSpec != "" && *classDir == "":
		return fail("--shard divides a class: give it with --class DIR")
	case *student != "" && *submissionDir == "":
		return fail("--student names one submission: give it with --submission DIR (in a class, each folder's name is its student)")
	}
	var sh shard
	if *shardSpec != "" {
		var err error
		if sh, err = parseShard(*shardSpec); err != nil {
			return fail("%v", err)
		}
		if flagSet(fs, "format") {
			return fail("--shard writes only the shard's JSON report: give --format to kata grade merge")
		}
	}
	if *student != "" {
		if err := checkStudent(*student); err != nil {
			return fail("--student: %v", err)
		}
	}
	chosen, err := parseFormats(*formatList)
	if err != nil {
		return fail("%v", err)
	}
	want := sandbox.Want(*sandboxMode)
	if !slices.Contains([]sandbox.Want{sandbox.Auto, sandbox.Require, sandbox.Off}, want) {
		return fail("--sandbox must be auto, require or off, not %q", *sandboxMode)
	}
	opt := options{
		tests:   *tests,
		limits:  sandbox.Limits{Time: *testTimeout, Memory: *memory << 20, Output: *maxOutput << 10},
		jobs:    *jobs,
		sandbox: want,
	}
	if *exercises != "" {
		for _, e := range strings.Split(*exercises, ",") {
			opt.exercises = append(opt.exercises, strings.TrimSpace(e))
		}
	}
	if tweak != nil {
		tweak(&opt)
	}
	if *out == "" && (*classDir != "" || len(chosen) > 1) {
		*out = "kata-report" // a folder of reports
	}
	if msg := checkOut(*out, opt.tests, *classDir); msg != "" {
		return fail("%s", msg)
	}
	g, err := newGrader(opt)
	if err != nil {
		fmt.Fprintf(stderr, "kata grade: %v\n", err)
		return 2
	}
	defer g.Close()
	if note := g.box.Note(); note != "" {
		fmt.Fprintf(stderr, "kata grade: %s\n", note)
	}
	v, err := versionsOf(g.root)
	if err != nil {
		fmt.Fprintf(stderr, "kata grade: %v\n", err)
		return 2
	}
	if *submissionDir != "" {
		return g.one(ctx, *submissionDir, *student, v, chosen, *out, stdout, stderr)
	}
	return g.class(ctx, *classDir, sh, v, chosen, *out, *quiet, stdout, stderr)
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// checkOut refuses an --out that learner code could read, or that a later run would grade:
// inside the pristine tree (tests), or inside the class folder (class) or equal to it. It
// returns the reason, or "" when out is fine.
func checkOut(out, tests, class string) string {
	if out == "" || out == "-" {
		return ""
	}
	if within(out, tests) {
		return fmt.Sprintf("--out %s is inside the tests folder %s, where graded code could read it: write the reports outside the repository (--out ../kata-report)", out, tests)
	}
	if class != "" && within(out, class) {
		return fmt.Sprintf("--out %s is inside the class folder %s, where the next run would grade it as a student: write the reports beside it (--out ../kata-report)", out, class)
	}
	return ""
}

// within reports whether the path p is dir or inside it, once both are absolute and their
// existing parts have no symbolic links.
func within(p, dir string) bool {
	p, dir = resolved(p), resolved(dir)
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// resolved is the absolute form of p with symbolic links resolved in the longest part of it
// that exists.
func resolved(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	var rest []string
	for cur := abs; ; cur = filepath.Dir(cur) {
		if real, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(append([]string{real}, rest...)...)
		}
		if filepath.Dir(cur) == cur {
			return abs
		}
		rest = append([]string{filepath.Base(cur)}, rest...)
	}
}

// isDir reports whether p is a folder.
func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// one grades the submission at dir, as the student named (or none), and writes the chosen
// formats.
func (g *grader) one(ctx context.Context, dir, student string, v versions, chosen []int, out string, stdout, stderr io.Writer) int {
	abs, err := filepath.Abs(dir)
	if err != nil || !isDir(abs) {
		fmt.Fprintf(stderr, "kata grade: the submission %s is not a folder\n", dir)
		return 2
	}
	if same(abs, g.root) {
		fmt.Fprintf(stderr, "kata grade: note: the submission is the tests folder itself, so its own test files are the ones used; grade a copy with --tests pointing at a pristine clone for a grade that counts.\n")
	}
	r := g.grade(ctx, []submission{{dir: abs, student: student}}, nil)[0]
	v.stamp([]*Report{r})
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "kata grade: interrupted\n")
		return 2
	}
	if err := writeReport(r, chosen, out, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "kata grade: %v\n", err)
		return 2
	}
	return exitCode([]*Report{r})
}

func same(a, b string) bool {
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

func exitCode(rs []*Report) int {
	code := 0
	for _, r := range rs {
		if !r.Complete() {
			return 2
		}
		if !r.Full() {
			code = 1
		}
	}
	return code
}

// writeReport writes r in each chosen format: one format to out (a file, or stdout when out is
// empty or "-"); several into the folder out (default kata-report), with the text report also
// on stdout. A Markdown report is also appended to $GITHUB_STEP_SUMMARY, and an autograding
// result is set as the step output "result" in $GITHUB_OUTPUT, when those are set.
func writeReport(r *Report, chosen []int, out string, stdout, stderr io.Writer) error {
	if len(chosen) == 1 {
		f := formats[chosen[0]]
		if out == "" || out == "-" {
			if err := f.write(stdout, r); err != nil {
				return err
			}
		} else if err := writeFile(out, r, f.write); err != nil {
			return err
		}
	} else {
		if out == "" {
			out = "kata-report"
		}
		var written []string
		for _, i := range chosen {
			p := filepath.Join(out, formats[i].file)
			if err := writeFile(p, r, formats[i].write); err != nil {
				return err
			}
			written = append(written, p)
		}
		if err := writeText(stdout, r); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "kata grade: wrote %s\n", strings.Join(written, ", "))
	}
	return githubOutputs(r, chosen)
}

func writeFile(p string, r *Report, write func(io.Writer, *Report) error) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	if err := write(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func githubOutputs(r *Report, chosen []int) error {
	has := func(name string) bool {
		i, _ := formatNamed(name)
		return slices.Contains(chosen, i)
	}
	if p := os.Getenv("GITHUB_STEP_SUMMARY"); p != "" && has("markdown") {
		if err := appendTo(p, func(w io.Writer) error { return writeMarkdown(w, r) }); err != nil {
			return fmt.Errorf("GITHUB_STEP_SUMMARY: %w", err)
		}
	}
	if p := os.Getenv("GITHUB_OUTPUT"); p != "" && has("autograding") {
		var b strings.Builder
		if err := writeAutograding(&b, r); err != nil {
			return err
		}
		line := "result=" + base64.StdEncoding.EncodeToString([]byte(b.String())) + "\n"
		if err := appendTo(p, func(w io.Writer) error { _, err := io.WriteString(w, line); return err }); err != nil {
			return fmt.Errorf("GITHUB_OUTPUT: %w", err)
		}
	}
	return nil
}

// since formats a duration for people: "2.4s", "3m05s".
func since(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}

// usageError returns a function that prints a usage error of the command name, with the usage,
// to stderr, and returns the exit status of one (2).
func usageError(stderr io.Writer, name string) func(format string, a ...any) int {
	return func(format string, a ...any) int {
		fmt.Fprintf(stderr, name+": "+format+"\n\n%s", append(a, usage)...)
		return 2
	}
}

// parseFlags parses args into fs. done says the command has nothing more to do: help was asked
// for (the usage is printed, code 0) or the flags are wrong (fail reports it).
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer, fail func(format string, a ...any) int) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
		return 0, true
	}
	return fail("%v", err), true
}
