package mutex_test

import (
	"errors"
	"fmt"
	"maps"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	mutex "github.com/kata-go/concurrency/exercises/08_mutex"
	"github.com/kata-go/concurrency/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }

// failAfter bounds a wait that only a wrong solution makes long: the failure path, never timing.
const failAfter = 3 * time.Second

// withBounded calls m.With(f) in a goroutine and fails the test if it has not returned within
// failAfter: a With that waits for a lock nobody will release fails here, with a clear message,
// rather than in the watchdog.
func withBounded[T any](t *testing.T, m *mutex.Mutex[T], f func(*T), what string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- m.With(f) }()
	select {
	case err := <-done:
		return err
	case <-time.After(failAfter):
		t.Fatalf("%s: With did not return within %v: it is waiting for the lock, which was never released (unlock in a defer, so that a panic in f releases it too)", what, failAfter)
		return nil
	}
}

// panicOf calls f and returns the value it panicked with, or nil.
func panicOf(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}

// boom is what the tests' functions panic with: a comparable value the test can recognise.
type boom struct{ token uint64 }

// waitUntilBlocked polls the goroutine dump until n goroutines that have call in their stack are
// blocked (waiting on a lock, a channel, ...), counting the returned() calls that have already
// returned as well, or fails the test. It is how the tests know that concurrent calls have
// really arrived and are waiting, without sleeping for a guessed time.
func waitUntilBlocked(t *testing.T, call string, n int, returned func() int, what string) {
	t.Helper()
	deadline := time.Now().Add(failAfter)
	for {
		got := countBlocked(call) + returned()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: only %d of %d calls were waiting after %v", what, got, n, failAfter)
		}
		time.Sleep(time.Millisecond)
	}
}

func countBlocked(call string) int { return len(harness.Blocked(call)) }

// Task 1: Mutex.

func TestMutex_WithChangesTheValue(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		a, b := r.IntN(1000), 1000+r.IntN(1000)
		// The seed's example: answer starts at 42, a thread sets it to 55.
		answer := mutex.New(a)
		require.NotNil(t, answer, "New(%d) returned nil", a)
		err := answer.With(func(v *int) {
			assert.Equal(t, a, *v, "New(%d).With: *v", a)
			*v = b
		})
		require.NoError(t, err, "New(%d).With(set %d)", a, b)
		var got int
		require.NoError(t, answer.With(func(v *int) { got = *v }), "With(read)")
		assert.Equal(t, b, got, "after With set the value to %d, the next With sees", b)

		names := mutex.New([]string{"hello"})
		require.NotNil(t, names, "New([]string) returned nil")
		require.NoError(t, names.With(func(v *[]string) { *v = append(*v, "dolly") }))
		require.NoError(t, names.With(func(v *[]string) {
			assert.Equal(t, []string{"hello", "dolly"}, *v, "With(append) then With(read)")
		}))
	})
}

func TestMutex_WithIsMutuallyExclusive(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		g, n := 4+r.IntN(5), 200+r.IntN(200)
		counter := mutex.New(0)
		require.NotNil(t, counter, "New(0) returned nil")

		// First, two goroutines: while the first one's f runs, the second one's With must wait.
		entered, gate := make(chan struct{}), make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- counter.With(func(v *int) {
				close(entered)
				<-gate
				*v += 1
			})
		}()
		select {
		case <-entered:
		case err := <-first:
			t.Fatalf("With(f) = %v without calling f", err)
		}
		var secondRan atomic.Bool
		second := make(chan error, 1)
		go func() { second <- counter.With(func(v *int) { secondRan.Store(true); *v += 10 }) }()
		waitUntilBlocked(t, ".(*Mutex[...]).With(", 2, func() int { return len(second) }, "With from a second goroutine while the first one's f runs")
		assert.False(t, secondRan.Load(), "With from a second goroutine called f while the first goroutine's f was still running: f must run under the lock")
		close(gate)
		require.NoError(t, <-first, "the first With")
		require.NoError(t, <-second, "the second With")

		// Then many goroutines at once.
		var inside, overlaps atomic.Int64
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range g {
			wg.Go(func() {
				<-start
				for range n {
					_ = counter.With(func(v *int) {
						if inside.Add(1) > 1 {
							overlaps.Add(1)
						}
						*v++
						inside.Add(-1)
					})
				}
			})
		}
		close(start)
		wg.Wait()
		assert.Zero(t, overlaps.Load(), "With from %d goroutines: calls of f that overlapped another; want none: f runs under the lock", g)
		var got int
		require.NoError(t, counter.With(func(v *int) { got = *v }))
		assert.Equal(t, 11+g*n, got, "With(v++) x%d from %d goroutines, after 1 and 10 were added", n, g)
	})
}

