package harness

import (
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
)

// Bubble runs f in a testing/synctest bubble, as synctest.Test(t, f) does, and turns a deadlock
// of the bubble into a failure of t instead of a panic. synctest panics when f returns while
// goroutines of the bubble are still durably blocked, or when every goroutine of the bubble is
// blocked and none can wake the others: Bubble then fails t, saying that a call never returned
// or left a goroutine blocked for good, with the report of where the exercise's goroutines in
// that bubble wait (the goroutines outside it are left out), and returns. The panic goes no
// further, so Bubble may run in a subtest, where an unrecovered panic would end the whole test
// binary, and the test's later checks and the package's later tests still run. As with
// synctest.Test, a panic in f itself is not recovered. Call it from the test's own file.
func Bubble(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	_, file, _, _ := runtime.Caller(1)
	r, bubble := runBubble(t, f)
	if r == nil {
		return
	}
	dump := allStacks()
	t.Errorf("synctest: %s: a call never returned, or left a goroutine blocked for good.\n%s",
		describe(r), stuckReport(dump, filepath.Dir(file), -1, outsideBubble(dump, bubble)))
}

// runBubble runs f in a bubble and returns what synctest panicked with, if it did, and the
// bubble's name ("synctest bubble 3").
func runBubble(t *testing.T, f func(t *testing.T)) (r any, bubble string) {
	defer func() { r = recover() }()
	synctest.Test(t, func(t *testing.T) {
		bubble = bubbleOf(currentHeader())
		f(t)
	})
	return nil, bubble
}

var bubbleTag = regexp.MustCompile(`synctest bubble \d+\b`)

// bubbleOf returns the bubble a goroutine header names ("synctest bubble 3"), or "".
func bubbleOf(header string) string { return bubbleTag.FindString(header) }

// currentHeader returns the calling goroutine's header line.
func currentHeader() string {
	buf := make([]byte, 256)
	header, _, _ := strings.Cut(string(buf[:runtime.Stack(buf, false)]), "\n")
	return header
}

// outsideBubble returns the IDs of the goroutines of dump that are not in bubble, and the
// caller's; with bubble "", only the caller's.
func outsideBubble(dump []byte, bubble string) map[int64]bool {
	skip := map[int64]bool{currentGoroutineID(): true}
	if bubble == "" {
		return skip
	}
	for _, block := range strings.Split(string(dump), "\n\n") {
		header, _, _ := strings.Cut(block, "\n")
		if g := parseHeader(header); g.id != 0 && bubbleOf(header) != bubble {
			skip[g.id] = true
		}
	}
	return skip
}
