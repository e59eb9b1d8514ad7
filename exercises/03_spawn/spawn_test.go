package spawn_test

import (
	"fmt"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kata-go/concurrency/exercises/03_spawn"
	"github.com/kata-go/concurrency/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }

// Task 1: Spawn, Join and Done.

func TestJoin_ReturnsTheValueOfF(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		n := harness.Rand(t).IntN(1000) + 1
		h := spawn.Spawn(func() int { return n * 2 })
		require.NotNil(t, h, "Spawn returned nil")
		v, err := h.Join()
		assert.NoError(t, err, "Join() of a goroutine that returned normally")
		assert.Equal(t, n*2, v, "Spawn(func() int { return %d * 2 }).Join()", n)

		greeting := fmt.Sprint("hello ", n)
		hs := spawn.Spawn(func() string { return greeting })
		require.NotNil(t, hs, "Spawn returned nil")
		s, err := hs.Join()
		assert.NoError(t, err, "Join() of a goroutine that returned normally")
		assert.Equal(t, greeting, s, "Spawn(func() string { return %q }).Join()", greeting)
	})
}

func TestJoin_WaitsUntilFHasReturned(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		n := harness.Rand(t).IntN(1000) + 1
		synctest.Test(t, func(t *testing.T) {
			gate := make(chan struct{})
			h := spawn.Spawn(func() int { <-gate; return n }) // Spawn must return while f is blocked
			require.NotNil(t, h, "Spawn returned nil")
			done := h.Done()
			require.NotNil(t, done, "Done() returned a nil channel")

			type result struct {
				v   int
				err error
			}
			joined := make(chan result, 1)
			go func() {
				v, err := h.Join()
				joined <- result{v, err}
			}()

			synctest.Wait() // f and the joiner are now both blocked, or finished
			select {
			case r := <-joined:
				close(gate)
				t.Fatalf("Join() returned (%d, %v) while f was still blocked: Join must wait until f has returned", r.v, r.err)
			default:
			}
			select {
			case <-done:
				t.Errorf("Done() was closed while f was still blocked: close it only once f has returned")
			default:
			}

			close(gate) // let f return
			synctest.Wait()
			select {
			case <-done:
			default:
				t.Errorf("Done() not closed after f returned")
			}
			select {
			case r := <-joined:
				assert.NoError(t, r.err, "Join() once f has returned")
				assert.Equal(t, n, r.v, "Join() once f has returned %d", n)
			default:
				t.Errorf("Join() still blocked after f returned")
			}
		})
	})
}

func TestJoin_FromManyGoroutinesGetsTheSameResult(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		const joiners = 8
		n := harness.Rand(t).IntN(1000) + 1
		gate := make(chan struct{})
		h := spawn.Spawn(func() int { <-gate; return n })
		require.NotNil(t, h, "Spawn returned nil")
		results := joinFrom(h, joiners/2, nil)
		close(gate)                               // half the joiners may be waiting in Join, ...
		results = joinFrom(h, joiners/2, results) // ...the other half come after f returned
		for i := range joiners {
			res := nextResult(t, results, i, joiners)
			assert.NoError(t, res.err, "Join() number %d of %d", i+1, joiners)
			assert.Equal(t, n, res.v, "Join() number %d of %d, each from its own goroutine: every caller gets f's value", i+1, joiners)
		}
		v, err := h.Join()
		assert.NoError(t, err, "Join() again after %d joins", joiners)
		assert.Equal(t, n, v, "Join() again after %d joins: every caller gets f's value, however late", joiners)
	})
}

func TestSpawn_NilFunctionPanics(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		got := panicValue(func() { spawn.Spawn[int](nil) })
		assert.Equal(t, "spawn: f must not be nil", got, "Spawn(nil) should panic with this message: a nil f is a programmer error")
	})
}

// Task 2: a panic or runtime.Goexit in f is an error, not a crash.

func TestJoin_PanicBecomesPanicError(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		msg := fmt.Sprint("I give up! ", harness.Rand(t).IntN(1000))
		synctest.Test(t, func(t *testing.T) {
			h := spawn.Spawn(func() int { return giveUp(msg) })
			require.NotNil(t, h, "Spawn returned nil")
			done := h.Done()
			synctest.Wait() // the goroutine has panicked and is gone
			requireDone(t, done, "after f panicked")

			v, err := h.Join()
			assert.Zero(t, v, "Join()'s value when f panicked")
			var pe *spawn.PanicError
			require.ErrorAs(t, err, &pe, "Join() when f panicked(%q): want a *spawn.PanicError, got %v", msg, err)
			assert.Equal(t, msg, pe.Value, "PanicError.Value: the value f panicked with")
			assert.Equal(t, "goroutine panicked: "+msg, pe.Error(), "PanicError.Error()")
			require.NotEmpty(t, pe.Stack, "PanicError.Stack is empty: take the stack (runtime/debug.Stack) where you recover")
			assert.Contains(t, string(pe.Stack), "giveUp", "PanicError.Stack should show the function that panicked (spawn_test.giveUp): take it in the deferred function that recovers, before the stack unwinds:\n%s", pe.Stack)
		})
	})
}