func TestMutex_PanicInFReachesTheCaller(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		m := mutex.New("value")
		require.NotNil(t, m, "New returned nil")
		want := boom{harness.Rand(t).Uint64()}
		ran := false
		got := panicOf(func() { _ = m.With(func(*string) { ran = true; panic(want) }) })
		require.True(t, ran, "With did not call f")
		assert.Equal(t, want, got, "With(f) where f panics: the caller should recover the value f panicked with")
	})
}

func TestMutex_PanicPoisons(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		m := mutex.New(1)
		require.NotNil(t, m, "New returned nil")
		require.NoError(t, m.With(func(v *int) {}), "With on a fresh Mutex")
		_ = panicOf(func() { _ = m.With(func(*int) { panic(boom{}) }) })

		for i := range 3 {
			ran := false
			err := withBounded(t, m, func(*int) { ran = true }, "With after f panicked")
			assert.ErrorIs(t, err, mutex.ErrPoisoned, "With number %d after f panicked", i+1)
			assert.False(t, ran, "With number %d after f panicked called f: a poisoned Mutex must not", i+1)
		}
		// From another goroutine too: the poison belongs to the Mutex, not to a goroutine.
		errs := make(chan error, 1)
		go func() { errs <- m.With(func(*int) {}) }()
		select {
		case err := <-errs:
			assert.ErrorIs(t, err, mutex.ErrPoisoned, "With from another goroutine after f panicked")
		case <-time.After(failAfter):
			t.Fatalf("With from another goroutine after f panicked did not return within %v: the panic must release the lock", failAfter)
		}
	})
}

func TestMutex_PanicReleasesTheLock(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		m := mutex.New(0)
		require.NotNil(t, m, "New returned nil")
		got := panicOf(func() { _ = m.With(func(*int) { panic(boom{1}) }) })
		require.NotNil(t, got, "With(f) where f panics returned normally: the panic must go on to the caller")
		// Another goroutine must get an answer, not wait forever for the lock.
		_ = withBounded(t, m, func(*int) {}, "With from another goroutine after f panicked")
		m.ClearPoison()
		ran := false
		assert.NoError(t, withBounded(t, m, func(v *int) { ran = true; *v = 7 }, "With after ClearPoison"), "With after ClearPoison")
		assert.True(t, ran, "With after ClearPoison did not call f")
	})
}

func TestMutex_WaiterSeesThePoison(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		m := mutex.New(0)
		require.NotNil(t, m, "New returned nil")
		entered, gate := make(chan struct{}), make(chan struct{})
		holder := make(chan any, 1)
		go func() {
			holder <- panicOf(func() {
				_ = m.With(func(*int) {
					close(entered)
					<-gate
					panic(boom{2})
				})
			})
		}()
		select {
		case <-entered:
		case got := <-holder:
			t.Fatalf("With(f) returned (panic: %v) without calling f", got)
		}
		// A second goroutine calls With while the first holds the lock.
		ran := false
		waiter := make(chan error, 1)
		go func() { waiter <- m.With(func(*int) { ran = true }) }()
		waitUntilBlocked(t, ".(*Mutex[...]).With(", 2, func() int { return len(waiter) }, "With from 2 goroutines, the first holding the lock")
		close(gate) // the holder's f panics now
		assert.Equal(t, boom{2}, <-holder, "the holder's With should re-panic with f's value")
		select {
		case err := <-waiter:
			assert.ErrorIs(t, err, mutex.ErrPoisoned, "With that waited for the lock while the holder's f panicked: poison before you unlock")
			assert.False(t, ran, "With that waited for the lock while the holder's f panicked called f: poison before you unlock")
		case <-time.After(failAfter):
			t.Fatalf("With that waited for the lock while the holder's f panicked did not return within %v: the panic must release the lock", failAfter)
		}
	})
}

