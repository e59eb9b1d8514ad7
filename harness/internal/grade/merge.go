package grade

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The errors of a merge that refuses its reports. Nothing is written when a merge refuses.
var (
	// ErrVersions: the reports were graded with other pristine tests or another grader.
	ErrVersions = errors.New("the reports were graded by different versions")
	// ErrDuplicate: a student is graded in two reports, or twice in one.
	ErrDuplicate = errors.New("a student is graded twice")
	// ErrMismatch: the reports grade other exercises, in another sandbox, or are shards of
	// different divisions of a class.
	ErrMismatch = errors.New("the reports do not belong to one grading")
)

// merge is `kata grade merge [--out DIR] [--format LIST] REPORT...`: it merges the JSON
// reports named into the files one `kata grade --class` run writes for the same students.
func merge(root string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kata grade merge", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("out", "kata-report", "")
	formatList := fs.String("format", "text", "")
	fail := usageError(stderr, fs.Name())
	if code, done := parseFlags(fs, args, stdout, fail); done {
		return code
	}
	if fs.NArg() == 0 {
		return fail("give the JSON reports to merge (shard-K-of-N.json, class.json or report.json files)")
	}
	chosen, err := parseFormats(*formatList)
	if err != nil {
		return fail("%v", err)
	}
	if msg := checkOut(*out, root, ""); msg != "" {
		return fail("%s", msg)
	}
	cr, err := mergeReports(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "kata grade merge: %v\n", err)
		return 2
	}
	if err := writeClass(cr, chosen, *out); err != nil {
		fmt.Fprintf(stderr, "kata grade merge: %v\n", err)
		return 2
	}
	writeClassSummary(stdout, cr.Reports)
	fmt.Fprintf(stderr, "kata grade merge: merged %d students from %d reports into %s, %s and the students' reports in %s\n",
		len(cr.Reports), fs.NArg(), filepath.Join(*out, "gradebook.csv"), filepath.Join(*out, "class.html"), filepath.Join(*out, "students"))
	for _, n := range cr.Notices {
		fmt.Fprintf(stderr, "kata grade merge: %s: %s: %s\n", n.Problem, printable(n.File), printable(n.Detail))
	}
	if len(cr.Notices) > 0 {
		return 2
	}
	return exitCode(cr.Reports)
}

// source is one report file read by a merge.
type source struct {
	file    string
	shard   shard // n == 0 when the file is not a shard's report
	reports []*Report
	// pristine and grader are the file's versions: its class report's, or its report's.
	pristine, grader string
	// notices are those of a merged class report: merged again, it still names them.
	notices []Notice
}

// mergeReports reads the report files and merges them into one class report, its students
// sorted by name. A file that is missing or cannot be read as a report becomes a notice, and
// so does each shard K/N of which no file is given when some shard of N is; reports of other
// versions, exercises or sandboxes, or of one student twice, are refused with an error that
// names the files.
func mergeReports(files []string) (*ClassReport, error) {
	cr := &ClassReport{Reports: []*Report{}}
	var srcs []source
	unread := map[shard]bool{} // shards named by a file that could not be read
	for _, f := range files {
		src, err := readSource(f)
		if err != nil {
			n := Notice{Problem: CorruptReport, File: f, Detail: err.Error() + "; its students are not in this gradebook"}
			if errors.Is(err, fs.ErrNotExist) {
				n.Problem, n.Detail = MissingReport, "no such file; its students are not in this gradebook"
			}
			cr.Notices = append(cr.Notices, n)
			if sh, ok := shardFile(f); ok {
				unread[sh] = true
			}
			continue
		}
		srcs = append(srcs, src)
		cr.Notices = append(cr.Notices, src.notices...)
	}
	if err := sameGrading(srcs); err != nil {
		return nil, err
	}
	missing, err := missingShards(srcs, unread)
	if err != nil {
		return nil, err
	}
	cr.Notices = append(cr.Notices, missing...)
	from := map[string]string{}
	for _, src := range srcs {
		for _, r := range src.reports {
			if prev, ok := from[r.Student]; ok {
				if prev == src.file {
					return nil, fmt.Errorf("%w: %s is graded twice in %s", ErrDuplicate, printable(r.Student), src.file)
				}
				return nil, fmt.Errorf("%w: %s is graded in %s and in %s; merge each student's report once", ErrDuplicate, printable(r.Student), prev, src.file)
			}
			from[r.Student] = src.file
			cr.Reports = append(cr.Reports, r)
		}
	}
	slices.SortFunc(cr.Reports, func(a, b *Report) int { return strings.Compare(a.Student, b.Student) })
	if len(srcs) > 0 {
		cr.PristineVersion, cr.GraderVersion = srcs[0].pristine, srcs[0].grader
	}
	return cr, nil
}

