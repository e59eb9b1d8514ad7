package spawn_test

import (
	"errors"
	"fmt"
	"runtime"
	"testing"
	"testing/synctest"

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
		h := mustSpawn(t, func() int { return n * 2 })
		v, err := h.Join()
		assert.NoError(t, err, "Join() of a goroutine that returned normally")
		assert.Equal(t, n*2, v, "Spawn(func() int { return %d * 2 }).Join()", n)

		greeting := fmt.Sprint("hello ", n)
		hs := mustSpawn(t, func() string { return greeting })
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
			h := mustSpawn(t, func() int { <-gate; return n }) // Spawn must return while f is blocked
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
		n := harness.Rand(t).IntN(1000) + 1
		gate := make(chan struct{})
		h := mustSpawn(t, func() int { <-gate; return n })
		results := joinFromMany(t, h, func() { close(gate) })
		for i, res := range results {
			assert.NoError(t, res.err, "Join() number %d of %d", i+1, len(results))
			assert.Equal(t, n, res.v, "Join() number %d of %d, each from its own goroutine: every caller gets f's value", i+1, len(results))
		}
		v, err := h.Join()
		assert.NoError(t, err, "Join() again after %d joins", len(results))
		assert.Equal(t, n, v, "Join() again after %d joins: every caller gets f's value, however late", len(results))
	})
}

func TestSpawn_NilFunctionPanics(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		const want = "spawn: f must not be nil"
		v, panicked := harness.Recover(func() { spawn.Spawn[int](nil /* f */) })
		require.True(t, panicked, "Spawn(nil) returned, want a panic with %q: a nil f is a programmer error", want)
		assert.Equal(t, want, fmt.Sprint(v), "Spawn(nil) should panic with this message: a nil f is a programmer error")
	})
}

// Task 2: a panic or runtime.Goexit in f is an error, not a crash.

func TestJoin_PanicBecomesPanicError(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		msg := fmt.Sprint("I give up! ", harness.Rand(t).IntN(1000))
		synctest.Test(t, func(t *testing.T) {
			h := mustSpawn(t, func() int { return giveUp(msg) })
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
		h := mustSpawn(t, func() struct{} { panic(cause) })
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
			h := mustSpawn(t, func() string {
				defer func() { deferred = true }()
				runtime.Goexit() // what t.FailNow does: f neither returns nor panics
				return "unreachable"
			})
			done := h.Done()
			synctest.Wait() // the goroutine has run its deferred calls and is gone
			require.True(t, deferred, "f's own deferred call did not run after runtime.Goexit")
			requireDone(t, done, "after f called runtime.Goexit (recover() returns nil then: close Done in a deferred call that runs however f ends)")

			v, err := h.Join()
			require.Error(t, err, "Join() when f called runtime.Goexit: want ErrGoexit, got a nil error")
			assert.ErrorIs(t, err, spawn.ErrGoexit, "Join() when f called runtime.Goexit")
			assert.Empty(t, v, "Join()'s value when f called runtime.Goexit")
		})
	})
}

func TestJoin_FromManyGoroutinesGetsTheSameError(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		msg := fmt.Sprint("I give up! ", harness.Rand(t).IntN(1000))

		t.Run("panicked", func(t *testing.T) {
			gate := make(chan struct{})
			h := mustSpawn(t, func() int { <-gate; return giveUp(msg) })
			results := joinFromMany(t, h, func() { close(gate) })
			for i, res := range results {
				var pe *spawn.PanicError
				if assert.ErrorAs(t, res.err, &pe, "Join() number %d of %d after f panicked: every caller gets the *PanicError", i+1, len(results)) {
					assert.Equal(t, msg, pe.Value, "PanicError.Value for Join() number %d", i+1)
				}
			}
		})

		t.Run("goexit", func(t *testing.T) {
			gate := make(chan struct{})
			h := mustSpawn(t, func() int { <-gate; runtime.Goexit(); return 1 })
			results := joinFromMany(t, h, func() { close(gate) })
			for i, res := range results {
				if assert.Error(t, res.err, "Join() number %d of %d after f called runtime.Goexit: want ErrGoexit, got a nil error", i+1, len(results)) {
					assert.ErrorIs(t, res.err, spawn.ErrGoexit, "Join() number %d of %d after f called runtime.Goexit", i+1, len(results))
				}
			}
		})
	})
}

