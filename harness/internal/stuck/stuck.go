// Package stuck writes and reads the harness's report of a hang: where an exercise's
// goroutines are blocked, grouped, and where the test itself waits. The harness's watchdog
// and harness.FailStuck write it into a test's failure; the CLI's report reads it back to
// point the learner at their own lines. Both sides go through this package, so the text and
// its reader cannot drift apart:
//
//	Your goroutines are blocked here:
//	  2 goroutines (7, 8) [chan receive]:
//	      (*Barrier).Wait (barrier.go:41)
//	      started by Spawn (barrier.go:30)
//	The test is waiting at TestX (barrier_test.go:55).
package stuck

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/stack"
)

// The report's fixed lines.
const (
	BlockedHeading = "Your goroutines are blocked here:"
	NothingRunning = "None of your code is running: the test is waiting for something your code should have done (a close, a send, a return, a call)."
	testWaitsAt    = "The test is waiting at "
	startedBy      = "started by "
)

// maxGroups and maxIDs bound the report: a dozen places, five goroutine IDs a place.
const (
	maxGroups = 12
	maxIDs    = 5
)

// Report is where a hang's goroutines wait.
type Report struct {
	// Groups are the learner's blocked goroutines, those with the same frames together, in
	// dump order. Empty means none of the learner's code is running.
	Groups []Group
	// More counts the groups left out past maxGroups.
	More int
	// TestWaits are where the test's own goroutines wait, the test body's first.
	TestWaits []Place
}

// Group is one or more goroutines blocked at the same places.
type Group struct {
	Count     int     // how many goroutines
	IDs       []int64 // the first few of them
	State     string  // "chan receive"
	Frames    []Place // the learner's frames, innermost first
	StartedBy *Place  // the learner's go statement that started them, when it is theirs
}

// Place is a frame as the report shows it: "(*Barrier).Wait (barrier.go:41)".
type Place struct {
	Func string // "(*Barrier).Wait"
	File string // base name: "barrier.go"
	Line int
}

func (p Place) String() string { return fmt.Sprintf("%s (%s:%d)", p.Func, p.File, p.Line) }

func placeOf(f stack.Frame) Place {
	return Place{Func: f.Short(), File: filepath.Base(f.File), Line: f.Line}
}

// Build makes the report of a dump. learner tells the learner's files (an exercise's non-test
// files) and test the exercise's test files; the goroutine bodyID is the test body's, and the
// goroutines in skip (there before the test began, or the reporter's own) are left out.
func Build(gs []stack.Goroutine, learner, test func(file string) bool, bodyID int64, skip map[int64]bool) Report {
	var r Report
	var waits testWaits
	index := map[string]int{}
	for _, g := range gs {
		if skip[g.ID] {
			continue
		}
		var frames []Place
		for _, f := range g.Frames {
			if learner(f.File) {
				frames = append(frames, placeOf(f))
			}
		}
		if len(frames) == 0 {
			waits.add(g, test, bodyID)
			continue
		}
		gr := Group{Count: 1, IDs: []int64{g.ID}, State: g.State, Frames: frames}
		if learner(g.CreatedBy.File) {
			p := placeOf(g.CreatedBy)
			gr.StartedBy = &p
		}
		key := gr.key()
		if i, ok := index[key]; ok {
			r.Groups[i].Count++
			if len(r.Groups[i].IDs) < maxIDs {
				r.Groups[i].IDs = append(r.Groups[i].IDs, g.ID)
			}
			continue
		}
		if len(r.Groups) == maxGroups {
			r.More++
			continue
		}
		index[key] = len(r.Groups)
		r.Groups = append(r.Groups, gr)
	}
	r.TestWaits = waits.places()
	return r
}

// testWaits collects where the test's goroutines wait, ranked: the test body first, then the
// goroutines it started, then any others (another test's, or ones a test left running). The
// report names only the first few, so the ones closest to the failing test must lead.
type testWaits [3][]Place

// add notes where a goroutine of the test waits: its innermost frame in a test file.
func (w *testWaits) add(g stack.Goroutine, test func(string) bool, bodyID int64) {
	rank := 2
	switch {
	case g.ID == bodyID:
		rank = 0
	case g.CreatorID == bodyID:
		rank = 1
	}
	for _, f := range g.Frames {
		if !test(f.File) {
			continue
		}
		if p := placeOf(f); !slices.Contains(w[rank], p) {
			w[rank] = append(w[rank], p)
		}
		return
	}
}

// places lists the places by rank, each once.
func (w *testWaits) places() []Place {
	var all []Place
	for _, ps := range w {
		for _, p := range ps {
			if !slices.Contains(all, p) {
				all = append(all, p)
			}
		}
	}
	return all
}

func (g Group) key() string {
	k := g.State
	for _, f := range g.Frames {
		k += "\n" + f.String()
	}
	if g.StartedBy != nil {
		k += "\n" + g.StartedBy.String()
	}
	return k
}

