package barrier_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	barrier "github.com/kata-go/concurrency/exercises/07_barrier"
	"github.com/kata-go/concurrency/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }

// These tests use real goroutines, not testing/synctest: a Barrier may well be built on
// sync.Mutex, and synctest cannot wait for a goroutine that waits for a mutex. To know that a
// goroutine is waiting inside Wait, the tests look at its stack (harness.Blocked) until it is
// blocked in package barrier; no test sleeps for a fixed time, and the time limit
// (harness.Bound) only ends a test that has already gone wrong. Where a wrong Barrier fails only when goroutines
// run in one particular order, the test runs on one processor (oneProcessor), where a goroutine
// goes on running until it blocks: one goroutine then does the steps in the order the test needs.

// rounds is how many times a test that forces an order on one processor tries it.
const rounds = 5

// Task 1: New.

func TestNew_PanicsWhenNIsLessThanOne(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		for _, n := range []int{0, -1 - harness.Rand(t).IntN(100)} {
			v, panicked := harness.Recover(func() { barrier.New(n) })
			if assert.True(t, panicked, "New(%d) should panic", n) {
				assert.Equal(t, fmt.Sprintf("barrier: n must be >= 1, got %d", n), fmt.Sprint(v), "New(%d) panicked with", n)
			}
		}
	})
}

func TestWait_OneGoroutineBarrierNeverBlocks(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		k := harness.Rand(t).IntN(20) + 5
		b := newBarrier(t, 1)
		for i := range k {
			a := goWait(b)
			r := collect(t, []*arrival{a}, fmt.Sprintf("Wait number %d on New(1)", i+1))
			require.True(t, r[0].leader, "Wait number %d on New(1) = false: with n = 1 every Wait is a whole generation, so its goroutine is the leader", i+1)
		}
		// Several at once: each is a generation of its own.
		as := goWaits(b, k)
		for i, r := range collect(t, as, fmt.Sprintf("%d goroutines calling Wait at once on New(1)", k)) {
			assert.True(t, r.leader, "Wait on New(1) from goroutine %d of %d at once = false, want true", i+1, k)
		}
		leader, err := b.WaitContext(context.Background())
		assert.NoError(t, err, "WaitContext on New(1)")
		assert.True(t, leader, "WaitContext on New(1): leader = false, want true")
	})
}

// Task 2: Wait.

func TestWait_NobodyPassesUntilAllNArrive(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		n := harness.Rand(t).IntN(6) + 3
		b := newBarrier(t, n)
		for gen := 1; gen <= 3; gen++ {
			as := goWaits(b, n-1)
			requireBlocked(t, as, fmt.Sprintf("New(%d), generation %d, with %d goroutines in Wait", n, gen, n-1))
			as = append(as, goWait(b))
			rs := collect(t, as, fmt.Sprintf("New(%d), generation %d, once the %dth goroutine called Wait", n, gen, n))
			assert.Equal(t, 1, leaders(rs), "New(%d), generation %d: leaders among the %d goroutines that returned from Wait, want exactly 1", n, gen, n)
		}
	})
}

func TestWait_ExactlyOneLeaderPerGeneration(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		for round := range 20 {
			n := r.IntN(8) + 2
			b := newBarrier(t, n)
			for gen := 1; gen <= 2; gen++ {
				as := goWaits(b, n)
				rs := collect(t, as, fmt.Sprintf("New(%d), generation %d, %d goroutines calling Wait at once", n, gen, n))
				require.Equal(t, 1, leaders(rs), "New(%d) (barrier %d), generation %d: %d goroutines returned from Wait with leader = true, want exactly 1", n, round+1, gen, leaders(rs))
			}
		}
	})
}

