package move_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	move "github.com/kata-go/concurrency/exercises/04_move"
	"github.com/kata-go/concurrency/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }

// The race detector fails a test in which it saw a data race, with a report that shows the two
// accesses: "WARNING: DATA RACE ... Write at ... by goroutine 9 ... Previous read at ... by
// goroutine 8". The file and line of each access in move.go is where to look. It reports each
// race once per test binary, so all the checks of one function live in one test.

// Task 1: Greetings.

func TestGreetings_SaysHelloToEachNameInInputOrder(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		t.Run("the seed's name", func(t *testing.T) {
			names := []string{"dolly", "world"}
			assert.Equal(t, hellos(names), move.Greetings(names), "Greetings(%q)", names)
		})
		t.Run("random names", func(t *testing.T) {
			for range 10 {
				names := randomNames(r, 2+r.IntN(30))
				if !assert.Equal(t, hellos(names), move.Greetings(names), "Greetings(%q)", names) {
					return
				}
			}
		})
		t.Run("one processor", func(t *testing.T) {
			oneProcessor(t) // goroutines then finish in an order that is not the input order
			for range 10 {
				names := randomNames(r, 16+r.IntN(16)) // enough that the two orders never agree by chance
				if !assert.Equal(t, hellos(names), move.Greetings(names),
					"Greetings(%q) with GOMAXPROCS=1: greetings must come in the order of the names, not in the order the goroutines finish", names) {
					return
				}
			}
		})
		t.Run("duplicate and empty names", func(t *testing.T) {
			base := randomNames(r, 3)
			names := []string{base[0], base[1], base[0], "", base[2], base[0], "Ünïcødé 名字"}
			assert.Equal(t, hellos(names), move.Greetings(names), "Greetings(%q)", names)
		})
		t.Run("names left as they were", func(t *testing.T) {
			names := randomNames(r, 2+r.IntN(10))
			orig := slices.Clone(names)
			got := move.Greetings(names)
			assert.Equal(t, hellos(orig), got, "Greetings(%q)", orig)
			assert.Equal(t, orig, names, "names after Greetings(names): return the greetings in a new slice and leave names as it was")
		})
		t.Run("no names", func(t *testing.T) {
			assert.Empty(t, move.Greetings(nil /* names */), "Greetings(nil)")
			assert.Empty(t, move.Greetings([]string{}), "Greetings([]string{})")
		})
	})
}

// Task 2: Totals.

func TestTotals_SumsEachPartInOrderAndTheTotal(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		t.Run("random parts", func(t *testing.T) {
			for range 10 {
				if !checkTotals(t, randomParts(r, 2+r.IntN(20), 50), "") {
					return
				}
			}
		})
		t.Run("one processor", func(t *testing.T) {
			oneProcessor(t) // goroutines then finish in an order that is not the input order
			for range 10 {
				if !checkTotals(t, randomParts(r, 16+r.IntN(16), 50), // enough that the two orders never agree by chance
					" with GOMAXPROCS=1: sums must come in the order of the parts, not in the order the goroutines finish") {
					return
				}
			}
		})
		t.Run("many parts, some empty", func(t *testing.T) {
			parts := randomParts(r, 200+r.IntN(100), 20) // many goroutines adding up at once
			parts[r.IntN(len(parts))] = nil              // an empty part sums to 0
			parts[r.IntN(len(parts))] = []int{}
			checkTotals(t, parts, "")
		})
		t.Run("no parts", func(t *testing.T) {
			sums, total := move.Totals(nil /* parts */)
			assert.Empty(t, sums, "Totals(nil) sums")
			assert.Equal(t, 0, total, "Totals(nil) total")
		})
	})
}

// Task 3: Audit.

func TestAudit_ReportsTheMapAsItWasWhenCalled(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		// One processor, and the map changed the instant Audit returns: the goroutine Audit
		// started cannot have run yet, so a copy it would take now is a copy of the changed map.
		oneProcessor(t)
		r := harness.Rand(t)
		for round := range 20 {
			cfg := randomConfig(r)
			want := copyMap(cfg)
			rec := newRecorder()

			runtime.GC()      // no collection can start in the next few microseconds
			runtime.Gosched() // a fresh time slice: nothing preempts this goroutine before change
			wait := move.Audit(cfg, rec.report)
			changed := change(cfg, r, round%4 == 3) // right after Audit returns, before report runs
			require.NotNil(t, wait, "Audit returned a nil wait function")

			got, ok := rec.finish(t, wait)
			if !ok {
				return
			}
			if !assert.Equal(t, want, got,
				"Audit(cfg, report): report must see cfg as it was when Audit was called, but the caller changed cfg right after Audit returned (%s) and report saw the change: take the goroutine's own copy before Audit returns",
				changed) {
				return
			}
		}
	})
}

func TestAudit_ReportsFromANewGoroutine(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		oneProcessor(t)
		r := harness.Rand(t)
		cfg := randomConfig(r)
		want := copyMap(cfg)
		rec := newRecorder()

		wait := move.Audit(cfg, rec.report)
		changed := change(cfg, r, false)
		require.NotNil(t, wait, "Audit returned a nil wait function")
		got, ok := rec.finish(t, wait)
		if !ok {
			return
		}
		assert.Equal(t, want, got, "Audit(cfg, report) then %s: what report saw", changed)
	})
}

