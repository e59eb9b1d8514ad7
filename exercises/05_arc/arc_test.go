package arc_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	arc "github.com/kata-go/concurrency/exercises/05_arc"
	"github.com/kata-go/concurrency/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }

// MyString is a fmt.Stringer, so %s and %v print the string it holds.
var _ fmt.Stringer = arc.MyString{}

// Task 1: handles, counted, from one goroutine.

func TestArc_NewHoldsTheValueWithCountOne(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		v := harness.Rand(t).IntN(1000) + 1
		a := newArc(t, v)
		assert.Equal(t, v, a.Value(), "New(%d).Value()", v)
		assert.Equal(t, 1, a.StrongCount(), "New(%d).StrongCount()", v)
		a.Drop() // no hook: nothing to run
		assert.Equal(t, 0, a.StrongCount(), "New(%d): StrongCount() after its only handle is dropped", v)

		var h hook[string]
		s := newArcWithDrop(t, "dolly "+strconv.Itoa(v), h.drop)
		assert.Equal(t, "dolly "+strconv.Itoa(v), s.Value(), "NewWithDrop(%q, hook).Value()", "dolly "+strconv.Itoa(v))
		assert.Equal(t, 1, s.StrongCount(), "NewWithDrop(...).StrongCount()")
		assert.Zero(t, h.calls.Load(), "the drop hook ran before any handle was dropped")
		s.Drop()

		n := arc.NewWithDrop(v, nil /* hook */) // a nil hook means no hook
		require.NotNil(t, n, "NewWithDrop(%d, nil) returned nil", v)
		assert.NotPanics(t, n.Drop, "Drop of the last handle of NewWithDrop(v, nil): a nil hook means no hook")
	})
}

func TestArc_CloneSharesTheBoxAndCountsUp(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		m := map[string]int{"dolly": r.IntN(100)}
		root := newArc(t, m)
		handles := []*arc.Arc[map[string]int]{root}
		k := 2 + r.IntN(8)
		for i := range k {
			from := handles[r.IntN(len(handles))] // a clone of a clone is a handle onto the same box too
			c := clone(t, from)
			handles = append(handles, c)
			assert.Equal(t, i+2, root.StrongCount(), "StrongCount() after %d Clone() calls", i+1)
		}
		m["dolly"]++ // the value is shared, never copied
		for i, h := range handles {
			assert.Equal(t, k+1, h.StrongCount(), "StrongCount() of handle %d of %d: every handle counts the same box", i, k+1)
			assert.Equal(t, m["dolly"], h.Value()["dolly"], "handle %d: Value() must be the value in the shared box", i)
		}
	})
}

func TestArc_DropCountsDownAndRunsTheHookOnceAtTheEnd(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		var h hook[string]
		v := "dolly " + strconv.Itoa(r.IntN(1000))
		root := newArcWithDrop(t, v, h.drop)
		handles := []*arc.Arc[string]{root}
		for range 2 + r.IntN(8) {
			c := clone(t, root)
			handles = append(handles, c)
		}
		r.Shuffle(len(handles), func(i, j int) { handles[i], handles[j] = handles[j], handles[i] })
		n := len(handles)
		for i, a := range handles {
			a.Drop()
			if i < n-1 {
				assert.Equal(t, n-1-i, handles[n-1].StrongCount(), "StrongCount() after %d of %d handles were dropped", i+1, n)
				require.Zero(t, h.calls.Load(), "the drop hook ran after %d of %d handles were dropped: it must wait for the last", i+1, n)
			}
		}
		assert.Equal(t, int32(1), h.calls.Load(), "drop hook calls once all %d handles were dropped", n)
		assert.Equal(t, v, h.got.Load(), "the drop hook's argument")
		assert.Equal(t, 0, handles[0].StrongCount(), "StrongCount() once every handle is dropped")
	})
}