// TestWait_FastGoroutineJoinsTheNextGeneration: the goroutine that completes a generation calls
// Wait again at once, before the goroutines it released have even run. It belongs to the next
// generation: the others must still be released, and it must wait for n-1 new arrivals. (The
// operating system can still interrupt the order the test forces, rarely: so it tries a few
// times.)
func TestWait_FastGoroutineJoinsTheNextGeneration(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		oneProcessor(t)
		for range rounds {
			n := r.IntN(4) + 2
			b := newBarrier(t, n)
			waiters := goWaits(b, n-1)
			requireBlocked(t, waiters, fmt.Sprintf("New(%d), generation 1, with %d goroutines in Wait", n, n-1))
			settle()

			// The fast goroutine: Wait (the nth: it completes generation 1), then Wait again at once.
			first := make(chan response, 1)
			fast := goArrive(func() response {
				first <- response{leader: b.Wait()}
				return response{leader: b.Wait()}
			})
			rs := collect(t, append(waiters, &arrival{id: fast.id, done: first}), fmt.Sprintf(
				"New(%d), generation 1, after its nth goroutine completed it and at once called Wait again (a fast goroutine of generation 2 must not keep generation 1 waiting: wait for the generation to change, not for the count)", n))
			assert.Equal(t, 1, leaders(rs), "New(%d), generation 1: leaders among the %d goroutines that returned from Wait, want exactly 1", n, n)

			requireBlocked(t, []*arrival{fast}, fmt.Sprintf("New(%d), generation 2, with only the fast goroutine in Wait (it came back at once: it belongs to generation 2, not to the one it completed)", n))
			as := append([]*arrival{fast}, goWaits(b, n-1)...)
			rs = collect(t, as, fmt.Sprintf("New(%d), generation 2, once %d goroutines called Wait", n, n))
			assert.Equal(t, 1, leaders(rs), "New(%d), generation 2: leaders among the %d goroutines that returned from Wait, want exactly 1", n, n)
		}
	})
}

func TestWait_ReusableForManyGenerations(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		const gens = 50
		n := harness.Rand(t).IntN(5) + 2
		b := newBarrier(t, n)
		var arrived, leaders [gens]atomic.Int64
		var passed [gens]atomic.Int64
		var mu sync.Mutex
		var mixed []string
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				for g := range gens {
					arrived[g].Add(1)
					if b.Wait() {
						leaders[g].Add(1)
					}
					passed[g].Add(1)
					if got := arrived[g].Load(); got != int64(n) {
						mu.Lock()
						mixed = append(mixed, fmt.Sprintf("generation %d: a goroutine returned from Wait when only %d of its %d goroutines had arrived", g+1, got, n))
						mu.Unlock()
					}
				}
			})
		}
		done := make(chan struct{})
		go func() {
			wg.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(harness.Bound()):
			g := 0
			for g < gens-1 && passed[g].Load() == int64(n) {
				g++
			}
			harness.FatalStuck(t, "New(%d): %d goroutines calling Wait %d times each did not finish: generation %d is stuck with %d goroutines arrived and %d returned (a lost wake-up, or a goroutine of the next generation mixed into this one?)",
				n, n, gens, g+1, arrived[g].Load(), passed[g].Load())
		}
		mu.Lock()
		defer mu.Unlock()
		for _, m := range mixed[:min(len(mixed), 5)] {
			t.Errorf("New(%d): %s: nobody may pass before all n of a generation arrive", n, m)
		}
		for g := range gens {
			if got := leaders[g].Load(); got != 1 {
				t.Errorf("New(%d), generation %d of %d: %d leaders, want exactly 1", n, g+1, gens, got)
			}
		}
	})
}

// Task 3: WaitContext.

func TestWaitContext_CompletesLikeWait(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		n := r.IntN(6) + 2
		b := newBarrier(t, n)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		for gen := 1; gen <= 6; gen++ {
			// The first n-1 goroutines, a random mix of Wait and WaitContext, then the last one:
			// WaitContext in odd generations, Wait in even ones.
			var as []*arrival
			for i := range n - 1 {
				if i == 0 || r.IntN(2) == 0 {
					as = append(as, goWaitContext(b, ctx))
				} else {
					as = append(as, goWait(b))
				}
			}
			last := "Wait"
			requireBlocked(t, as, fmt.Sprintf("New(%d), generation %d, with %d goroutines in Wait and WaitContext", n, gen, n-1))
			if gen%2 == 1 {
				last = "WaitContext"
				as = append(as, goWaitContext(b, ctx))
			} else {
				as = append(as, goWait(b))
			}
			rs := collect(t, as, fmt.Sprintf("New(%d), generation %d, Wait and WaitContext, the last one a %s", n, gen, last))
			for _, res := range rs {
				assert.NoError(t, res.err, "New(%d), generation %d: WaitContext with a context that is not done", n, gen)
			}
			assert.Equal(t, 1, leaders(rs), "New(%d), generation %d, the last goroutine in a %s: leaders among the goroutines of Wait and WaitContext, want exactly 1", n, gen, last)
		}
	})
}