func TestMutex_ClearPoisonMakesItUsable(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		m := mutex.New(0)
		require.NotNil(t, m, "New returned nil")
		m.ClearPoison() // not poisoned: does nothing
		require.NoError(t, m.With(func(v *int) { *v = 1 }), "With after ClearPoison on a healthy Mutex")

		for round := range 2 + r.IntN(3) {
			_ = panicOf(func() { _ = m.With(func(*int) { panic(boom{3}) }) })
			require.ErrorIs(t, withBounded(t, m, func(*int) {}, "With after f panicked"), mutex.ErrPoisoned, "round %d: With after f panicked", round+1)
			m.ClearPoison()
			want := r.IntN(1000)
			err := withBounded(t, m, func(v *int) { *v = want }, "With after ClearPoison")
			require.NoError(t, err, "round %d: With after ClearPoison", round+1)
			got := -1
			require.NoError(t, m.With(func(v *int) { got = *v }))
			assert.Equal(t, want, got, "round %d: the value set by the first With after ClearPoison", round+1)
		}
	})
}

// Task 2: Bank.

// randomBalances returns 3 to 6 accounts with random balances.
func randomBalances(t *testing.T) map[string]int {
	r := harness.Rand(t)
	balances := map[string]int{}
	for _, name := range []string{"alice", "bob", "carol", "dave", "erin", "frank"}[:3+r.IntN(4)] {
		balances[name] = 10 + r.IntN(1000)
	}
	return balances
}

func sum(balances map[string]int) int {
	total := 0
	for _, b := range balances {
		total += b
	}
	return total
}

// assertBalances checks every account of want against b.Balance.
func assertBalances(t *testing.T, b *mutex.Bank, want map[string]int, after string) {
	t.Helper()
	for name, w := range want {
		got, err := b.Balance(name)
		if assert.NoError(t, err, "%s: Balance(%q)", after, name) {
			assert.Equal(t, w, got, "%s: Balance(%q)", after, name)
		}
	}
}

func TestBank_BalanceAndTotal(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		balances := randomBalances(t)
		b := mutex.NewBank(balances)
		require.NotNil(t, b, "NewBank returned nil")
		assertBalances(t, b, balances, "NewBank")
		assert.Equal(t, sum(balances), b.Total(), "NewBank(%v).Total()", balances)
		_, err := b.Balance("mallory")
		assert.ErrorIs(t, err, mutex.ErrNoAccount, "Balance(%q), not an account", "mallory")
	})
}

func TestBank_NewBankCopiesTheMap(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		balances := randomBalances(t)
		want := maps.Clone(balances)
		b := mutex.NewBank(balances)
		require.NotNil(t, b, "NewBank returned nil")
		for name := range balances {
			balances[name] = 1_000_000
		}
		balances["mallory"] = 5
		assertBalances(t, b, want, "after the caller changed the map given to NewBank")
		_, err := b.Balance("mallory")
		assert.ErrorIs(t, err, mutex.ErrNoAccount, "Balance(%q), added to the caller's map after NewBank", "mallory")
		assert.Equal(t, sum(want), b.Total(), "Total() after the caller changed the map given to NewBank")
	})
}

