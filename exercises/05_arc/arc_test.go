package arc_test

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	arc "github.com/kata-go/concurrency/exercises/05_arc"
	"github.com/kata-go/concurrency/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }

// MyString is a fmt.Stringer, so %s and %v print the string it holds.
var _ fmt.Stringer = arc.MyString{}

// hook is a drop hook that counts its calls and remembers the value it was given.
type hook[T any] struct {
	calls atomic.Int32
	got   atomic.Value
}

func (h *hook[T]) drop(v T) {
	h.got.Store(v)
	h.calls.Add(1)
}

// Task 1: handles, counted, from one goroutine.

func TestArc_NewHoldsTheValueWithCountOne(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		v := harness.Rand(t).IntN(1000) + 1
		a := arc.New(v)
		require.NotNil(t, a, "New(%d) returned nil", v)
		assert.Equal(t, v, a.Value(), "New(%d).Value()", v)
		assert.Equal(t, 1, a.StrongCount(), "New(%d).StrongCount()", v)
		a.Drop() // no hook: nothing to run
		assert.Equal(t, 0, a.StrongCount(), "New(%d): StrongCount() after its only handle is dropped", v)

		var h hook[string]
		s := arc.NewWithDrop("dolly "+strconv.Itoa(v), h.drop)
		require.NotNil(t, s, "NewWithDrop returned nil")
		assert.Equal(t, "dolly "+strconv.Itoa(v), s.Value(), "NewWithDrop(%q, hook).Value()", "dolly "+strconv.Itoa(v))
		assert.Equal(t, 1, s.StrongCount(), "NewWithDrop(...).StrongCount()")
		assert.Zero(t, h.calls.Load(), "the drop hook ran before any handle was dropped")
		s.Drop()

		n := arc.NewWithDrop(v, nil) // a nil hook means no hook
		require.NotNil(t, n, "NewWithDrop(%d, nil) returned nil", v)
		assert.NotPanics(t, n.Drop, "Drop of the last handle of NewWithDrop(v, nil): a nil hook means no hook")
	})
}

func TestArc_CloneSharesTheBoxAndCountsUp(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		m := map[string]int{"dolly": r.IntN(100)}
		root := arc.New(m)
		require.NotNil(t, root, "New returned nil")
		handles := []*arc.Arc[map[string]int]{root}
		k := 2 + r.IntN(8)
		for i := range k {
			from := handles[r.IntN(len(handles))] // a clone of a clone is a handle onto the same box too
			c := from.Clone()
			require.NotNil(t, c, "Clone() returned nil")
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
		root := arc.NewWithDrop(v, h.drop)
		require.NotNil(t, root, "NewWithDrop returned nil")
		handles := []*arc.Arc[string]{root}
		for range 2 + r.IntN(8) {
			c := root.Clone()
			require.NotNil(t, c, "Clone() returned nil")
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
		root := arc.NewWithDrop(7, h.drop)
		require.NotNil(t, root, "NewWithDrop returned nil")
		c := root.Clone()
		require.NotNil(t, c, "Clone() returned nil")
		d := root.Clone()
		require.NotNil(t, d, "Clone() returned nil")

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
		root := arc.New("dolly")
		require.NotNil(t, root, "New returned nil")
		c := root.Clone()
		require.NotNil(t, c, "Clone() returned nil")
		c.Drop()
		assert.Panics(t, func() { c.Value() }, "Value() on a dropped handle (while another handle is live) should panic")
		assert.Panics(t, func() { c.Clone() }, "Clone() on a dropped handle (while another handle is live) should panic")
		assert.Equal(t, 1, root.StrongCount(), "StrongCount() after a Clone() on a dropped handle panicked")
		assert.Equal(t, "dolly", root.Value(), "Value() of the handle that is still live")

		root.Drop()
		assert.Panics(t, func() { root.Value() }, "Value() after the last handle was dropped should panic")
		assert.Panics(t, func() { root.Clone() }, "Clone() after the last handle was dropped should panic")
		assert.Equal(t, 0, root.StrongCount(), "StrongCount() after the last handle was dropped")
	})
}

// Task 2: many goroutines at once.

func TestArc_ConcurrentClonesAndDropsKeepTheCount(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		atLeastProcessors(t, 4)
		r := harness.Rand(t)
		var h hook[string]
		root := arc.NewWithDrop("dolly", h.drop)
		require.NotNil(t, root, "NewWithDrop returned nil")

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

func TestArc_TwoLastDropsAtOnceRunTheHookExactlyOnce(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		atLeastProcessors(t, 4)
		began := time.Now()
		for batch, overlaps := 0, 0; batch < maxBatches && overlaps < wantOverlaps && time.Since(began) < batchBudget; batch++ {
			hooks := make([]hook[int], batchSize)
			pairs := make([][2]*arc.Arc[int], batchSize)
			for k := range pairs {
				a := arc.NewWithDrop(k, hooks[k].drop)
				require.NotNil(t, a, "NewWithDrop returned nil")
				pairs[k] = [2]*arc.Arc[int]{a, a.Clone()}
			}
			overlaps += inLockstep(batchSize, func(who, k int) { pairs[k][who].Drop() })
			for k := range pairs {
				if got := hooks[k].calls.Load(); got != 1 {
					t.Fatalf("two goroutines dropped the only two handles onto a box at the same instant: the drop hook ran %d times, want exactly 1 (StrongCount() = %d)",
						got, pairs[k][0].StrongCount())
				}
				if c := pairs[k][0].StrongCount(); c != 0 {
					t.Fatalf("two goroutines dropped the only two handles onto a box at the same instant: StrongCount() = %d afterwards, want 0", c)
				}
			}
		}
	})
}