func TestArc_DropIsIdempotentPerHandle(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		var h hook[int]
		root := newArcWithDrop(t, 7, h.drop)
		c := clone(t, root)
		d := clone(t, root)

		c.Drop()
		c.Drop() // must not take away d's or root's share
		c.Drop()
		assert.Equal(t, 2, root.StrongCount(), "StrongCount() of 3 handles after one of them was dropped 3 times")
		assert.Zero(t, h.calls.Load(), "the drop hook ran while 2 handles were still live: dropping one handle again must do nothing")
		d.Drop()
		root.Drop()
		root.Drop()
		assert.Equal(t, int32(1), h.calls.Load(), "drop hook calls after every handle was dropped (some twice)")
		assert.Equal(t, 0, root.StrongCount(), "StrongCount() once every handle is dropped")
	})
}

func TestArc_DroppedHandlePanicsOnCloneAndValue(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		root := newArc(t, "dolly")
		c := clone(t, root)
		c.Drop()
		assert.Panics(t, func() { c.Value() }, "Value() on a dropped handle (while another handle is live) should panic")
		assert.Panics(t, func() { c.Clone() }, "Clone() on a dropped handle (while another handle is live) should panic")
		assert.Equal(t, 1, root.StrongCount(), "StrongCount() after a Clone() on a dropped handle panicked")
		assert.Equal(t, 1, c.StrongCount(), "StrongCount() of a dropped handle while another handle onto its box is live: it counts the live handles onto the box")
		assert.Equal(t, "dolly", root.Value(), "Value() of the handle that is still live")

		root.Drop()
		assert.Panics(t, func() { root.Value() }, "Value() after the last handle was dropped should panic")
		assert.Panics(t, func() { root.Clone() }, "Clone() after the last handle was dropped should panic")
		assert.Equal(t, 0, root.StrongCount(), "StrongCount() after the last handle was dropped")
	})
}

func TestArc_DropStaysIdempotentWithOtherCallsInBetween(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		var h hook[int]
		root := newArcWithDrop(t, harness.Rand(t).IntN(1000), h.drop)
		c, d := clone(t, root), clone(t, root)

		c.Drop()
		e := clone(t, root) // other calls in between: a Clone, then a Drop of another handle
		d.Drop()
		c.Drop() // c was dropped before d was: dropping it again must still do nothing
		assert.Equal(t, 2, root.StrongCount(),
			"StrongCount() of root and e after: c dropped, e cloned, d dropped, c dropped again (want 2: dropping c again must not count)")
		e.Drop()
		d.Drop()
		c.Drop()
		e.Drop()
		assert.Equal(t, 1, root.StrongCount(),
			"StrongCount() of root after c, d and e were each dropped more than once, with other drops in between")
		assert.Zero(t, h.calls.Load(), "the drop hook ran while root was still live")
		root.Drop()
		assert.Equal(t, int32(1), h.calls.Load(), "drop hook calls once every handle was dropped")
	})
}

func TestArc_TheHookSeesTheCountAtZero(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		root, w := newWatched(t, r.IntN(1000))
		handles := []*arc.Arc[int]{root}
		for range 1 + r.IntN(5) {
			handles = append(handles, clone(t, root))
		}
		r.Shuffle(len(handles), func(i, j int) { handles[i], handles[j] = handles[j], handles[i] })
		for _, a := range handles {
			a.Drop()
		}
		require.Equal(t, int32(1), w.calls.Load(), "drop hook calls once all %d handles were dropped", len(handles))
		assert.Equal(t, int64(0), w.countIn.Load(),
			"StrongCount() called from inside the drop hook: the hook runs once the count has reached 0, so it must see 0")
	})
}

// Task 2: many goroutines at once.