func TestJoin_PanicWithAnErrorKeepsTheValue(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		cause := fmt.Errorf("disk %d on fire", harness.Rand(t).IntN(100))
		h := spawn.Spawn(func() struct{} { panic(cause) })
		require.NotNil(t, h, "Spawn returned nil")
		_, err := h.Join()
		var pe *spawn.PanicError
		require.ErrorAs(t, err, &pe, "Join() when f panicked with an error: want a *spawn.PanicError, got %v", err)
		assert.Same(t, cause, pe.Value, "PanicError.Value should be the very error f panicked with")
		assert.Equal(t, "goroutine panicked: "+cause.Error(), pe.Error(), "PanicError.Error()")
	})
}

func TestJoin_GoexitBecomesErrGoexit(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			deferred := false
			h := spawn.Spawn(func() string {
				defer func() { deferred = true }()
				runtime.Goexit() // what t.FailNow does: f neither returns nor panics
				return "unreachable"
			})
			require.NotNil(t, h, "Spawn returned nil")
			done := h.Done()
			synctest.Wait() // the goroutine has run its deferred calls and is gone
			require.True(t, deferred, "f's own deferred call did not run after runtime.Goexit")
			requireDone(t, done, "after f called runtime.Goexit (recover() returns nil then: close Done in a deferred call that runs however f ends)")

			v, err := h.Join()
			assert.ErrorIs(t, err, spawn.ErrGoexit, "Join() when f called runtime.Goexit")
			assert.Empty(t, v, "Join()'s value when f called runtime.Goexit")
		})
	})
}

func TestJoin_FromManyGoroutinesGetsTheSameError(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		const joiners = 8
		msg := fmt.Sprint("I give up! ", harness.Rand(t).IntN(1000))

		t.Run("panicked", func(t *testing.T) {
			gate := make(chan struct{})
			h := spawn.Spawn(func() int { <-gate; return giveUp(msg) })
			require.NotNil(t, h, "Spawn returned nil")
			results := joinFrom(h, joiners/2, nil)
			close(gate)
			results = joinFrom(h, joiners/2, results)
			for i := range joiners {
				res := nextResult(t, results, i, joiners)
				var pe *spawn.PanicError
				if assert.ErrorAs(t, res.err, &pe, "Join() number %d of %d after f panicked: every caller gets the *PanicError", i+1, joiners) {
					assert.Equal(t, msg, pe.Value, "PanicError.Value for Join() number %d", i+1)
				}
			}
		})

		t.Run("goexit", func(t *testing.T) {
			gate := make(chan struct{})
			h := spawn.Spawn(func() int { <-gate; runtime.Goexit(); return 1 })
			require.NotNil(t, h, "Spawn returned nil")
			results := joinFrom(h, joiners/2, nil)
			close(gate)
			results = joinFrom(h, joiners/2, results)
			for i := range joiners {
				res := nextResult(t, results, i, joiners)
				assert.ErrorIs(t, res.err, spawn.ErrGoexit, "Join() number %d of %d after f called runtime.Goexit", i+1, joiners)
			}
		})
	})
}

// Task 3: JoinAll.

func TestJoinAll_ResultsInHandleOrder(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		n := r.IntN(4) + 4
		want := r.Perm(1000)[:n] // distinct values
		finish := r.Perm(n)      // the order in which the goroutines finish...
		if finish[0] == 0 {
			finish[0], finish[n-1] = finish[n-1], finish[0] // ...which is never the handle order
		}

		synctest.Test(t, func(t *testing.T) {
			gates := make([]chan struct{}, n)
			hs := make([]*spawn.JoinHandle[int], n)
			for i := range hs {
				gates[i] = make(chan struct{})
				hs[i] = spawn.Spawn(func() int { <-gates[i]; return want[i] })
				require.NotNil(t, hs[i], "Spawn returned nil")
			}
			type result struct {
				vs  []int
				err error
			}
			joined := make(chan result, 1)
			go func() {
				vs, err := spawn.JoinAll(hs)
				joined <- result{vs, err}
			}()
			for _, k := range finish {
				close(gates[k])
				synctest.Wait() // handle k has finished, and JoinAll has seen it if it looks
			}
			var res result
			select {
			case res = <-joined:
			default:
				t.Fatalf("JoinAll() still blocked after all %d goroutines finished", n)
			}
			assert.NoError(t, res.err, "JoinAll() when every goroutine returned")
			assert.Equal(t, want, res.vs, "JoinAll() of %d handles finishing in the order %v: values must be in the order of the handles, not of finishing", n, finish)
		})

		vs, err := spawn.JoinAll[int](nil)
		assert.NoError(t, err, "JoinAll(nil)")
		assert.Empty(t, vs, "JoinAll(nil)")
	})
}