func TestWaitContext_ReturnsCtxErrWhenDoneFirst(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		n := harness.Rand(t).IntN(6) + 2
		b := newBarrier(t, n)

		ctx, cancel := context.WithCancel(context.Background())
		a := goWaitContext(b, ctx)
		requireBlocked(t, []*arrival{a}, fmt.Sprintf("New(%d) with one goroutine in WaitContext", n))
		cancel()
		r := collect(t, []*arrival{a}, fmt.Sprintf("New(%d): WaitContext after its context was cancelled", n))[0]
		require.Error(t, r.err, "New(%d): WaitContext after its context was cancelled returned a nil error", n)
		assert.ErrorIs(t, r.err, context.Canceled, "New(%d): WaitContext after its context was cancelled", n)
		assert.False(t, r.leader, "New(%d): WaitContext after its context was cancelled: leader = true, want false", n)

		// A context that is already done: the goroutine cannot complete the generation.
		r = collect(t, []*arrival{goWaitContext(b, ctx)}, fmt.Sprintf("New(%d): WaitContext with a context already cancelled", n))[0]
		require.Error(t, r.err, "New(%d): WaitContext with a context already cancelled returned a nil error", n)
		assert.ErrorIs(t, r.err, context.Canceled, "New(%d): WaitContext with a context already cancelled", n)

		expired, stop := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer stop()
		r = collect(t, []*arrival{goWaitContext(b, expired)}, fmt.Sprintf("New(%d): WaitContext with a deadline in the past", n))[0]
		require.Error(t, r.err, "New(%d): WaitContext with a deadline in the past returned a nil error", n)
		assert.ErrorIs(t, r.err, context.DeadlineExceeded, "New(%d): WaitContext with a deadline in the past should return ctx.Err()", n)
	})
}

func TestWaitContext_WithdrawsSoTheBarrierStillNeedsN(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		n := harness.Rand(t).IntN(5) + 3 // the quitter, and at least one goroutine waiting with it
		b := newBarrier(t, n)

		// One of n-1 waiting goroutines, the first one to arrive, gives up...
		ctx, cancel := context.WithCancel(context.Background())
		quitter := goWaitContext(b, ctx)
		requireBlocked(t, []*arrival{quitter}, fmt.Sprintf("New(%d) with one goroutine in WaitContext", n))
		waiters := goWaits(b, n-2)
		requireBlocked(t, append([]*arrival{quitter}, waiters...), fmt.Sprintf("New(%d) with %d goroutines in Wait and one in WaitContext", n, n-2))
		cancel()
		r := collect(t, []*arrival{quitter}, fmt.Sprintf("New(%d): WaitContext after its context was cancelled", n))[0]
		require.Error(t, r.err, "New(%d): WaitContext after its context was cancelled returned a nil error", n)
		require.ErrorIs(t, r.err, context.Canceled, "New(%d): WaitContext after its context was cancelled", n)

		// ...so n-1 goroutines waiting are not enough...
		waiters = append(waiters, goWait(b))
		requireBlocked(t, waiters, fmt.Sprintf("New(%d) after one WaitContext withdrew, with %d goroutines in Wait", n, n-1))
		// ...and the nth completes the generation.
		waiters = append(waiters, goWait(b))
		rs := collect(t, waiters, fmt.Sprintf("New(%d) after one WaitContext withdrew, once %d goroutines called Wait", n, n))
		assert.Equal(t, 1, leaders(rs), "New(%d) after the first goroutine to arrive withdrew from WaitContext: leaders among the %d goroutines that returned from Wait, want exactly 1 (the one that withdrew was not counted, so it cannot have been the leader)", n, n)

		// A WaitContext whose context is already done withdraws at once.
		ctx, cancel = context.WithCancel(context.Background())
		cancel()
		r = collect(t, []*arrival{goWaitContext(b, ctx)}, fmt.Sprintf("New(%d): WaitContext with a context already cancelled", n))[0]
		require.Error(t, r.err, "New(%d): WaitContext with a context already cancelled returned a nil error", n)
		require.ErrorIs(t, r.err, context.Canceled, "New(%d): WaitContext with a context already cancelled", n)
		waiters = goWaits(b, n-1)
		requireBlocked(t, waiters, fmt.Sprintf("New(%d) after a WaitContext with a cancelled context withdrew, with %d goroutines in Wait", n, n-1))
		waiters = append(waiters, goWait(b))
		rs = collect(t, waiters, fmt.Sprintf("New(%d), the generation after a WaitContext withdrew, once %d goroutines called Wait", n, n))
		assert.Equal(t, 1, leaders(rs), "New(%d), the generation after a WaitContext withdrew: leaders, want exactly 1", n)
	})
}