func TestArc_ConcurrentClonesAndDropsKeepTheCount(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		atLeastProcessors(t, 4)
		r := harness.Rand(t)
		var h hook[string]
		root := newArcWithDrop(t, "dolly", h.drop)

		const rounds = 5
		for round := range rounds {
			last := round == rounds-1 // in the last round, one goroutine drops the first handle too
			g := 100 + r.IntN(50)
			clones := make([]int, g) // how many clones goroutine i takes
			want := 1
			for i := range clones {
				clones[i] = 1 + r.IntN(20)
				want += clones[i]
			}
			start, dropNow := make(chan struct{}), make(chan struct{})
			var cloned, dropped sync.WaitGroup
			cloned.Add(g)
			dropped.Add(g)
			for i := range g {
				go func() {
					defer dropped.Done()
					<-start
					mine := []*arc.Arc[string]{root.Clone()}
					for len(mine) < clones[i] {
						mine = append(mine, mine[len(mine)-1].Clone()) // a clone of a clone counts too
					}
					cloned.Done()
					<-dropNow
					if last && i == g/2 {
						mine = append(mine, root)
					}
					for j, a := range mine {
						a.Drop()
						if j%3 == 0 {
							a.Drop() // idempotent per handle
						}
					}
				}()
			}
			close(start)
			cloned.Wait() // quiescent: every goroutine holds its clones, none has dropped any
			if !assert.Equal(t, want, root.StrongCount(),
				"round %d: StrongCount() while %d goroutines hold %d clones between them (they cloned all at once)", round, g, want-1) {
				close(dropNow)
				dropped.Wait()
				return
			}
			close(dropNow)
			dropped.Wait() // quiescent: every clone is dropped
			if last {
				break
			}
			if !assert.Equal(t, 1, root.StrongCount(),
				"round %d: StrongCount() after %d goroutines dropped all their clones at once", round, g) {
				return
			}
			require.Zero(t, h.calls.Load(), "round %d: the drop hook ran while the first handle was still live", round)
			require.Equal(t, "dolly", root.Value(), "round %d: Value() of the first handle after all the clones are gone", round)
		}
		assert.Equal(t, int32(1), h.calls.Load(), "drop hook calls after 100+ goroutines dropped every handle at once")
		assert.Equal(t, 0, root.StrongCount(), "StrongCount() once every handle is dropped")
	})
}

