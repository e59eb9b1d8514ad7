package grade

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// class grades every submission folder inside dir (one per student, named after the student)
// with one build cache, shows a progress bar on stderr, and writes into out: gradebook.csv,
// class.html, class.json, and each student's report in every chosen format under
// students/STUDENT/. Files in dir that are not folders are skipped, with a line on stderr.
//
// With a shard (sh.n > 0) it grades only that shard's students and writes only the shard's
// JSON report, out/shard-K-of-N.json, which kata grade merge turns into the class's files.
func (g *grader) class(ctx context.Context, dir string, sh shard, v versions, chosen []int, out string, quiet bool, stdout, stderr io.Writer) int {
	subs, err := classFolders(dir, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "kata grade: %v\n", err)
		return 2
	}
	all := len(subs)
	if sh.n > 0 {
		subs = sh.pick(subs)
		fmt.Fprintf(stderr, "kata grade: shard %s: %d of the class's %d submissions\n", sh, len(subs), all)
	}
	var reports []*Report
	if len(subs) > 0 {
		fmt.Fprintf(stderr, "kata grade: grading %d submissions, %d exercises each, %d built at a time; sandbox: %s\n", len(subs), len(g.exercises), g.opt.jobs, g.box.Kind())
		bar := newProgress(stderr, len(subs), quiet)
		reports = g.grade(ctx, subs, bar.done)
		bar.finish()
	}
	if ctx.Err() != nil {
		fmt.Fprintf(stderr, "kata grade: interrupted\n")
		return 2
	}
	cr := v.classReport(reports)
	if sh.n > 0 {
		cr.Shard = sh.String()
		p := filepath.Join(out, sh.file())
		if err := writeClassJSON(p, cr); err != nil {
			fmt.Fprintf(stderr, "kata grade: %v\n", err)
			return 2
		}
		writeClassSummary(stdout, reports)
		fmt.Fprintf(stderr, "kata grade: wrote %s; kata grade merge makes the class's gradebook from every shard's report\n", p)
		return exitCode(reports)
	}
	if err := writeClass(cr, chosen, out); err != nil {
		fmt.Fprintf(stderr, "kata grade: %v\n", err)
		return 2
	}
	writeClassSummary(stdout, reports)
	fmt.Fprintf(stderr, "kata grade: wrote %s, %s and the students' reports in %s\n",
		filepath.Join(out, "gradebook.csv"), filepath.Join(out, "class.html"), filepath.Join(out, "students"))
	return exitCode(reports)
}

// classFolders lists the submission folders of the class folder dir, sorted by student (the
// folder's name, byte by byte). Hidden entries are left out; symbolic links and files are left
// out with a line on stderr.
func classFolders(dir string, stderr io.Writer) ([]submission, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("the class folder: %w", err)
	}
	var subs []submission
	for _, d := range entries {
		name := d.Name()
		switch {
		case strings.HasPrefix(name, "."):
		case d.Type()&os.ModeSymlink != 0:
			fmt.Fprintf(stderr, "kata grade: skipping %s: a symbolic link, not a submission folder\n", printable(name))
		case d.IsDir():
			abs, err := filepath.Abs(filepath.Join(dir, name))
			if err != nil {
				return nil, err
			}
			subs = append(subs, submission{dir: abs, student: name})
		default:
			fmt.Fprintf(stderr, "kata grade: skipping %s: a file, not a submission folder (unpack an archive into a folder of its own)\n", printable(name))
		}
	}
	if len(subs) == 0 {
		return nil, fmt.Errorf("no submission folders in %s (one folder per student, each a copy of the repository)", dir)
	}
	return subs, nil
}

// writeClass writes a class's files into out: each student's reports in the chosen formats
// under students/STUDENT/, gradebook.csv, class.json and class.html. A class graded in one run
// and the same class merged from its shards give the same files, byte for byte, except for the
// time class.html was generated.
func writeClass(cr *ClassReport, chosen []int, out string) error {
	if err := os.MkdirAll(filepath.Join(out, "students"), 0o755); err != nil {
		return err
	}
	// Each student's reports go into a folder of their own, named after the submission folder
	// (which the file system keeps unique), with the same file names as for one submission.
	for _, r := range cr.Reports {
		for _, i := range chosen {
			f := formats[i]
			if err := writeFile(filepath.Join(out, "students", r.Student, f.file), r, f.write); err != nil {
				return err
			}
		}
	}
	if err := writeAll(filepath.Join(out, "gradebook.csv"), func(w io.Writer) error { return writeGradebook(w, cr) }); err != nil {
		return err
	}
	if err := writeClassJSON(filepath.Join(out, "class.json"), cr); err != nil {
		return err
	}
	return writeAll(filepath.Join(out, "class.html"), func(w io.Writer) error { return writeClassHTML(w, cr) })
}