func TestArc_OneHandleDroppedFromTwoGoroutinesCountsOnce(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		atLeastProcessors(t, 4)
		began := time.Now()
		for batch, overlaps := 0, 0; batch < maxBatches && overlaps < wantOverlaps && time.Since(began) < batchBudget; batch++ {
			hooks := make([]hook[int], batchSize)
			roots := make([]*arc.Arc[int], batchSize)
			shared := make([]*arc.Arc[int], batchSize)
			for k := range roots {
				roots[k] = arc.NewWithDrop(k, hooks[k].drop)
				require.NotNil(t, roots[k], "NewWithDrop returned nil")
				shared[k] = roots[k].Clone()
			}
			overlaps += inLockstep(batchSize, func(_, k int) { shared[k].Drop() }) // both drop the same handle
			for k := range roots {
				if c := roots[k].StrongCount(); c != 1 {
					t.Fatalf("two goroutines dropped the same clone at the same instant: StrongCount() = %d afterwards, want 1 (Drop is idempotent per handle, from any goroutine)", c)
				}
				if got := hooks[k].calls.Load(); got != 0 {
					t.Fatalf("two goroutines dropped the same clone at the same instant: the drop hook ran while the first handle was still live")
				}
				roots[k].Drop()
				if got := hooks[k].calls.Load(); got != 1 {
					t.Fatalf("drop hook calls after the first handle was dropped too: %d, want 1", got)
				}
			}
		}
	})
}

// The lockstep tests run batches of batchSize boxes until wantOverlaps pairs of calls really
// overlapped in time, or maxBatches batches ran, or batchBudget has passed (on a machine with
// one CPU the calls may never overlap).
const (
	batchSize    = 100
	wantOverlaps = 40
	maxBatches   = 200
	batchBudget  = 3 * time.Second
	spinLimit    = 20000 // spins (tens of microseconds) before inLockstep blocks instead
)

// inLockstep calls f(0, k) and f(1, k) for every k < rounds, from two goroutines that meet
// before each k, so that both calls for one k start at the same instant: the first to arrive
// spins until the other is there too (and only blocks, on a channel, when that takes long, as
// when the other goroutine is not running at all). It returns how many of the pairs of calls
// did overlap in time.
func inLockstep(rounds int, f func(who, k int)) (overlaps int) {
	type meeting struct {
		arrived atomic.Int32
		both    chan struct{} // closed by the second to arrive
	}
	meet := make([]meeting, rounds)
	for k := range meet {
		meet[k].both = make(chan struct{})
	}
	var inside, overlapped atomic.Int64
	var wg sync.WaitGroup
	for who := range 2 {
		wg.Go(func() {
			for k := range meet {
				m := &meet[k]
				if m.arrived.Add(1) == 2 {
					close(m.both)
				} else {
					spins := 0
					for m.arrived.Load() < 2 && spins < spinLimit {
						spins++
					}
					if spins == spinLimit {
						<-m.both // closed already if the other arrived on the last spin
					}
				}
				if inside.Add(1) == 2 {
					overlapped.Add(1)
				}
				f(who, k)
				inside.Add(-1)
			}
		})
	}
	wg.Wait()
	return int(overlapped.Load())
}

// atLeastProcessors runs the rest of t with GOMAXPROCS >= n, so that goroutines really run at
// the same time (or are switched in the middle of an operation by the operating system).
func atLeastProcessors(t *testing.T, n int) {
	if prev := runtime.GOMAXPROCS(0); prev < n {
		runtime.GOMAXPROCS(n)
		t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
	}
}

// Task 3: MyString and Hello.

func TestMyString_HoldsItsString(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s := "dolly " + strconv.Itoa(harness.Rand(t).IntN(1000))
		m := arc.NewMyString(s)
		assert.Equal(t, s, m.String(), "NewMyString(%q).String()", s)
		assert.Equal(t, s, fmt.Sprint(m), "fmt.Sprint(NewMyString(%q))", s)
		assert.Equal(t, "", arc.NewMyString("").String(), `NewMyString("").String()`)

		a := arc.New(arc.NewMyString(s))
		require.NotNil(t, a, "New(NewMyString(%q)) returned nil", s)
		assert.Equal(t, s, a.Value().String(), "New(NewMyString(%q)).Value().String()", s)
	})
}

func TestHello_SaysHelloCountIInOrder(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		t.Run("the seed's five", func(t *testing.T) {
			name := arc.New(arc.NewMyString("dolly"))
			require.NotNil(t, name, "New returned nil")
			assert.Equal(t, []string{
				"hello dolly count 0", "hello dolly count 1", "hello dolly count 2",
				"hello dolly count 3", "hello dolly count 4",
			}, arc.Hello(name, 5), `Hello(New(NewMyString("dolly")), 5)`)
		})
		t.Run("random names and counts", func(t *testing.T) {
			for range 10 {
				s := randomName(r)
				n := 1 + r.IntN(40)
				name := arc.New(arc.NewMyString(s))
				require.NotNil(t, name, "New returned nil")
				if !assert.Equal(t, helloLines(s, n), arc.Hello(name, n), "Hello(%q, %d)", s, n) {
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
				name := arc.New(arc.NewMyString(s))
				require.NotNil(t, name, "New returned nil")
				if !assert.Equal(t, helloLines(s, n), arc.Hello(name, n),
					"Hello(%q, %d) with GOMAXPROCS=1: lines must come in i order, not in the order the goroutines finish", s, n) {
					return
				}
			}
		})
		t.Run("zero and negative n", func(t *testing.T) {
			name := arc.New(arc.NewMyString("dolly"))
			require.NotNil(t, name, "New returned nil")
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
			require.Len(t, lines, n, "Hello(%q, %d)", s, n)
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