func TestArc_AnyTwoCallsMayRunAtOnce(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		// Each case calls two methods from two goroutines that nothing else orders: the race
		// detector then reports any field that both calls touch without synchronization, on
		// every run, however the two goroutines happen to be scheduled.
		v := harness.Rand(t).IntN(1000) + 1
		t.Run("Clone and Clone of one handle", func(t *testing.T) {
			root, _ := newWatched(t, v)
			var c1, c2 *arc.Arc[int]
			atOnce(func() { c1 = root.Clone() }, func() { c2 = root.Clone() })
			require.NotNil(t, c1, "Clone() returned nil")
			require.NotNil(t, c2, "Clone() returned nil")
			assert.Equal(t, 3, root.StrongCount(), "StrongCount() after two goroutines called Clone() on one handle at once")
		})
		t.Run("Clone and Clone of two handles", func(t *testing.T) {
			root, _ := newWatched(t, v)
			x := clone(t, root)
			atOnce(func() { root.Clone() }, func() { x.Clone() })
			assert.Equal(t, 4, root.StrongCount(), "StrongCount() after two goroutines called Clone() on two handles at once")
		})
		t.Run("Clone and Drop of another handle", func(t *testing.T) {
			root, w := newWatched(t, v)
			x := clone(t, root)
			atOnce(func() { root.Clone() }, x.Drop)
			assert.Equal(t, 2, root.StrongCount(), "StrongCount() after root.Clone() and x.Drop() ran at once (root and x were live)")
			assert.Zero(t, w.calls.Load(), "the drop hook ran while handles were live")
		})
		t.Run("Drop and Drop of the last two handles", func(t *testing.T) {
			root, w := newWatched(t, v)
			x := clone(t, root)
			atOnce(root.Drop, x.Drop)
			assert.Equal(t, int32(1), w.calls.Load(), "drop hook calls after two goroutines dropped the last two handles at once")
			assert.Equal(t, 0, root.StrongCount(), "StrongCount() after two goroutines dropped the last two handles at once")
			assert.Equal(t, int64(0), w.countIn.Load(), "StrongCount() called from inside the drop hook")
		})
		t.Run("Drop and Drop of one handle", func(t *testing.T) {
			root, w := newWatched(t, v)
			x := clone(t, root)
			atOnce(x.Drop, x.Drop)
			assert.Equal(t, 1, root.StrongCount(), "StrongCount() after two goroutines dropped the same clone at once (Drop is idempotent per handle, from any goroutine)")
			assert.Zero(t, w.calls.Load(), "the drop hook ran while root was still live")
		})
		t.Run("Drop and Drop of the only handle", func(t *testing.T) {
			root, w := newWatched(t, v)
			atOnce(root.Drop, root.Drop)
			assert.Equal(t, int32(1), w.calls.Load(), "drop hook calls after two goroutines dropped the only handle at once")
			assert.Equal(t, 0, root.StrongCount(), "StrongCount() after two goroutines dropped the only handle at once")
		})
		t.Run("Value and Drop of another handle", func(t *testing.T) {
			root, _ := newWatched(t, v)
			x := clone(t, root)
			var got int
			atOnce(func() { got = root.Value() }, x.Drop)
			assert.Equal(t, v, got, "root.Value() while x.Drop() ran")
			assert.Equal(t, 1, root.StrongCount(), "StrongCount() after root.Value() and x.Drop() ran at once")
		})
		t.Run("Value and Drop of one handle", func(t *testing.T) {
			root, _ := newWatched(t, v)
			x := clone(t, root)
			got := -1
			atOnce(func() { harness.Recover(func() { got = x.Value() }) }, x.Drop) // before the Drop or after it: a value or a panic
			assert.Contains(t, []int{-1, v}, got, "x.Value() while x.Drop() ran: the value in the box, or a panic")
			assert.Equal(t, 1, root.StrongCount(), "StrongCount() after x.Value() and x.Drop() ran at once")
		})
		t.Run("Clone and Drop of one handle", func(t *testing.T) {
			root, _ := newWatched(t, v)
			x := clone(t, root)
			var c *arc.Arc[int]
			atOnce(func() { harness.Recover(func() { c = x.Clone() }) }, x.Drop) // before the Drop or after it: a clone or a panic
			want := 1
			if c != nil {
				want = 2
			}
			assert.Equal(t, want, root.StrongCount(), "StrongCount() after x.Clone() and x.Drop() ran at once (the Clone returned a handle: %v)", c != nil)
		})
		t.Run("StrongCount and Clone", func(t *testing.T) {
			root, _ := newWatched(t, v)
			var n int
			atOnce(func() { n = root.StrongCount() }, func() { root.Clone() })
			assert.Contains(t, []int{1, 2}, n, "StrongCount() while Clone() ran on the only handle")
			assert.Equal(t, 2, root.StrongCount(), "StrongCount() after Clone() and StrongCount() ran at once")
		})
		t.Run("StrongCount and Drop", func(t *testing.T) {
			root, _ := newWatched(t, v)
			x := clone(t, root)
			var n int
			atOnce(func() { n = root.StrongCount() }, x.Drop)
			assert.Contains(t, []int{1, 2}, n, "StrongCount() while x.Drop() ran")
			assert.Equal(t, 1, root.StrongCount(), "StrongCount() after x.Drop() and StrongCount() ran at once")
		})
	})
}

func TestArc_DropOfTheSameHandleDuringItsHookCountsOnce(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		v := harness.Rand(t).IntN(1000)
		var calls atomic.Int32
		var a *arc.Arc[int]
		var second <-chan struct{}
		a = arc.NewWithDrop(v, func(int) {
			if calls.Add(1) == 1 {
				// The first Drop of a is inside its hook: a second goroutine drops a again now,
				// and the hook goes on once that Drop has returned or waits (the contract leaves
				// open whether it waits for this hook).
				second = returnedOrWaiting(t, "a second a.Drop(), started from inside a's drop hook", a.Drop)
			}
		})
		require.NotNil(t, a, "NewWithDrop returned nil")
		a.Drop()
		require.NotNil(t, second, "a.Drop() of the only handle did not run the drop hook")
		harness.Receive(t, second, "the second a.Drop() had not returned %v after the first had returned", harness.Bound())
		assert.Equal(t, int32(1), calls.Load(), "drop hook calls after the only handle was dropped twice, the second time while its hook ran")
		assert.Equal(t, 0, a.StrongCount(),
			"StrongCount() after the only handle was dropped twice, the second time while its hook ran: the second Drop must do nothing (mark the handle dropped before counting down)")
	})
}

// Task 3: MyString and Hello.

