package harness

import (
	"path/filepath"
	"runtime"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/stack"
	"github.com/kata-go/concurrency/harness/internal/stuck"
)

// header is what a goroutine dump's header line says of a goroutine.
type header struct {
	id    int64
	state string // "chan receive", "sync.Mutex.Lock", ...
}

// parseHeader reads "goroutine 42 [sync.Cond.Wait, 2 minutes]:"; id is 0 for any other line.
func parseHeader(line string) header {
	id, state, _ := stack.ParseHeader(line)
	return header{id, state}
}

// harnessDir is this package's folder: its frames are never the learner's or the test's.
var harnessDir = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}()

// inDir reports whether file is in dir and is not one of the harness's own files.
func inDir(file, dir string) bool {
	return filepath.Dir(file) == dir && !(dir == harnessDir && !strings.HasSuffix(file, "_test.go"))
}

// isLearnerFile reports whether file is one of the exercise's own files in dir, not a test.
func isLearnerFile(file, dir string) bool {
	return inDir(file, dir) && !strings.HasSuffix(file, "_test.go")
}

// stuckReport says where the exercise's goroutines are blocked (package stuck writes it, and
// the CLI reads it back): only their frames in the exercise's own files, goroutines with the
// same frames grouped; then where the test's own goroutines wait, the body's (bodyID) first.
// Goroutines in skip (those that were there before the test began, and the reporting
// goroutine) are left out.
func stuckReport(dump []byte, dir string, bodyID int64, skip map[int64]bool) string {
	learner := func(file string) bool { return isLearnerFile(file, dir) }
	test := func(file string) bool { return inDir(file, dir) }
	return stuck.Build(stack.Parse(dump), learner, test, bodyID, skip).String()
}

// panicReport keeps the frames of the exercise folder from a panicking goroutine's stack.
func panicReport(dump []byte, dir string) string {
	var lines []string
	for _, g := range stack.Parse(dump) {
		for _, f := range g.Frames {
			if inDir(f.File, dir) {
				lines = append(lines, "    "+f.String())
			}
		}
	}
	if len(lines) == 0 {
		return string(dump)
	}
	return "at:\n" + strings.Join(lines, "\n")
}

// goroutineIDs returns the IDs of the goroutines in dump.
func goroutineIDs(dump []byte) map[int64]bool {
	ids := map[int64]bool{}
	for _, g := range stack.Parse(dump) {
		ids[g.ID] = true
	}
	return ids
}