func TestBank_TransferMovesMoney(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		want := map[string]int{"alice": 100 + r.IntN(100), "bob": r.IntN(100), "carol": r.IntN(100)}
		b := mutex.NewBank(want)
		require.NotNil(t, b, "NewBank returned nil")
		total := sum(want)
		for _, tr := range []struct{ from, to string }{{"alice", "bob"}, {"bob", "carol"}, {"carol", "alice"}, {"alice", "carol"}} {
			amount := 1 + r.IntN(want[tr.from])
			require.NoError(t, b.Transfer(tr.from, tr.to, amount), "Transfer(%q, %q, %d) with %d in %q", tr.from, tr.to, amount, want[tr.from], tr.from)
			want[tr.from] -= amount
			want[tr.to] += amount
			assertBalances(t, b, want, fmt.Sprintf("after Transfer(%q, %q, %d)", tr.from, tr.to, amount))
			assert.Equal(t, total, b.Total(), "Total() after Transfer(%q, %q, %d)", tr.from, tr.to, amount)
		}
		from, to := "carol", "bob" // carol has just received money: her balance is not zero
		all := want[from]
		require.NoError(t, b.Transfer(from, to, all), "Transfer(%q, %q, %d), the whole balance", from, to, all)
		want[from], want[to] = 0, want[to]+all
		assertBalances(t, b, want, fmt.Sprintf("after moving %s's whole balance", from))
	})
}

func TestBank_TransferRejectsNonPositiveAmount(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		want := randomBalances(t)
		b := mutex.NewBank(want)
		require.NotNil(t, b, "NewBank returned nil")
		for _, amount := range []int{0, -1 - harness.Rand(t).IntN(100)} {
			err := b.Transfer("alice", "bob", amount)
			assert.Error(t, err, "Transfer(%q, %q, %d): an amount <= 0 is an error", "alice", "bob", amount)
			assertBalances(t, b, want, fmt.Sprintf("after Transfer(%q, %q, %d)", "alice", "bob", amount))
		}
	})
}

func TestBank_TransferWithUnknownAccount(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		want := randomBalances(t)
		b := mutex.NewBank(want)
		require.NotNil(t, b, "NewBank returned nil")
		for _, tr := range []struct{ from, to string }{{"alice", "mallory"}, {"mallory", "alice"}, {"mallory", "trudy"}} {
			err := b.Transfer(tr.from, tr.to, 1)
			assert.ErrorIs(t, err, mutex.ErrNoAccount, "Transfer(%q, %q, 1)", tr.from, tr.to)
			assertBalances(t, b, want, fmt.Sprintf("after Transfer(%q, %q, 1)", tr.from, tr.to))
		}
		for _, name := range []string{"mallory", "trudy"} {
			_, err := b.Balance(name)
			assert.ErrorIs(t, err, mutex.ErrNoAccount, "Balance(%q) after a failed transfer to it: Transfer must not open accounts", name)
		}
		assert.Equal(t, sum(want), b.Total(), "Total() after transfers with unknown accounts")
	})
}

func TestBank_InsufficientFundsChangesNothing(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		want := randomBalances(t)
		b := mutex.NewBank(want)
		require.NotNil(t, b, "NewBank returned nil")
		too := want["alice"] + 1 + harness.Rand(t).IntN(100)
		err := b.Transfer("alice", "bob", too)
		assert.ErrorIs(t, err, mutex.ErrInsufficientFunds, "Transfer(%q, %q, %d) with %d in %q", "alice", "bob", too, want["alice"], "alice")
		assertBalances(t, b, want, fmt.Sprintf("after Transfer(%q, %q, %d) failed", "alice", "bob", too))
		assert.Equal(t, sum(want), b.Total(), "Total() after a failed transfer")
	})
}

