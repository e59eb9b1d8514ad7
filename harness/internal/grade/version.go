package grade

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// graderSource is the grader's own code (this package, its policy and its sandbox), kept in the
// binary so that graderVersion names exactly the code that graded, however kata was built
// (go run, go test, go install).
//
//go:embed *.go class.html.tmpl policy/*.go sandbox/*.go
var graderSource embed.FS

// graderVersion is "grader-" and the first 16 hex digits of the SHA-256 of the grader's own
// source files (tests excepted): two reports carry the same grader version exactly when the
// same grading code wrote them.
var graderVersion = sync.OnceValue(func() string {
	var names []string
	fs.WalkDir(graderSource, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, "_test.go") {
			names = append(names, p)
		}
		return nil
	})
	h := sha256.New()
	for _, name := range names { // WalkDir walks in lexical order
		data, _ := graderSource.ReadFile(name) // the embedded files are always readable
		addFile(h, name, data)
	}
	return "grader-" + hex.EncodeToString(h.Sum(nil))[:16]
})

// pristineVersion is "tests-" and the first 16 hex digits of the SHA-256 of what grading
// reads from the pristine tree at root: go.mod, go.sum, every file under exercises/ but the
// Markdown (tests, stubs, the manifest with its points and imports; not the READMEs), and the
// Go files of harness/ that are not tests, except the grader's own package (which
// graderVersion covers), the kata command and harness/testdata. Two clones of the same commit
// have the same pristine version; a changed test, helper or point value gives another.
func pristineVersion(root string) (string, error) {
	names, err := versionedFiles(root)
	if err != nil {
		return "", fmt.Errorf("the pristine version of %s: %w", root, err)
	}
	h := sha256.New()
	for _, rel := range names {
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			return "", fmt.Errorf("the pristine version of %s: %w", root, err)
		}
		addFile(h, rel, data)
	}
	return "tests-" + hex.EncodeToString(h.Sum(nil))[:16], nil
}

// versionedFiles lists, slash-separated and in a fixed order, the files pristineVersion hashes.
func versionedFiles(root string) ([]string, error) {
	names := []string{"go.mod", "go.sum"}
	for _, top := range []string{"exercises", "harness"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				if slices.Contains([]string{"harness/testdata", "harness/cmd", "harness/internal/grade"}, rel) {
					return filepath.SkipDir
				}
				return nil
			}
			if (top == "exercises" && path.Ext(rel) != ".md") || (path.Ext(rel) == ".go" && !strings.HasSuffix(rel, "_test.go")) {
				names = append(names, rel)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return names, nil
}

// addFile adds a named file to h so that no two different sets of files hash alike.
func addFile(h hash.Hash, name string, data []byte) {
	fmt.Fprintf(h, "%d:%s\n%d\n", len(name), name, len(data))
	h.Write(data)
}

// versions are the pristine and grader versions of a grading session.
type versions struct{ pristine, grader string }

// versionsOf is the versions of a session that grades with the pristine tree at root.
func versionsOf(root string) (versions, error) {
	p, err := pristineVersion(root)
	return versions{pristine: p, grader: graderVersion()}, err
}

// stamp writes the versions into each report.
func (v versions) stamp(reports []*Report) {
	for _, r := range reports {
		r.PristineVersion, r.GraderVersion = v.pristine, v.grader
	}
}

// classReport stamps the reports and gathers them into a class report.
func (v versions) classReport(reports []*Report) *ClassReport {
	v.stamp(reports)
	if reports == nil {
		reports = []*Report{}
	}
	return &ClassReport{PristineVersion: v.pristine, GraderVersion: v.grader, Reports: reports}
}