func TestMyString_HoldsItsString(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s := "dolly " + strconv.Itoa(harness.Rand(t).IntN(1000))
		m := arc.NewMyString(s)
		assert.Equal(t, s, m.String(), "NewMyString(%q).String()", s)
		assert.Equal(t, s, fmt.Sprint(m), "fmt.Sprint(NewMyString(%q))", s)
		assert.Equal(t, "", arc.NewMyString("").String(), `NewMyString("").String()`)

		a := newMyStringArc(t, s)
		assert.Equal(t, s, a.Value().String(), "New(NewMyString(%q)).Value().String()", s)
	})
}

func TestHello_SaysHelloCountIInOrder(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		t.Run("the seed's five", func(t *testing.T) {
			name := newMyStringArc(t, "dolly")
			assert.Equal(t, []string{
				"hello dolly count 0", "hello dolly count 1", "hello dolly count 2",
				"hello dolly count 3", "hello dolly count 4",
			}, arc.Hello(name, 5), `Hello(New(NewMyString("dolly")), 5)`)
		})
		t.Run("random names and counts", func(t *testing.T) {
			for range 10 {
				s := randomName(r)
				n := 1 + r.IntN(40)
				name := newMyStringArc(t, s)
				if !assertLines(t, helloLines(s, n), arc.Hello(name, n), "Hello(%q, %d)", s, n) {
					return
				}
			}
		})
		t.Run("one processor", func(t *testing.T) {
			prev := runtime.GOMAXPROCS(1) // goroutines then finish in an order that is not i order
			t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
			for range 10 {
				s := randomName(r)
				n := 2 + r.IntN(40)
				name := newMyStringArc(t, s)
				if !assertLines(t, helloLines(s, n), arc.Hello(name, n),
					"Hello(%q, %d) with GOMAXPROCS=1: lines must come in i order, not in the order the goroutines finish", s, n) {
					return
				}
			}
		})
		t.Run("zero and negative n", func(t *testing.T) {
			name := newMyStringArc(t, "dolly")
			assert.Empty(t, arc.Hello(name, 0), "Hello(name, 0)")
			assert.Panics(t, func() { arc.Hello(name, -1) }, "Hello(name, -1) should panic: n must be >= 0")
		})
	})
}

func TestHello_DropsEveryCloneButNotTheCallers(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		for range 10 {
			s := randomName(r)
			n := 1 + r.IntN(40)
			var helloReturned atomic.Bool
			var early atomic.Bool
			var h hook[arc.MyString]
			name := arc.NewWithDrop(arc.NewMyString(s), func(m arc.MyString) {
				if !helloReturned.Load() {
					early.Store(true)
				}
				h.drop(m)
			})
			require.NotNil(t, name, "NewWithDrop returned nil")

			lines := arc.Hello(name, n)
			helloReturned.Store(true)
			require.False(t, early.Load(),
				"Hello(%q, %d): the drop hook ran before Hello returned, so Hello dropped the caller's handle", s, n)
			require.True(t, assertLines(t, helloLines(s, n), lines, "Hello(%q, %d)", s, n))
			require.Equal(t, 1, name.StrongCount(),
				"StrongCount() of the caller's handle after Hello(%q, %d) returned: each goroutine must drop its own clone, and none of the caller's", s, n)
			require.NotPanics(t, func() { name.Value() },
				"Value() of the caller's handle after Hello(%q, %d) returned: Hello must not drop the caller's handle", s, n)
			assert.Zero(t, h.calls.Load(), "the drop hook ran while the caller's handle was still live")

			name.Drop()
			require.Equal(t, int32(1), h.calls.Load(), "drop hook calls after the caller dropped its handle, after Hello(%q, %d)", s, n)
			require.Equal(t, s, h.got.Load().(arc.MyString).String(), "the drop hook's argument, as a string")
		}
	})
}

// Helpers.

// newArc calls arc.New(v) and stops the test when it returns nil.
func newArc[T any](t *testing.T, v T) *arc.Arc[T] {
	t.Helper()
	a := arc.New(v)
	require.NotNil(t, a, "New(%#v) returned nil", v)
	return a
}