// TestBank_ConcurrentTransfersNeverOverdraw makes several goroutines try, at the same moment, to
// send more than half of alice's balance: exactly one may succeed. A transfer that checks the
// balance under one lock and moves the money under another lets several pass the check.
func TestBank_ConcurrentTransfersNeverOverdraw(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		// One sender per processor, so that they really run at the same moment.
		senders := max(2, min(runtime.GOMAXPROCS(0), runtime.NumCPU()))
		const rounds = 200
		for round := range rounds {
			have := 100 + r.IntN(100)
			b := mutex.NewBank(map[string]int{"alice": have, "bob": 0, "carol": 0})
			require.NotNil(t, b, "NewBank returned nil")
			var arrived, succeeded atomic.Int64
			release := make(chan struct{})
			var wg sync.WaitGroup
			for i := range senders {
				amount := have/2 + 1 + r.IntN(have-have/2)
				to := []string{"bob", "carol"}[i%2]
				wg.Go(func() {
					// A barrier that spins for a while, so that the senders start at the same
					// moment (a channel wakes them one after another), then blocks, so that a
					// busy machine or a single processor is not kept spinning.
					if arrived.Add(1) == int64(senders) {
						close(release)
					}
					for spins := 0; arrived.Load() < int64(senders) && spins < 5000; spins++ {
						// spin
					}
					<-release
					err := b.Transfer("alice", to, amount)
					if err == nil {
						succeeded.Add(1)
					} else {
						assert.ErrorIs(t, err, mutex.ErrInsufficientFunds, "Transfer(%q, %q, %d) with %d in %q", "alice", to, amount, have, "alice")
					}
				})
			}
			wg.Wait()
			alice, err := b.Balance("alice")
			require.NoError(t, err, "Balance(%q)", "alice")
			if succeeded.Load() != 1 || alice < 0 {
				t.Fatalf("round %d: %d goroutines at once each sent more than half of alice's %d: %d transfers succeeded, want exactly 1; alice now has %d. Check the balance and move the money under the same locks", round+1, senders, have, succeeded.Load(), alice)
			}
			require.Equal(t, have, b.Total(), "round %d: Total() after concurrent transfers", round+1)
		}
	})
}

// TestBank_OppositeTransfersNeverDeadlock runs transfers alice->bob and bob->alice from many
// goroutines at once, while another goroutine keeps reading both balances.
func TestBank_OppositeTransfersNeverDeadlock(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		const perDirection, transfers = 4, 1500
		start := map[string]int{"alice": 50 + r.IntN(50), "bob": 50 + r.IntN(50), "carol": r.IntN(50)}
		b := mutex.NewBank(start)
		require.NotNil(t, b, "NewBank returned nil")
		total := sum(start)

		gate := make(chan struct{})
		var wg sync.WaitGroup
		var unexpected atomic.Value
		for i := range 2 * perDirection {
			from, to := "alice", "bob"
			if i%2 == 1 {
				from, to = to, from
			}
			amounts := make([]int, transfers)
			for k := range amounts {
				amounts[k] = 1 + r.IntN(20)
			}
			wg.Go(func() {
				<-gate
				for _, amount := range amounts {
					if err := b.Transfer(from, to, amount); err != nil && !errors.Is(err, mutex.ErrInsufficientFunds) {
						unexpected.CompareAndSwap(nil, fmt.Sprintf("Transfer(%q, %q, %d) = %v", from, to, amount, err))
					}
				}
			})
		}
		transfersDone := make(chan struct{})
		go func() { wg.Wait(); close(transfersDone) }()

		// The observer: no balance is ever seen below zero.
		observed := make(chan string, 1)
		go func() {
			defer close(observed)
			<-gate
			for {
				for _, name := range []string{"alice", "bob"} {
					if v, err := b.Balance(name); err != nil || v < 0 {
						observed <- fmt.Sprintf("Balance(%q) = %d, %v during the transfers", name, v, err)
						return
					}
				}
				select {
				case <-transfersDone:
					return
				default:
				}
			}
		}()

		close(gate)
		select {
		case <-transfersDone:
		case <-time.After(failAfter):
			t.Fatalf("%d goroutines sending alice->bob and %d sending bob->alice did not finish within %v: two transfers are each holding the lock the other one wants (a deadlock). Lock the two accounts in one fixed order, for example by name", perDirection, perDirection, failAfter)
		}
		if msg, ok := <-observed; ok {
			t.Errorf("%s: a balance never goes below zero", msg)
		}
		if msg := unexpected.Load(); msg != nil {
			t.Errorf("%v: the only error expected here is ErrInsufficientFunds", msg)
		}
		for _, name := range []string{"alice", "bob"} {
			v, err := b.Balance(name)
			if assert.NoError(t, err, "Balance(%q)", name) {
				assert.GreaterOrEqual(t, v, 0, "Balance(%q) after the transfers", name)
			}
		}
		assertBalances(t, b, map[string]int{"carol": start["carol"]}, "after transfers between alice and bob only")
		assert.Equal(t, total, b.Total(), "Total() after %d concurrent transfers in both directions", 2*perDirection*transfers)
	})
}