// readSource reads a report file: a class report (class.json, shard-K-of-N.json) or the
// report of one submission graded with --student (report.json).
func readSource(file string) (source, error) {
	src := source{file: file}
	data, err := os.ReadFile(file)
	if err != nil {
		return src, err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return src, fmt.Errorf("not a JSON report: %w", err)
	}
	switch {
	case keys["reports"] != nil:
		var cr ClassReport
		if err := strictJSON(data, &cr); err != nil {
			return src, fmt.Errorf("not a class report: %w", err)
		}
		src.reports, src.pristine, src.grader, src.notices = cr.Reports, cr.PristineVersion, cr.GraderVersion, cr.Notices
		if cr.Shard != "" {
			if src.shard, err = parseShard(cr.Shard); err != nil {
				return src, fmt.Errorf("its shard: %w", err)
			}
		}
	case keys["exercises"] != nil:
		var r Report
		if err := strictJSON(data, &r); err != nil {
			return src, fmt.Errorf("not a submission's report: %w", err)
		}
		src.reports, src.pristine, src.grader = []*Report{&r}, r.PristineVersion, r.GraderVersion
	default:
		return src, errors.New(`not a kata grade report: it has neither "reports" (a class or shard report) nor "exercises" (one submission's report)`)
	}
	for _, r := range src.reports {
		if err := checkReport(r); err != nil {
			return src, err
		}
	}
	return src, nil
}

// strictJSON decodes data into v, refusing fields v does not have: a file that only looks
// like a report is not read as one.
func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// checkReport refuses a report that a merge cannot place: no report, no student's name, a
// name that is not a folder name, no exercises.
func checkReport(r *Report) error {
	switch {
	case r == nil:
		return errors.New("a report in it is null")
	case r.Student == "":
		return errors.New("a report without a student's name (grade one submission with --student NAME)")
	case len(r.Exercises) == 0:
		return fmt.Errorf("the report of %s grades no exercise", printable(r.Student))
	}
	if err := checkStudent(r.Student); err != nil {
		return fmt.Errorf("the student %s: %w", printable(r.Student), err)
	}
	return nil
}

// checkStudent refuses a student's name that is not the name of a class folder, which the
// merged reports could not be written under (students/NAME/).
func checkStudent(name string) error {
	switch {
	case name == "":
		return errors.New("the name is empty")
	case strings.ContainsAny(name, `/\`+"\x00"):
		return errors.New("a name may not hold / or \\ (it names a folder)")
	case strings.HasPrefix(name, "."):
		return errors.New("a name may not start with . (a class folder's hidden entries are not students)")
	case len(name) > 255:
		return errors.New("a name may have at most 255 bytes")
	}
	return nil
}

// sameGrading refuses sources graded by other versions, with other exercises or in another
// sandbox than the first source.
func sameGrading(srcs []source) error {
	var first *source
	var firstReport *Report
	for i := range srcs {
		src := &srcs[i]
		if first == nil {
			first = src
		}
		if src.pristine != first.pristine || src.grader != first.grader {
			return versionError(first, src)
		}
		for _, r := range src.reports {
			if r.PristineVersion != src.pristine || r.GraderVersion != src.grader {
				return fmt.Errorf("%w: in %s, %s was graded with %s and %s, the file says %s and %s",
					ErrVersions, src.file, printable(r.Student), orNone(r.PristineVersion), orNone(r.GraderVersion), orNone(src.pristine), orNone(src.grader))
			}
			if firstReport == nil {
				firstReport = r
				continue
			}
			if a, b := exerciseNames(firstReport), exerciseNames(r); !slices.Equal(a, b) {
				return fmt.Errorf("%w: %s grades %s, but %s grades %s; grade every report with the same --exercises",
					ErrMismatch, first.file, strings.Join(a, ", "), src.file, strings.Join(b, ", "))
			}
			if firstReport.Sandbox != r.Sandbox {
				return fmt.Errorf("%w: %s was graded with sandbox %s, but %s with sandbox %s; grade every report in the same sandbox (--sandbox require)",
					ErrMismatch, first.file, firstReport.Sandbox, src.file, r.Sandbox)
			}
		}
	}
	return nil
}

func versionError(a, b *source) error {
	return fmt.Errorf("%w: %s was graded with tests %s and grader %s, but %s with tests %s and grader %s; grade every report from the same commit of the kata",
		ErrVersions, a.file, orNone(a.pristine), orNone(a.grader), b.file, orNone(b.pristine), orNone(b.grader))
}

func orNone(version string) string {
	if version == "" {
		return "(none: a report from before reports carried versions)"
	}
	return version
}

func exerciseNames(r *Report) []string {
	names := make([]string, len(r.Exercises))
	for i, e := range r.Exercises {
		names[i] = e.Name
	}
	return names
}

// missingShards names the shards K/N of which no source is given, when some shard of N is,
// except those of unread, which are already named as files that could not be read. Shards of
// different N, or one shard given twice, are refused.
func missingShards(srcs []source, unread map[shard]bool) ([]Notice, error) {
	seen := map[int]string{}
	var n int
	var nFile string
	for _, src := range srcs {
		if src.shard.n == 0 {
			continue
		}
		if n == 0 {
			n, nFile = src.shard.n, src.file
		}
		if src.shard.n != n {
			return nil, fmt.Errorf("%w: %s is a shard of %d, but %s a shard of %d; merge the shards of one grading", ErrMismatch, nFile, n, src.file, src.shard.n)
		}
		if prev, ok := seen[src.shard.k]; ok {
			return nil, fmt.Errorf("%w: %s and %s are both shard %s; merge each shard once", ErrDuplicate, prev, src.file, src.shard)
		}
		seen[src.shard.k] = src.file
	}
	var notices []Notice
	for k := 1; k <= n; k++ {
		if _, ok := seen[k]; !ok && !unread[shard{k, n}] {
			notices = append(notices, Notice{Problem: MissingReport, File: "shard " + shard{k, n}.String(),
				Detail: fmt.Sprintf("no report of this shard was given (%s); its students are not in this gradebook", shard{k, n}.file())})
		}
	}
	return notices, nil
}