func TestJoin_PanicWithAnyValue(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		n := harness.Rand(t).IntN(1000) + 1
		cases := []struct {
			name  string
			value any // what f panics with
		}{
			{"an int", n},
			{"a struct", failure{Code: n, Why: "out of cheese"}},
			{"a fmt.Stringer", stringer(n)},
			{"an error whose Error method panics", brokenError{}},
			{"a nil *error pointer", (*pointerError)(nil)},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				h := mustSpawn(t, func() int { panic(c.value) })
				_, err := h.Join()
				var pe *spawn.PanicError
				require.ErrorAs(t, err, &pe, "Join() when f panicked with %s (%T): want a *spawn.PanicError, got %v", c.name, c.value, err)
				assert.Equal(t, c.value, pe.Value, "PanicError.Value when f panicked with %s: the value recover returned, unchanged", c.name)
				want := "goroutine panicked: " + fmt.Sprintf("%v", c.value)
				assert.Equal(t, want, panicErrorText(pe), "PanicError.Error() when f panicked with %s: format the value with %%v, which works for any value", c.name)
			})
		}
		t.Run("panic(nil)", func(t *testing.T) {
			h := mustSpawn(t, func() int { panic(nil) })
			_, err := h.Join()
			var pe *spawn.PanicError
			require.ErrorAs(t, err, &pe, "Join() when f called panic(nil): recover returns a *runtime.PanicNilError then, so want a *spawn.PanicError, got %v", err)
			assert.IsType(t, &runtime.PanicNilError{}, pe.Value, "PanicError.Value when f called panic(nil): the value recover returned")
			assert.Equal(t, "goroutine panicked: "+fmt.Sprintf("%v", pe.Value), panicErrorText(pe), "PanicError.Error() when f called panic(nil)")
		})
	})
}

func TestErrGoexit_IsNonNilAndDistinct(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		require.Error(t, spawn.ErrGoexit, "spawn.ErrGoexit is nil: declare it with errors.New, or every errors.Is against it passes on a nil error")
		var pe *spawn.PanicError
		assert.False(t, errors.As(spawn.ErrGoexit, &pe), "spawn.ErrGoexit is a *PanicError: keep the two failures apart")
		assert.NotErrorIs(t, &spawn.PanicError{Value: "x"}, spawn.ErrGoexit, "a *PanicError must not match ErrGoexit")

		exited := mustSpawn(t, func() int { runtime.Goexit(); return 0 })
		panicked := mustSpawn(t, func() int { return giveUp("distinct") })
		_, errExit := exited.Join()
		_, errPanic := panicked.Join()
		require.Error(t, errExit, "Join() when f called runtime.Goexit: want ErrGoexit, got a nil error")
		require.Error(t, errPanic, "Join() when f panicked: want a *PanicError, got a nil error")
		assert.ErrorIs(t, errExit, spawn.ErrGoexit, "Join() when f called runtime.Goexit")
		assert.False(t, errors.As(errExit, &pe), "Join() when f called runtime.Goexit returned a *PanicError (%v): want ErrGoexit", errExit)
		assert.NotErrorIs(t, errPanic, spawn.ErrGoexit, "Join() when f panicked returned an error that is ErrGoexit")
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
				hs[i] = mustSpawn(t, func() int { <-gates[i]; return want[i] })
			}
			joined := goJoinAll(hs)
			for _, k := range finish {
				close(gates[k])
				synctest.Wait() // handle k has finished, and JoinAll has seen it if it looks
			}
			var res joinAllResult
			select {
			case res = <-joined:
			default:
				t.Fatalf("JoinAll() still blocked after all %d goroutines finished", n)
			}
			assert.NoError(t, res.err, "JoinAll() when every goroutine returned")
			assert.Equal(t, want, res.vs, "JoinAll() of %d handles finishing in the order %v: values must be in the order of the handles, not of finishing", n, finish)
		})

		vs, err := spawn.JoinAll[int](nil /* hs */)
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
			joined := goJoinAll(hs)

			synctest.Wait() // handle 0 has panicked, handle 2 has exited, handle 1 is blocked
			select {
			case res := <-joined:
				close(gate)
				t.Fatalf("JoinAll() returned (%v, %v) while handle 1 was still running: it must wait for every handle, even after one failed", res.vs, res.err)
			default:
			}

			close(gate)
			synctest.Wait()
			var res joinAllResult
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

// Helpers.

// joinAllResult is what spawn.JoinAll returned.
type joinAllResult struct {
	vs  []int
	err error
}

// goJoinAll calls spawn.JoinAll(hs) in a goroutine of its own; its result arrives on the
// channel.
func goJoinAll(hs []*spawn.JoinHandle[int]) <-chan joinAllResult {
	joined := make(chan joinAllResult, 1)
	go func() {
		vs, err := spawn.JoinAll(hs)
		joined <- joinAllResult{vs, err}
	}()
	return joined
}

// mustSpawn calls spawn.Spawn(f) and stops the test when it returns nil.
func mustSpawn[T any](t *testing.T, f func() T) *spawn.JoinHandle[T] {
	t.Helper()
	h := spawn.Spawn(f)
	require.NotNil(t, h, "Spawn returned nil")
	return h
}