// Task 3: Cache.

func TestCache_ComputesEachKeyOnce(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		offset := r.IntN(1000)
		calls := map[string]int{}
		c := mutex.NewCache(func(k string) int {
			calls[k]++
			return len(k) + offset
		})
		require.NotNil(t, c, "NewCache returned nil")
		keys := []string{"a", "bb", "ccc", "dddd"}
		for range 3 {
			for _, k := range keys {
				assert.Equal(t, len(k)+offset, c.Get(k), "Get(%q)", k)
			}
		}
		for _, k := range keys {
			assert.Equal(t, 1, calls[k], "compute(%q) calls after Get(%q) three times, want one", k, k)
		}
	})
}

func TestCache_ConcurrentGetsOfOneKeyShareOneCompute(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		g := 3 + r.IntN(5)
		base := r.IntN(1000) * 100
		gate := make(chan struct{})
		var calls atomic.Int64
		c := mutex.NewCache(func(k int) int {
			n := calls.Add(1)
			<-gate
			return base + k + int(n)*10000 // each computation returns its own value
		})
		require.NotNil(t, c, "NewCache returned nil")
		var once sync.Once
		openGate := func() { once.Do(func() { close(gate) }) }
		t.Cleanup(openGate)

		const key = 7
		results := make(chan int, g)
		for range g {
			go func() { results <- c.Get(key) }()
		}
		waitUntilBlocked(t, ".(*Cache[...]).Get(", g, func() int { return len(results) }, fmt.Sprintf("Get(%d) from %d goroutines while compute(%d) runs", key, g, key))
		assert.Empty(t, results, "Get(%d) returned while compute(%d) was still running", key, key)
		openGate()
		got := make([]int, g)
		for i := range got {
			got[i] = <-results
		}
		assert.EqualValues(t, 1, calls.Load(), "compute(%d) calls for %d concurrent Get(%d), want 1: the later Gets must wait for the first one's computation", key, g, key)
		for i, v := range got {
			assert.Equal(t, base+key+10000, v, "Get(%d) number %d of %d: every Get returns the value of the one computation", key, i+1, g)
		}
	})
}

func TestCache_DifferentKeysComputeInParallel(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		// compute("a") waits until compute("b") has started, and compute("b") until compute("a")
		// has: a Cache that computes under one lock can never let both start.
		started := map[string]chan struct{}{"a": make(chan struct{}), "b": make(chan struct{})}
		other := map[string]string{"a": "b", "b": "a"}
		c := mutex.NewCache(func(k string) string {
			close(started[k])
			select {
			case <-started[other[k]]:
			case <-time.After(failAfter):
				t.Errorf("compute(%q) waited %v for compute(%q) to start: computes of different keys must run in parallel, never under a lock shared by all keys", k, failAfter, other[k])
			}
			return strings.ToUpper(k)
		})
		require.NotNil(t, c, "NewCache returned nil")
		results := make(chan string, 2)
		for _, k := range []string{"a", "b"} {
			go func() { results <- k + "=" + c.Get(k) }()
		}
		got := []string{<-results, <-results}
		assert.ElementsMatch(t, []string{"a=A", "b=B"}, got, "Get(%q) and Get(%q) at once", "a", "b")
	})
}