// Who is "goroutine 19" or "3 goroutines".
func (g Group) Who() string {
	if g.Count == 1 && len(g.IDs) == 1 {
		return "goroutine " + strconv.FormatInt(g.IDs[0], 10)
	}
	return fmt.Sprintf("%d goroutines", g.Count)
}

// String writes the report.
func (r Report) String() string {
	var b strings.Builder
	if len(r.Groups) == 0 {
		b.WriteString(NothingRunning + "\n")
	} else {
		b.WriteString(BlockedHeading + "\n")
	}
	for _, g := range r.Groups {
		who := g.Who()
		if g.Count > 1 {
			var ids []string
			for _, id := range g.IDs {
				ids = append(ids, strconv.FormatInt(id, 10))
			}
			if g.Count > len(g.IDs) {
				ids = append(ids, "...")
			}
			who += " (" + strings.Join(ids, ", ") + ")"
		}
		fmt.Fprintf(&b, "  %s [%s]:\n", who, g.State)
		for _, f := range g.Frames {
			fmt.Fprintf(&b, "      %s\n", f)
		}
		if g.StartedBy != nil {
			fmt.Fprintf(&b, "      %s%s\n", startedBy, g.StartedBy)
		}
	}
	if r.More > 0 {
		fmt.Fprintf(&b, "  ... and %d more places\n", r.More)
	}
	if len(r.TestWaits) > 0 {
		var ws []string
		for i, w := range r.TestWaits {
			if i == 4 {
				ws = append(ws, "...")
				break
			}
			ws = append(ws, w.String())
		}
		fmt.Fprintf(&b, "%s%s.\n", testWaitsAt, strings.Join(ws, ", "))
	}
	return strings.TrimRight(b.String(), "\n")
}

// Parse reads a report back from the lines of a test's failure message (indentation and
// surrounding lines allowed). ok is false when the lines hold no report.
func Parse(lines []string) (r Report, ok bool) {
	var cur *Group
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case t == BlockedHeading:
			ok = true
		case t == NothingRunning:
			ok = true
		case strings.HasPrefix(t, testWaitsAt):
			ok = true
			for _, w := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(t, testWaitsAt), "."), ", ") {
				if p, good := ParsePlace(w); good {
					r.TestWaits = append(r.TestWaits, p)
				}
			}
		case strings.HasPrefix(t, "... and ") && strings.HasSuffix(t, " more places"):
			r.More, _ = strconv.Atoi(strings.Fields(t)[2])
		case strings.HasSuffix(t, "]:") && strings.Contains(t, "goroutine"):
			if g, good := parseGroupHeader(t); good {
				r.Groups = append(r.Groups, g)
				cur = &r.Groups[len(r.Groups)-1]
			}
		case cur != nil && strings.HasPrefix(t, startedBy):
			if p, good := ParsePlace(strings.TrimPrefix(t, startedBy)); good {
				cur.StartedBy = &p
			}
		case cur != nil:
			if p, good := ParsePlace(t); good {
				cur.Frames = append(cur.Frames, p)
			}
		}
	}
	return r, ok
}

// parseGroupHeader reads "goroutine 19 [sync.Mutex.Lock]:" and "3 goroutines (7, 8, 9) [chan send]:".
func parseGroupHeader(t string) (Group, bool) {
	who, state, ok := strings.Cut(strings.TrimSuffix(t, ":"), " [")
	if !ok {
		return Group{}, false
	}
	g := Group{State: strings.TrimSuffix(state, "]")}
	if id, ok := strings.CutPrefix(who, "goroutine "); ok {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return Group{}, false
		}
		g.Count, g.IDs = 1, []int64{n}
		return g, true
	}
	count, ids, _ := strings.Cut(who, " goroutines")
	n, err := strconv.Atoi(count)
	if err != nil {
		return Group{}, false
	}
	g.Count = n
	for _, s := range strings.Split(strings.Trim(strings.TrimSpace(ids), "()"), ", ") {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			g.IDs = append(g.IDs, id)
		}
	}
	return g, true
}

// ParsePlace reads "(*Barrier).Wait (barrier.go:41)".
func ParsePlace(s string) (Place, bool) {
	s = strings.TrimSpace(s)
	open := strings.LastIndex(s, " (")
	if open < 0 || !strings.HasSuffix(s, ")") {
		return Place{}, false
	}
	pos := s[open+2 : len(s)-1]
	colon := strings.LastIndex(pos, ":")
	if colon < 0 {
		return Place{}, false
	}
	n, err := strconv.Atoi(pos[colon+1:])
	if err != nil || !strings.HasSuffix(pos[:colon], ".go") {
		return Place{}, false
	}
	return Place{Func: s[:open], File: pos[:colon], Line: n}, true
}