// giveUp panics with msg: the function a PanicError's stack must show.
//
//go:noinline
func giveUp(msg string) int { panic(msg) }

//go:noinline
func giveUpString(msg string) string { panic(msg) }

type joinResult struct {
	v    int
	err  error
	done <-chan struct{} // what this joiner's Done() returned, before it called Join
}

// joiners is how many goroutines joinFromMany joins from: half of them wait in Join before f
// has finished, the other half call Done and Join together once it has.
const joiners = 8

// joinFromMany joins h from joiners goroutines and returns their results. First joiners/2 of
// them call h.Done() then h.Join(), and joinFromMany waits until all of them are blocked inside
// package spawn (so they are really waiting when f finishes); then it calls finish, which lets f
// end, and waits for Done. Then the other joiners/2 call Done() and Join() at the same moment,
// released together by one gate, so that the race detector sees them overlap.
func joinFromMany(t *testing.T, h *spawn.JoinHandle[int], finish func()) []joinResult {
	t.Helper()
	results := make(chan joinResult, joiners)
	early := startJoiners(h, joiners/2, nil /* start */, results)
	requireJoinersBlocked(t, early, results)
	finish()
	harness.Receive(t, h.Done(), "Done() not closed %v after f finished", harness.Bound())
	start := make(chan struct{})
	startJoiners(h, joiners/2, start, results)
	close(start)

	var out []joinResult
	for len(out) < joiners {
		res := harness.Receive(t, results, "Join() from %d goroutines: %d returned, the others were still blocked %v after f had finished: every caller must get the result, not only the first", joiners, len(out), harness.Bound())
		out = append(out, res)
	}
	for i, res := range out {
		require.NotNil(t, res.done, "Done() returned a nil channel (joiner %d)", i+1)
		harness.Receive(t, res.done, "Done() (joiner %d) still not closed %v after Join() returned", i+1, harness.Bound())
	}
	return out
}

// startJoiners starts n goroutines that each wait for start (unless it is nil), then call
// h.Done() and h.Join() and send the result on results. It returns their goroutine IDs once all
// of them have started.
func startJoiners(h *spawn.JoinHandle[int], n int, start <-chan struct{}, results chan<- joinResult) []int64 {
	ids := make(chan int64, n)
	for range n {
		go func() {
			ids <- harness.GoroutineID()
			if start != nil {
				<-start
			}
			done := h.Done()
			v, err := h.Join()
			results <- joinResult{v, err, done}
		}()
	}
	out := make([]int64, 0, n)
	for range n {
		out = append(out, <-ids)
	}
	return out
}

// requireJoinersBlocked waits until every goroutine of ids is blocked inside package spawn (on
// a channel, a lock or a sync.Cond), which proves that each of them is waiting in Join. It
// stops the test at once when one of them returned from Join instead, and after harness.Bound
// when they are still not all blocked, with the report of where they are.
func requireJoinersBlocked(t *testing.T, ids []int64, results <-chan joinResult) {
	t.Helper()
	count := 0
	allBlocked := harness.Poll(func() bool {
		select {
		case res := <-results:
			t.Fatalf("Join() returned (%d, %v) while f was still blocked: Join must wait until f has finished", res.v, res.err)
		default:
		}
		blocked := harness.Blocked("/exercises/03_spawn.")
		count = 0
		for _, id := range ids {
			if blocked[id] {
				count++
			}
		}
		return count == len(ids)
	})
	if !allBlocked {
		harness.FatalStuck(t, "Join() from %d goroutines while f was blocked: after %v only %d of them were blocked waiting inside Join (a Join that spins instead of blocking is not accepted)", len(ids), harness.Bound(), count)
	}
}

// failure is a panic value of a struct type.
type failure struct {
	Code int
	Why  string
}

// stringer is a panic value with a String method, which %v uses.
type stringer int

func (s stringer) String() string { return fmt.Sprintf("stringer number %d", int(s)) }

// brokenError is an error whose Error method panics: %v prints a note instead of crashing.
type brokenError struct{}

func (brokenError) Error() string { panic("brokenError.Error panicked") }

// pointerError is an error with a pointer receiver: a nil *pointerError is a non-nil panic
// value whose Error method dereferences nil (%v prints <nil>).
type pointerError struct{ msg string }

func (e *pointerError) Error() string { return e.msg }

// panicErrorText returns pe.Error(), or a note saying that Error itself panicked.
func panicErrorText(pe *spawn.PanicError) string {
	var text string
	if r, panicked := harness.Recover(func() { text = pe.Error() }); panicked {
		return fmt.Sprintf("(PanicError.Error() itself panicked: %v)", r)
	}
	return text
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
