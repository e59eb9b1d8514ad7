package grade

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/grade/policy"
	"github.com/kata-go/concurrency/harness/internal/manifest"
)

// errNotSubmitted is returned by readLearnerFile for a file that is not in the submission.
var errNotSubmitted = errors.New("not in the submission")

// readLearnerFile reads the learner file rel (a slash path such as "exercises/01_cell/cell.go")
// from the submission at dir. It refuses anything but a regular file reached through real
// folders: a symbolic link anywhere on the way, a device, a file larger than the policy allows.
// The bytes returned are the ones checked and compiled: the submission is never read again.
func readLearnerFile(dir, rel string) ([]byte, error) {
	parts := strings.Split(rel, "/")
	p := dir
	for i, part := range parts {
		p = filepath.Join(p, part)
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errNotSubmitted
		}
		if err != nil {
			return nil, err
		}
		last := i == len(parts)-1
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			return nil, fmt.Errorf("%s is a symbolic link; learner files must be regular files inside the submission", path.Join(parts[:i+1]...))
		case !last && !fi.IsDir():
			return nil, errNotSubmitted
		case last && !fi.Mode().IsRegular():
			return nil, fmt.Errorf("%s is not a regular file", rel)
		case last && fi.Size() > policy.MaxFileSize:
			return nil, fmt.Errorf("%s is %d bytes, more than the %d a learner file may have", rel, fi.Size(), policy.MaxFileSize)
		}
	}
	f, err := openNoFollow(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", rel)
	}
	data, err := io.ReadAll(io.LimitReader(f, policy.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > policy.MaxFileSize {
		return nil, fmt.Errorf("%s is more than the %d bytes a learner file may have", rel, policy.MaxFileSize)
	}
	return data, nil
}

// maxWalk bounds how many entries are looked at when listing ignored files.
const maxWalk = 2000

// ignoredInExercise lists the files of the exercise folder in the submission, other than the
// learner files, that were added or differ from the pristine tree at root.
func ignoredInExercise(root, dir string, e manifest.Exercise) []string {
	return ignoredUnder(root, dir, e.Dir(), func(rel string) bool {
		return slices.Contains(e.Files, strings.TrimPrefix(rel, e.Dir()+"/"))
	})
}

// ignoredElsewhere lists the files outside the exercise folders that the submission changed
// and the grader ignored: go.mod, go.sum, the exercises' manifest and the harness.
func ignoredElsewhere(root, dir string) []string {
	var out []string
	for _, rel := range []string{"go.mod", "go.sum", "exercises/manifest.toml", "harness"} {
		out = append(out, ignoredUnder(root, dir, rel, func(string) bool { return false })...)
	}
	return out
}

// ignoredUnder walks rel (a file or folder) in the submission and returns, as slash paths,
// the files that are not graded (skip returns false) and are added or differ from root's.
func ignoredUnder(root, dir, rel string, graded func(rel string) bool) []string {
	var out []string
	seen := 0
	start := filepath.Join(dir, filepath.FromSlash(rel))
	filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		seen++
		if seen > maxWalk {
			return filepath.SkipAll
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		r, err := filepath.Rel(dir, p)
		if err != nil {
			return nil
		}
		r = filepath.ToSlash(r)
		if graded(r) {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 || !d.Type().IsRegular() || !sameFile(p, filepath.Join(root, filepath.FromSlash(r))) {
			out = append(out, r)
		}
		return nil
	})
	return out
}

// sameFile reports whether the files a and b (b in the pristine tree) have the same content.
func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	if err != nil || fa.Size() != fb.Size() || fa.Size() > 8<<20 {
		return false
	}
	da, err1 := os.ReadFile(a)
	db, err2 := os.ReadFile(b)
	return err1 == nil && err2 == nil && bytes.Equal(da, db)
}