func TestAudit_WaitBlocksUntilReportReturns(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		synctest.Test(t, func(t *testing.T) {
			cfg := randomConfig(r)
			want := copyMap(cfg)
			rec := newRecorder()

			wait := move.Audit(cfg, rec.report)
			require.NotNil(t, wait, "Audit returned a nil wait function")
			const waiters = 2 // wait may be called from several goroutines at once
			var waitsReturned atomic.Int32
			waitDone := make(chan struct{}, waiters)
			for range waiters {
				go func() {
					defer func() { waitDone <- struct{}{} }()
					wait()
					waitsReturned.Add(1)
				}()
			}
			release := func() {
				close(rec.gate)
				for range waiters {
					<-waitDone
				}
			}
			synctest.Wait() // every goroutine is blocked now: report on its gate, wait on report

			select {
			case <-rec.entered:
			default:
				release()
				t.Fatalf("Audit(cfg, report) returned and every goroutine is blocked, but report was never called")
			}
			if rec.onCaller.Load() {
				release()
				t.Fatalf("Audit(cfg, report) called report on the caller's goroutine, before returning: start a new goroutine and call report there")
			}
			assert.Zero(t, waitsReturned.Load(),
				"wait() from %d goroutines returned while report was still running: wait must block until report has returned", waiters)

			changed := change(cfg, r, false) // nothing else is running: no race with a correct Audit
			release()
			select {
			case got := <-rec.seen:
				assert.Equal(t, want, got, "Audit(cfg, report) then %s: what report saw", changed)
			default:
				t.Errorf("wait() returned before report had returned: wait must block until report has returned")
			}
			wait() // once report has returned, every call returns at once
		})
	})
}

// Helpers.

// recorder is a report function for Audit. It looks at the map it is given only once the test
// opens its gate, and only on the first call; it never blocks on the caller's goroutine.
type recorder struct {
	caller   int64
	gate     chan struct{}
	entered  chan struct{} // closed at the first call
	seen     chan map[string]string
	calls    atomic.Int32
	onCaller atomic.Bool
}

func newRecorder() *recorder {
	return &recorder{
		caller:  harness.GoroutineID(),
		gate:    make(chan struct{}),
		entered: make(chan struct{}),
		seen:    make(chan map[string]string, 1),
	}
}

func (rec *recorder) report(m map[string]string) {
	if rec.calls.Add(1) > 1 {
		return
	}
	close(rec.entered)
	if harness.GoroutineID() == rec.caller {
		rec.onCaller.Store(true)
		return
	}
	<-rec.gate
	rec.seen <- copyMap(m)
}

// finish opens the gate, calls wait and returns what report saw. It fails t (and returns
// false) when report ran on the caller's goroutine, was not called once, or had not returned
// when wait returned.
func (rec *recorder) finish(t *testing.T, wait func()) (map[string]string, bool) {
	t.Helper()
	close(rec.gate)
	wait()
	if rec.onCaller.Load() {
		t.Errorf("Audit(cfg, report) called report on the caller's goroutine, before returning: start a new goroutine and call report there")
		return nil, false
	}
	var got map[string]string
	select {
	case got = <-rec.seen:
	default:
		t.Errorf("wait() returned but report had not returned (or was never called): wait must block until report has returned")
		return nil, false
	}
	if n := rec.calls.Load(); n != 1 {
		t.Errorf("Audit(cfg, report) called report %d times, want exactly 1", n)
		return nil, false
	}
	return got, true
}

// change changes cfg the way a caller might right after Audit returns: it deletes a key,
// changes every other value and adds keys, or with clearAll deletes every key. It says what
// it did.
func change(cfg map[string]string, r *rand.Rand, clearAll bool) string {
	if clearAll {
		clear(cfg)
		return "clear(cfg)"
	}
	keys := slices.Sorted(maps.Keys(cfg))
	gone := keys[r.IntN(len(keys))]
	delete(cfg, gone)
	for _, k := range keys {
		if k != gone {
			cfg[k] = "changed-" + strconv.Itoa(r.IntN(1000))
		}
	}
	cfg["added-"+strconv.Itoa(r.IntN(1000))] = "new"
	return fmt.Sprintf("deleted %q, changed %d values, added a key", gone, len(keys)-1)
}

// oneProcessor runs the rest of t with GOMAXPROCS=1: goroutines then run one at a time, and
// a new one runs only when the running one blocks.
func oneProcessor(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
}

func checkTotals(t *testing.T, parts [][]int, why string) bool {
	t.Helper()
	wantSums := make([]int, len(parts))
	wantTotal := 0
	for i, p := range parts {
		for _, v := range p {
			wantSums[i] += v
		}
		wantTotal += wantSums[i]
	}
	sums, total := move.Totals(parts)
	ok := assert.Equal(t, wantSums, sums, "Totals of %d parts: sums%s", len(parts), why)
	return assert.Equal(t, wantTotal, total, "Totals of %d parts: total", len(parts)) && ok
}

func hellos(names []string) []string {
	want := make([]string, len(names))
	for i, n := range names {
		want[i] = "hello " + n
	}
	return want
}

var firstNames = []string{"dolly", "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory"}

// randomNames returns n different names.
func randomNames(r *rand.Rand, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = firstNames[r.IntN(len(firstNames))] + "-" + strconv.Itoa(i) + "-" + strconv.Itoa(r.IntN(100))
	}
	return names
}

func randomParts(r *rand.Rand, n, maxLen int) [][]int {
	parts := make([][]int, n)
	for i := range parts {
		parts[i] = make([]int, r.IntN(maxLen+1))
		for j := range parts[i] {
			parts[i][j] = r.IntN(2001) - 1000
		}
	}
	return parts
}

func randomConfig(r *rand.Rand) map[string]string {
	cfg := map[string]string{}
	for i := range 3 + r.IntN(10) {
		cfg["key-"+strconv.Itoa(i)] = "value-" + strconv.Itoa(r.IntN(1000))
	}
	return cfg
}

func copyMap(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