// newMyStringArc calls arc.New(arc.NewMyString(s)) and stops the test when it returns nil.
func newMyStringArc(t *testing.T, s string) *arc.Arc[arc.MyString] {
	t.Helper()
	a := arc.New(arc.NewMyString(s))
	require.NotNil(t, a, "New(NewMyString(%q)) returned nil", s)
	return a
}

// newArcWithDrop calls arc.NewWithDrop(v, hook) and stops the test when it returns nil.
func newArcWithDrop[T any](t *testing.T, v T, hook func(T)) *arc.Arc[T] {
	t.Helper()
	a := arc.NewWithDrop(v, hook)
	require.NotNil(t, a, "NewWithDrop(%#v, hook) returned nil", v)
	return a
}

// clone calls a.Clone() and stops the test when it returns nil.
func clone[T any](t *testing.T, a *arc.Arc[T]) *arc.Arc[T] {
	t.Helper()
	c := a.Clone()
	require.NotNil(t, c, "Clone() returned nil")
	return c
}

// hook is a drop hook that counts its calls and remembers the value it was given.
type hook[T any] struct {
	calls atomic.Int32
	got   atomic.Value
}

func (h *hook[T]) drop(v T) {
	h.got.Store(v)
	h.calls.Add(1)
}

// atLeastProcessors runs the rest of t with GOMAXPROCS >= n, so that goroutines really run at
// the same time (or are switched in the middle of an operation by the operating system).
func atLeastProcessors(t *testing.T, n int) {
	if prev := runtime.GOMAXPROCS(0); prev < n {
		runtime.GOMAXPROCS(n)
		t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
	}
}

// watched is a drop hook that counts its calls and remembers what StrongCount() returned inside.
type watched struct {
	calls   atomic.Int32
	countIn atomic.Int64
}

// newWatched returns the first handle onto a box holding v, with a watched drop hook.
func newWatched(t *testing.T, v int) (*arc.Arc[int], *watched) {
	t.Helper()
	w := &watched{}
	w.countIn.Store(-1)
	var a *arc.Arc[int]
	a = arc.NewWithDrop(v, func(int) {
		w.countIn.Store(int64(a.StrongCount()))
		w.calls.Add(1)
	})
	require.NotNil(t, a, "NewWithDrop returned nil")
	return a, w
}

// atOnce runs f and g in two new goroutines and waits for both. Nothing orders the two calls, so
// the race detector reports any memory they both touch without synchronization, on every run.
func atOnce(f, g func()) {
	var wg sync.WaitGroup
	wg.Go(f)
	wg.Go(g)
	wg.Wait()
}

// returnedOrWaiting runs f in a new goroutine and returns once f has returned or is blocked inside
// package arc (on a lock, say); the channel it returns is closed when f returns. When f does
// neither within harness.Bound, it fails t with the report of where the goroutines are.
func returnedOrWaiting(t *testing.T, what string, f func()) <-chan struct{} {
	t.Helper()
	done := make(chan struct{})
	var id atomic.Int64
	go func() {
		defer close(done)
		id.Store(harness.GoroutineID())
		f()
	}()
	settled := harness.Poll(func() bool {
		select {
		case <-done:
			return true
		default:
		}
		g := id.Load()
		return g != 0 && harness.Blocked("/exercises/05_arc.")[g]
	})
	if !settled {
		harness.FailStuck(t, "%s neither returned nor waited within %v", what, harness.Bound())
	}
	return done
}

// assertLines compares Hello's lines one by one (plain reads, which the race detector sees), then
// as a whole.
func assertLines(t *testing.T, want, got []string, msgAndArgs ...any) bool {
	t.Helper()
	same := len(want) == len(got)
	for i := range min(len(want), len(got)) {
		same = same && want[i] == got[i]
	}
	if same {
		return true
	}
	return assert.Equal(t, want, got, msgAndArgs...)
}

func helloLines(name string, n int) []string {
	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("hello %s count %d", name, i)
	}
	return want
}

var names = []string{"dolly", "alice", "bob", "carol", "dave", "erin", "frank", "grace"}

func randomName(r *rand.Rand) string {
	return names[r.IntN(len(names))] + strconv.Itoa(r.IntN(100))
}