// TestWaitContext_CancelDoesNotReleaseTheOthers: when one goroutine's context is done, the
// others, in Wait and in WaitContext with a context that is not done, go on waiting. A Barrier
// built on a sync.Cond wakes every waiter for that cancellation: each must check again whether
// its generation is over (a for loop around Cond.Wait, not an if).
func TestWaitContext_CancelDoesNotReleaseTheOthers(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		n := harness.Rand(t).IntN(4) + 4
		b := newBarrier(t, n)
		live, stop := context.WithCancel(context.Background())
		defer stop()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		quitter := goWaitContext(b, ctx)
		waiters := []*arrival{goWait(b), goWaitContext(b, live)}
		waiters = append(waiters, goWaits(b, n-4)...)
		requireBlocked(t, append([]*arrival{quitter}, waiters...), fmt.Sprintf("New(%d) with %d goroutines in Wait or WaitContext", n, n-1))
		cancel()
		r := collect(t, []*arrival{quitter}, fmt.Sprintf("New(%d): WaitContext after its context was cancelled", n))[0]
		require.Error(t, r.err, "New(%d): WaitContext after its context was cancelled returned a nil error", n)
		require.ErrorIs(t, r.err, context.Canceled, "New(%d): WaitContext after its context was cancelled", n)
		requireBlocked(t, waiters, fmt.Sprintf("New(%d) after one goroutine's WaitContext was cancelled, with %d others in Wait and in WaitContext with a context that is not done (the cancellation of one is no reason for the others to return)", n, n-2))

		// Two more complete the generation: the quitter was not counted.
		waiters = append(waiters, goWait(b))
		requireBlocked(t, waiters, fmt.Sprintf("New(%d) after one WaitContext withdrew, with %d goroutines waiting", n, n-1))
		waiters = append(waiters, goWait(b))
		rs := collect(t, waiters, fmt.Sprintf("New(%d) after one WaitContext withdrew, once %d goroutines waited", n, n))
		for _, res := range rs {
			assert.NoError(t, res.err, "New(%d): WaitContext with a context that is not done, in a generation that completed", n)
		}
		assert.Equal(t, 1, leaders(rs), "New(%d) after one WaitContext withdrew: leaders among the %d goroutines that returned, want exactly 1", n, n)
	})
}

// TestWaitContext_CancelledAsTheGenerationCompletes: a goroutine's context is cancelled by the
// last goroutine of its generation, which then arrives before the cancelled one has run again. Either
// outcome is allowed, never both: if WaitContext returns ctx.Err(), the goroutine was not
// counted and the generation is still waiting for one more; if the generation completed with
// it, WaitContext returns a nil error. (The operating system can still interrupt the order the
// test forces, rarely: so it tries a few times.)
func TestWaitContext_CancelledAsTheGenerationCompletes(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		oneProcessor(t)
		for range rounds {
			n := r.IntN(4) + 2
			b := newBarrier(t, n)
			waiters := goWaits(b, n-2)
			ctx, cancel := context.WithCancel(context.Background())
			quitter := goWaitContext(b, ctx)
			requireBlocked(t, append(waiters, quitter), fmt.Sprintf("New(%d) with %d goroutines in Wait and one in WaitContext", n, n-2))
			// The nth goroutine cancels the quitter's context and calls Wait at once: on one
			// processor, the quitter cannot run in between.
			settle()
			waiters = append(waiters, goArrive(func() response {
				cancel()
				return response{leader: b.Wait()}
			}))
			res := collect(t, []*arrival{quitter}, fmt.Sprintf("New(%d): WaitContext cancelled as the nth goroutine arrived", n))[0]
			if res.err == nil {
				rs := collect(t, waiters, fmt.Sprintf("New(%d): once WaitContext returned a nil error (it was counted), the other %d goroutines", n, n-1))
				assert.Equal(t, 1, leaders(append(rs, res)), "New(%d), a generation completed with a WaitContext cancelled at that moment: leaders, want exactly 1", n)
				continue
			}
			assert.ErrorIs(t, res.err, context.Canceled, "New(%d): WaitContext cancelled as the nth goroutine arrived", n)
			assert.False(t, res.leader, "New(%d): WaitContext returned leader = true with an error", n)
			requireBlocked(t, waiters, fmt.Sprintf("New(%d): WaitContext returned ctx.Err() as the nth goroutine arrived, so it withdrew: the other %d goroutines must go on waiting (a goroutine that got an error was not counted; check, under the lock, whether the generation completed before you withdraw)", n, n-1))
			waiters = append(waiters, goWait(b))
			rs := collect(t, waiters, fmt.Sprintf("New(%d): after a WaitContext withdrew, once %d goroutines called Wait", n, n))
			assert.Equal(t, 1, leaders(rs), "New(%d): after a WaitContext withdrew: leaders, want exactly 1", n)
		}
	})
}