// writeClassJSON writes cr, indented, to the file p (making its folder).
func writeClassJSON(p string, cr *ClassReport) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return writeAll(p, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(cr)
	})
}

// writeAll writes the file p anew with write.
func writeAll(p string, write func(io.Writer) error) error {
	return writeTo(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, write)
}

// appendTo adds what write writes to the end of the file p, which it makes if need be.
func appendTo(p string, write func(io.Writer) error) error {
	return writeTo(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, write)
}

// writeTo opens the file p with flag and writes into it with write.
func writeTo(p string, flag int, write func(io.Writer) error) error {
	f, err := os.OpenFile(p, flag, 0o644)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeGradebook writes one row per student: name, score, max, percent, each exercise's
// score, and notes on what was not graded normally; then one row per notice of a merge, its
// problem in place of a name ("(missing report)"), no scores, and the file and what is wrong
// with it as notes.
func writeGradebook(w io.Writer, cr *ClassReport) error {
	reports := cr.Reports
	c := csv.NewWriter(w)
	head := []string{"student", "score", "max_score", "percent"}
	if len(reports) > 0 {
		for _, e := range reports[0].Exercises {
			head = append(head, e.Name)
		}
	}
	c.Write(append(head, "notes"))
	for _, r := range reports {
		row := []string{cell(r.Student), num(r.Score), num(r.MaxScore), num(Percent(r.Score, r.MaxScore))}
		var notes []string
		for _, e := range r.Exercises {
			row = append(row, num(e.Score))
			if e.Status != Graded {
				notes = append(notes, e.Name+": "+strings.ReplaceAll(string(e.Status), "_", " "))
			}
		}
		c.Write(append(row, cell(strings.Join(notes, "; "))))
	}
	for _, n := range cr.Notices {
		row := make([]string, len(head)+1)
		row[0] = "(" + n.Problem + ")"
		row[len(head)] = cell(n.File + ": " + n.Detail)
		c.Write(row)
	}
	c.Flush()
	return c.Error()
}

// cell keeps a spreadsheet from reading a value as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsAny(s[:1], "=+-@\t\r") {
		return "'" + s
	}
	return s
}

func writeClassSummary(w io.Writer, reports []*Report) {
	width := len("student")
	for _, r := range reports {
		width = max(width, len(printable(r.Student)))
	}
	fmt.Fprintf(w, "%-*s  %8s  %s\n", width, "student", "score", "of")
	for _, r := range reports {
		fmt.Fprintf(w, "%-*s  %8s  %s (%s%%)\n", width, printable(r.Student), num(r.Score), num(r.MaxScore), num(Percent(r.Score, r.MaxScore)))
	}
}

// progress draws a bar on a terminal, or a line per submission elsewhere (a CI log).
type progress struct {
	w     io.Writer
	tty   bool
	quiet bool
	total int
	n     int
	start time.Time
}

func newProgress(w io.Writer, total int, quiet bool) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, tty: tty, quiet: quiet, total: total, start: time.Now()}
}

// done is called once per finished submission, one call at a time.
func (p *progress) done(r *Report) {
	p.n++
	if p.quiet {
		return
	}
	elapsed := time.Since(p.start)
	left := time.Duration(float64(elapsed) / float64(p.n) * float64(p.total-p.n))
	if !p.tty {
		fmt.Fprintf(p.w, "graded %d/%d: %s %s/%s (%s left)\n", p.n, p.total, printable(r.Student), num(r.Score), num(r.MaxScore), since(left))
		return
	}
	const width = 30
	filled := width * p.n / p.total
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d  %s left  %-20.20s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), p.n, p.total, since(left), printable(r.Student))
}

func (p *progress) finish() {
	if p.tty && !p.quiet {
		fmt.Fprintf(p.w, "\r%-80s\r", "")
	}
	if !p.quiet {
		fmt.Fprintf(p.w, "kata grade: graded %d submissions in %s\n", p.n, since(time.Since(p.start)))
	}
}