func TestJoinAll_WaitsForEveryHandleAfterAFailure(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		n := harness.Rand(t).IntN(1000) + 1
		synctest.Test(t, func(t *testing.T) {
			gate := make(chan struct{})
			hs := []*spawn.JoinHandle[int]{
				spawn.Spawn(func() int { return giveUp("first") }),
				spawn.Spawn(func() int { <-gate; return n }),
				spawn.Spawn(func() int { runtime.Goexit(); return 0 }),
			}
			for i, h := range hs {
				require.NotNil(t, h, "Spawn number %d returned nil", i)
			}
			type result struct {
				vs  []int
				err error
			}
			joined := make(chan result, 1)
			go func() {
				vs, err := spawn.JoinAll(hs)
				joined <- result{vs, err}
			}()

			synctest.Wait() // handle 0 has panicked, handle 2 has exited, handle 1 is blocked
			select {
			case res := <-joined:
				close(gate)
				t.Fatalf("JoinAll() returned (%v, %v) while handle 1 was still running: it must wait for every handle, even after one failed", res.vs, res.err)
			default:
			}

			close(gate)
			synctest.Wait()
			var res result
			select {
			case res = <-joined:
			default:
				t.Fatalf("JoinAll() still blocked after every goroutine finished")
			}
			require.Error(t, res.err, "JoinAll() with a panicked and an exited handle")
			assert.Equal(t, []int{0, n, 0}, res.vs, "JoinAll()'s values: handle 1 returned %d, the others failed (zero value)", n)
			var pe *spawn.PanicError
			if assert.ErrorAs(t, res.err, &pe, "JoinAll()'s error should contain handle 0's *PanicError: %v", res.err) {
				assert.Equal(t, "first", pe.Value, "the PanicError found in JoinAll()'s error")
			}
			assert.ErrorIs(t, res.err, spawn.ErrGoexit, "JoinAll()'s error should contain handle 2's ErrGoexit: %v", res.err)
		})
	})
}

func TestJoinAll_ReportsEveryFailure(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		var want []string
		var hs []*spawn.JoinHandle[string]
		for i := range r.IntN(3) + 3 {
			if i%2 == 0 {
				msg := fmt.Sprintf("failure %d of run %d", i, r.IntN(1000))
				want = append(want, msg)
				hs = append(hs, spawn.Spawn(func() string { return giveUpString(msg) }))
			} else {
				hs = append(hs, spawn.Spawn(func() string { return "fine" }))
			}
		}
		for i, h := range hs {
			require.NotNil(t, h, "Spawn number %d returned nil", i)
		}
		vs, err := spawn.JoinAll(hs)
		require.Error(t, err, "JoinAll() with %d panicked handles", len(want))
		assert.Len(t, vs, len(hs), "JoinAll() returns one value per handle, failed or not")
		assert.ElementsMatch(t, want, panicValues(err), "the panic values found in JoinAll()'s error: combine every failure with errors.Join, not only the first or the last. JoinAll() error: %v", err)
		assert.NotErrorIs(t, err, spawn.ErrGoexit, "no handle called runtime.Goexit")
	})
}

// giveUp panics with msg: the function a PanicError's stack must show.
//
//go:noinline
func giveUp(msg string) int { panic(msg) }

//go:noinline
func giveUpString(msg string) string { panic(msg) }

type joinResult struct {
	v   int
	err error
}

// joinFrom calls h.Join from n new goroutines, each sending its result on the returned channel
// (results, or a new channel with room for 16 results when results is nil).
func joinFrom(h *spawn.JoinHandle[int], n int, results chan joinResult) chan joinResult {
	if results == nil {
		results = make(chan joinResult, 16)
	}
	for range n {
		go func() {
			v, err := h.Join()
			results <- joinResult{v, err}
		}()
	}
	return results
}

// joinPatience bounds how long nextResult waits: only a wrong Join ever waits that long.
const joinPatience = 2 * time.Second

// nextResult returns the next joiner's result, or stops the test when none comes: got joiners
// have already returned out of n.
func nextResult(t *testing.T, results chan joinResult, got, n int) joinResult {
	t.Helper()
	select {
	case res := <-results:
		return res
	case <-time.After(joinPatience):
		t.Fatalf("Join() from %d goroutines: %d returned, the others were still blocked %v after f had finished: every caller must get the result, not only the first", n, got, joinPatience)
		return joinResult{}
	}
}

// requireDone stops the test when done is nil or not closed.
func requireDone(t *testing.T, done <-chan struct{}, when string) {
	t.Helper()
	require.NotNil(t, done, "Done() returned a nil channel")
	select {
	case <-done:
	default:
		t.Fatalf("Done() not closed %s", when)
	}
}

// panicValue runs f and returns what it panicked with, formatted with %v, or "did not panic".
func panicValue(f func()) (got string) {
	defer func() {
		if r := recover(); r != nil {
			got = fmt.Sprint(r)
		}
	}()
	f()
	return "did not panic"
}

// panicValues returns the Value of every *spawn.PanicError in err's tree, formatted with %v.
func panicValues(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if pe, ok := err.(*spawn.PanicError); ok {
			out = append(out, fmt.Sprint(pe.Value))
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}