// Helpers.

func newBarrier(t *testing.T, n int) *barrier.Barrier {
	t.Helper()
	b := barrier.New(n)
	require.NotNil(t, b, "New(%d) returned nil", n)
	return b
}

// arrival is one goroutine calling Wait, or WaitContext, on a barrier.
type arrival struct {
	id   int64         // the goroutine's id, as runtime.Stack shows it
	done chan response // gets what the call returned (buffered: len(done) == 1 once it returned)
}

type response struct {
	leader bool
	err    error
}

// goWait starts a goroutine that calls b.Wait(), and returns once that goroutine is about to
// make the call.
func goWait(b *barrier.Barrier) *arrival {
	return goArrive(func() response { return response{leader: b.Wait()} })
}

// goWaits starts k goroutines that each call b.Wait(), as goWait.
func goWaits(b *barrier.Barrier, k int) []*arrival {
	as := make([]*arrival, k)
	for i := range as {
		as[i] = goWait(b)
	}
	return as
}

// goWaitContext starts a goroutine that calls b.WaitContext(ctx), and returns once that
// goroutine is about to make the call.
func goWaitContext(b *barrier.Barrier, ctx context.Context) *arrival {
	return goArrive(func() response {
		leader, err := b.WaitContext(ctx)
		return response{leader, err}
	})
}

// goArrive starts a goroutine that makes call and sends what it returned on done, and returns
// once that goroutine knows its id.
func goArrive(call func() response) *arrival {
	a := &arrival{done: make(chan response, 1)}
	ids := make(chan int64)
	go func() {
		ids <- harness.GoroutineID()
		a.done <- call()
	}()
	a.id = <-ids
	return a
}

// collect waits for every arrival to return and says what each returned. After harness.Bound
// it fails t, saying how many are still blocked and where.
func collect(t *testing.T, as []*arrival, what string) []response {
	t.Helper()
	rs := make([]response, len(as))
	timeout := time.After(harness.Bound())
	for i, a := range as {
		select {
		case rs[i] = <-a.done:
		case <-timeout:
			harness.FatalStuck(t, "%s: %d of %d goroutines returned, the others are still blocked after %v", what, i, len(as), harness.Bound())
		}
	}
	return rs
}

func leaders(rs []response) int {
	n := 0
	for _, r := range rs {
		if r.leader {
			n++
		}
	}
	return n
}

// requireBlocked waits until every goroutine of as is blocked inside package barrier (in a
// channel operation, a mutex, a sync.Cond, a sleep...), which proves that each of them arrived.
// It fails t at once when one of them returned instead, and after harness.Bound when they are
// still not all blocked.
func requireBlocked(t *testing.T, as []*arrival, what string) {
	t.Helper()
	blocked := 0
	if harness.Poll(func() bool {
		ids := harness.Blocked("/exercises/07_barrier.")
		blocked = 0
		for _, a := range as {
			if len(a.done) > 0 {
				r := <-a.done
				t.Fatalf("%s: a goroutine returned (leader %v, err %v) while only %d goroutines had arrived: nobody may pass before the generation is complete", what, r.leader, r.err, len(as))
			}
			if ids[a.id] {
				blocked++
			}
		}
		return blocked == len(as)
	}) {
		return
	}
	harness.FatalStuck(t, "%s: after %v only %d of the %d goroutines were blocked waiting inside your Barrier's code (a Wait that spins instead of blocking is not accepted)", what, harness.Bound(), blocked, len(as))
}

// oneProcessor runs the rest of t with GOMAXPROCS=1: goroutines then run one at a time, and a
// goroutine that wakes others up (by a channel, a sync.Cond, a context) goes on running until it
// blocks; which of the woken ones runs first is not decided (the race detector shuffles them).
// Only a garbage collection, or a goroutine running for more than its time slice (10ms), can
// interrupt the running one: settle makes both unlikely just before the order matters.
func oneProcessor(t *testing.T) {
	t.Helper()
	prev := runtime.GOMAXPROCS(1)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
}

// settle collects garbage, so that no collection is due in the next few steps, then yields, so
// that the calling goroutine comes back with a whole time slice ahead of it.
func settle() {
	runtime.GC()
	runtime.Gosched()
}
