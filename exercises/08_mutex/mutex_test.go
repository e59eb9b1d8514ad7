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

		names := newMutex(t, []string{"hello"})
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
		counter := newMutex(t, 0)

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
		m := newMutex(t, "value")
		want := boom{harness.Rand(t).Uint64()}
		ran := false
		got, _ := harness.Recover(func() { _ = m.With(func(*string) { ran = true; panic(want) }) })
		require.True(t, ran, "With did not call f")
		assert.Equal(t, want, got, "With(f) where f panics: the caller should recover the value f panicked with")
	})
}

func TestMutex_PanicPoisons(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		m := newMutex(t, 1)
		require.NoError(t, m.With(func(v *int) {}), "With on a fresh Mutex")
		harness.Recover(func() { _ = m.With(func(*int) { panic(boom{}) }) })

		for i := range 3 {
			ran := false
			err := withBounded(t, m, func(*int) { ran = true }, "With after f panicked")
			require.Error(t, err, "With number %d after f panicked returned a nil error, want ErrPoisoned", i+1)
			assert.ErrorIs(t, err, mutex.ErrPoisoned, "With number %d after f panicked", i+1)
			assert.False(t, ran, "With number %d after f panicked called f: a poisoned Mutex must not", i+1)
		}
		// From another goroutine too: the poison belongs to the Mutex, not to a goroutine.
		errs := make(chan error, 1)
		go func() { errs <- m.With(func(*int) {}) }()
		err := harness.Receive(t, errs, "With from another goroutine after f panicked did not return within %v: the panic must release the lock", harness.Bound())
		require.Error(t, err, "With from another goroutine after f panicked returned a nil error, want ErrPoisoned")
		assert.ErrorIs(t, err, mutex.ErrPoisoned, "With from another goroutine after f panicked")
	})
}

func TestMutex_PanicReleasesTheLock(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		m := newMutex(t, 0)
		_, panicked := harness.Recover(func() { _ = m.With(func(*int) { panic(boom{1}) }) })
		require.True(t, panicked, "With(f) where f panics returned normally: the panic must go on to the caller")
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
		m := newMutex(t, 0)
		entered, gate := make(chan struct{}), make(chan struct{})
		holder := make(chan any, 1)
		go func() {
			v, _ := harness.Recover(func() {
				_ = m.With(func(*int) {
					close(entered)
					<-gate
					panic(boom{2})
				})
			})
			holder <- v
		}()
		select {
		case <-entered:
		case got := <-holder:
			t.Fatalf("With(f) returned (panic: %v) without calling f", got)
		}
		// Other goroutines call With while the first holds the lock.
		k := 2 + harness.Rand(t).IntN(3)
		var ran atomic.Int64
		waiters := make(chan error, k)
		for range k {
			go func() { waiters <- m.With(func(*int) { ran.Add(1) }) }()
		}
		waitUntilBlocked(t, ".(*Mutex[...]).With(", 1+k, func() int { return len(waiters) }, fmt.Sprintf("With from %d goroutines, the first holding the lock", 1+k))
		close(gate) // the holder's f panics now
		assert.Equal(t, boom{2}, <-holder, "the holder's With should re-panic with f's value")
		timeout := time.After(harness.Bound())
		for i := range k {
			select {
			case err := <-waiters:
				require.Error(t, err, "With that waited for the lock while the holder's f panicked returned a nil error, want ErrPoisoned")
				assert.ErrorIs(t, err, mutex.ErrPoisoned, "With that waited for the lock while the holder's f panicked: poison before you unlock")
			case <-timeout:
				harness.FatalStuck(t, "%d of the %d Withs that waited for the lock while the holder's f panicked did not return within %v: each must get ErrPoisoned (the panic must release the lock, and a waiter that finds the Mutex poisoned must not keep the others waiting)", k-i, k, harness.Bound())
			}
		}
		assert.Zero(t, ran.Load(), "Withs that waited for the lock while the holder's f panicked called f %d times: poison before you unlock", ran.Load())
	})
}

func TestMutex_ClearPoisonMakesItUsable(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		m := newMutex(t, 0)
		m.ClearPoison() // not poisoned: does nothing
		require.NoError(t, m.With(func(v *int) { *v = 1 }), "With after ClearPoison on a healthy Mutex")

		for round := range 2 + r.IntN(3) {
			harness.Recover(func() { _ = m.With(func(*int) { panic(boom{3}) }) })
			err := withBounded(t, m, func(*int) {}, "With after f panicked")
			require.Error(t, err, "round %d: With after f panicked returned a nil error, want ErrPoisoned", round+1)
			require.ErrorIs(t, err, mutex.ErrPoisoned, "round %d: With after f panicked", round+1)
			m.ClearPoison()
			want := r.IntN(1000)
			err = withBounded(t, m, func(v *int) { *v = want }, "With after ClearPoison")
			require.NoError(t, err, "round %d: With after ClearPoison", round+1)
			got := -1
			require.NoError(t, m.With(func(v *int) { got = *v }))
			assert.Equal(t, want, got, "round %d: the value set by the first With after ClearPoison", round+1)
		}
	})
}

// TestMutex_ConcurrentWithAndClearPoison calls every method of one Mutex from several goroutines
// released at the same moment: With that changes the value, With whose f panics, ClearPoison.
// Every access to the Mutex's state must be under its lock: the race detector reports one that
// is not, whichever goroutine runs first. Each With either ran f (nil) or did not (ErrPoisoned).
func TestMutex_ConcurrentWithAndClearPoison(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		g, n := 3+r.IntN(3), 20+r.IntN(20)
		m := newMutex(t, 0)
		var ran, returnedNil atomic.Int64
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range 3 * g {
			wg.Go(func() {
				<-start
				for range n {
					switch i % 3 {
					case 0: // adds one
						err := m.With(func(v *int) { ran.Add(1); *v++ })
						if err == nil {
							returnedNil.Add(1)
						} else if !errors.Is(err, mutex.ErrPoisoned) {
							t.Errorf("With(v++) from %d goroutines, with panics and ClearPoison in others: %v, want nil or ErrPoisoned", 3*g, err)
						}
					case 1: // panics
						harness.Recover(func() { _ = m.With(func(*int) { panic(boom{4}) }) })
					case 2:
						m.ClearPoison()
					}
				}
			})
		}
		close(start)
		wg.Wait()
		assert.Equal(t, ran.Load(), returnedNil.Load(), "With(v++) from %d goroutines at once with panics and ClearPoison: calls that ran f, want exactly the calls that returned nil", 3*g)
		m.ClearPoison()
		got := -1
		require.NoError(t, withBounded(t, m, func(v *int) { got = *v }, "With after ClearPoison"), "With after ClearPoison")
		assert.EqualValues(t, returnedNil.Load(), got, "the value after With(v++) returned nil %d times (with panics and ClearPoison in other goroutines at once)", returnedNil.Load())
	})
}

// Task 2: Bank.

// TestErrors_SentinelsAreDistinctAndReturned: every check against ErrPoisoned, ErrNoAccount and
// ErrInsufficientFunds means something only if they are errors, different ones, and each is
// what its call returns.
func TestErrors_SentinelsAreDistinctAndReturned(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		b := newBank(t, map[string]int{"alice": 10, "bob": 0})
		m := newMutex(t, 0)

		sentinels := map[string]error{"ErrPoisoned": mutex.ErrPoisoned, "ErrNoAccount": mutex.ErrNoAccount, "ErrInsufficientFunds": mutex.ErrInsufficientFunds}
		for name, err := range sentinels {
			require.NotNil(t, err, "%s is nil: a nil sentinel matches every nil error, so errors.Is(nil, %s) is true", name, name)
			assert.NotEmpty(t, err.Error(), "%s.Error()", name)
			for other, err2 := range sentinels {
				if other != name {
					assert.False(t, errors.Is(err, err2), "errors.Is(%s, %s) = true: they must be different errors", name, other)
				}
			}
		}

		returned := map[string]error{}
		returned["ErrNoAccount"] = b.Transfer("alice", "mallory", 1)
		returned["ErrInsufficientFunds"] = b.Transfer("alice", "bob", 11)
		harness.Recover(func() { _ = m.With(func(*int) { panic(boom{5}) }) })
		returned["ErrPoisoned"] = withBounded(t, m, func(*int) {}, "With after f panicked")
		for name, err := range returned {
			require.Error(t, err, "the call that should return %s returned a nil error", name)
			assert.ErrorIs(t, err, sentinels[name], "the call that should return %s", name)
		}
	})
}

func TestBank_BalanceAndTotal(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		balances := randomBalances(t)
		b := newBank(t, balances)
		assertBalances(t, b, balances, "NewBank")
		assert.Equal(t, sum(balances), b.Total(), "NewBank(%v).Total()", balances)
		_, err := b.Balance("mallory")
		require.Error(t, err, "Balance(%q), not an account, returned a nil error", "mallory")
		assert.ErrorIs(t, err, mutex.ErrNoAccount, "Balance(%q), not an account", "mallory")
	})
}

func TestBank_NewBankCopiesTheMap(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		balances := randomBalances(t)
		want := maps.Clone(balances)
		b := newBank(t, balances)
		for name := range balances {
			balances[name] = 1_000_000
		}
		balances["mallory"] = 5
		assertBalances(t, b, want, "after the caller changed the map given to NewBank")
		_, err := b.Balance("mallory")
		require.Error(t, err, "Balance(%q), added to the caller's map after NewBank, returned a nil error", "mallory")
		assert.ErrorIs(t, err, mutex.ErrNoAccount, "Balance(%q), added to the caller's map after NewBank", "mallory")
		assert.Equal(t, sum(want), b.Total(), "Total() after the caller changed the map given to NewBank")
	})
}

func TestBank_TransferMovesMoney(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		want := map[string]int{"alice": 100 + r.IntN(100), "bob": r.IntN(100), "carol": r.IntN(100)}
		b := newBank(t, want)
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
		b := newBank(t, want)
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
		b := newBank(t, want)
		for _, tr := range []struct{ from, to string }{{"alice", "mallory"}, {"mallory", "alice"}, {"mallory", "trudy"}} {
			err := b.Transfer(tr.from, tr.to, 1)
			require.Error(t, err, "Transfer(%q, %q, 1) returned a nil error, want ErrNoAccount", tr.from, tr.to)
			assert.ErrorIs(t, err, mutex.ErrNoAccount, "Transfer(%q, %q, 1)", tr.from, tr.to)
			assertBalances(t, b, want, fmt.Sprintf("after Transfer(%q, %q, 1)", tr.from, tr.to))
		}
		for _, name := range []string{"mallory", "trudy"} {
			_, err := b.Balance(name)
			require.Error(t, err, "Balance(%q) after a failed transfer to it returned a nil error: Transfer must not open accounts", name)
			assert.ErrorIs(t, err, mutex.ErrNoAccount, "Balance(%q) after a failed transfer to it: Transfer must not open accounts", name)
		}
		assert.Equal(t, sum(want), b.Total(), "Total() after transfers with unknown accounts")
	})
}

func TestBank_InsufficientFundsChangesNothing(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		want := randomBalances(t)
		b := newBank(t, want)
		too := want["alice"] + 1 + harness.Rand(t).IntN(100)
		err := b.Transfer("alice", "bob", too)
		require.Error(t, err, "Transfer(%q, %q, %d) with %d in %q returned a nil error, want ErrInsufficientFunds", "alice", "bob", too, want["alice"], "alice")
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
		atLeastProcessors(t, 4)
		senders := max(2, min(runtime.GOMAXPROCS(0), runtime.NumCPU()))
		const rounds = 200
		for round := range rounds {
			have := 100 + r.IntN(100)
			b := newBank(t, map[string]int{"alice": have, "bob": 0, "carol": 0})
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
					} else { // err is not nil here
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
// goroutines at once, on at least 4 processors even under -cpu 1, while another goroutine keeps
// reading both balances. Transfers that lock their from account first and then their to account
// end up, in a few hundred transfers, each holding the lock the other one wants: the test looks
// for that moment (every one of its goroutines blocked inside your code, so none can ever
// release a lock) and fails at once, however slow the machine.
func TestBank_OppositeTransfersNeverDeadlock(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		const perDirection, transfers = 4, 2000
		atLeastProcessors(t, 4)
		start := map[string]int{"alice": 50 + r.IntN(50), "bob": 50 + r.IntN(50), "carol": r.IntN(50)}
		b := newBank(t, start)
		total := sum(start)

		// Each goroutine of the test says who it is, and when it is done.
		const goroutines = 2*perDirection + 1
		var ids [goroutines]atomic.Int64
		var finished [goroutines]atomic.Bool
		var progress atomic.Int64 // calls of Transfer and Balance that returned
		var ready sync.WaitGroup
		ready.Add(goroutines)

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
				defer finished[i].Store(true)
				ids[i].Store(harness.GoroutineID())
				ready.Done()
				<-gate
				for _, amount := range amounts {
					if err := b.Transfer(from, to, amount); err != nil && !errors.Is(err, mutex.ErrInsufficientFunds) {
						unexpected.CompareAndSwap(nil, fmt.Sprintf("Transfer(%q, %q, %d) = %v", from, to, amount, err))
					}
					progress.Add(1)
				}
			})
		}
		transfersDone := make(chan struct{})
		go func() { wg.Wait(); close(transfersDone) }()

		// The observer: no balance is ever seen below zero.
		observed := make(chan string, 1)
		go func() {
			defer close(observed)
			defer finished[goroutines-1].Store(true)
			ids[goroutines-1].Store(harness.GoroutineID())
			ready.Done()
			<-gate
			for {
				for _, name := range []string{"alice", "bob"} {
					if v, err := b.Balance(name); err != nil || v < 0 {
						observed <- fmt.Sprintf("Balance(%q) = %d, %v during the transfers", name, v, err)
						return
					}
					progress.Add(1)
				}
				select {
				case <-transfersDone:
					return
				default:
				}
			}
		}()

		ready.Wait()
		close(gate)
		// A deadlock: every goroutine still running is blocked inside package mutex, and stays
		// so (a goroutine can also wait a moment for the garbage collector) while no call returns.
		var stuckSince time.Time
		for last := int64(-1); ; time.Sleep(time.Millisecond) {
			select {
			case <-transfersDone:
			default:
				now := progress.Load()
				blocked := harness.Blocked("/exercises/08_mutex.")
				running, stuck := 0, 0
				for i := range goroutines {
					if !finished[i].Load() {
						running++
						if blocked[ids[i].Load()] {
							stuck++
						}
					}
				}
				switch {
				case running == 0 || stuck < running || now != last:
					stuckSince = time.Time{}
				case stuckSince.IsZero():
					stuckSince = time.Now()
				case time.Since(stuckSince) > 200*time.Millisecond:
					harness.FatalStuck(t, "%d goroutines sending alice->bob and %d sending bob->alice (and one reading balances) are all blocked in your code, and none has returned for %v: two transfers are each holding the lock the other one wants (a deadlock). Lock the two accounts in one fixed order, for example by name", perDirection, perDirection, time.Since(stuckSince).Round(time.Millisecond))
				}
				last = now
				continue
			}
			break
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

// TestBank_BalanceAndTotalWhileTransfersRun reads Balance and Total from goroutines released at
// the same moment as transfers in both directions: every balance read is >= 0, every Total is
// the starting total (a Total is the sum at one moment: money on its way between two accounts
// is counted once), and the race detector reports a balance read or written without its lock
// (for certain in the first Transfer and Total, released together with nothing between them).
func TestBank_BalanceAndTotalWhileTransfersRun(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		start := map[string]int{"alice": 50 + r.IntN(50), "bob": 50 + r.IntN(50), "carol": 50 + r.IntN(50)}
		b := newBank(t, start)
		total := sum(start)
		names := []string{"alice", "bob", "carol"}
		const transfers = 1000
		atLeastProcessors(t, 4)

		// First one Transfer and one Total, released at the same moment with nothing else
		// between them: the race detector reports a balance Total reads without its lock,
		// whichever of the two runs first.
		pairGate, pairTotal := make(chan struct{}), make(chan int, 1)
		var pair sync.WaitGroup
		pair.Go(func() { <-pairGate; _ = b.Transfer("alice", "bob", 1) })
		pair.Go(func() { <-pairGate; pairTotal <- b.Total() })
		close(pairGate)
		pair.Wait()
		assert.Equal(t, total, <-pairTotal, "Total() at the same moment as a Transfer: transfers never change the total")

		// Then six streams of transfers and two readers. Total one lock at a time is wrong only
		// when a transfer lands between two of its reads, which needs the two to run at the
		// same moment: on a busy machine the readers may get the CPUs only after the transfers,
		// so the transfers go on until the readers have called Total minTotals times.
		gate := make(chan struct{})
		var transfersWG, readersWG sync.WaitGroup
		var totals atomic.Int64
		var badTotal, badBalance atomic.Value
		const minTotals = 5000
		for i := range 6 {
			from, to := names[i%3], names[(i+1+i/3)%3]
			amounts := make([]int, transfers)
			for k := range amounts {
				amounts[k] = 1 + r.IntN(30)
			}
			transfersWG.Go(func() {
				<-gate
				for k := 0; (k < transfers || totals.Load() < minTotals) && badTotal.Load() == nil; k++ {
					amount := amounts[k%transfers]
					err := b.Transfer(from, to, amount)
					if err != nil && !errors.Is(err, mutex.ErrInsufficientFunds) {
						t.Errorf("Transfer(%q, %q, %d) = %v: the only error expected here is ErrInsufficientFunds", from, to, amount, err)
					}
				}
			})
		}
		done := make(chan struct{})
		for i := range 2 {
			readersWG.Go(func() {
				<-gate
				for {
					if got := b.Total(); got != total {
						badTotal.CompareAndSwap(nil, got)
					}
					totals.Add(1)
					name := names[i]
					if v, err := b.Balance(name); err != nil || v < 0 {
						badBalance.CompareAndSwap(nil, fmt.Sprintf("Balance(%q) = %d, %v", name, v, err))
					}
					select {
					case <-done:
						return
					default:
					}
				}
			})
		}
		close(gate)
		transfersWG.Wait()
		close(done)
		readersWG.Wait()
		if got := badTotal.Load(); got != nil {
			t.Errorf("Total() = %v while transfers ran, want %d: transfers never change the total, and Total must not count money on its way between two accounts (hold every account's lock at once)", got, total)
		}
		if msg := badBalance.Load(); msg != nil {
			t.Errorf("%v while transfers ran: a balance is never below zero", msg)
		}
		assert.Equal(t, total, b.Total(), "Total() after the concurrent transfers")
	})
}

// Task 3: Cache.

func TestCache_ComputesEachKeyOnce(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		offset := r.IntN(1000)
		calls := map[string]int{}
		c := newCache(t, func(k string) int {
			calls[k]++
			return len(k) + offset
		})
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
		c := newCache(t, func(k int) int {
			n := calls.Add(1)
			<-gate
			return base + k + int(n)*10000 // each computation returns its own value
		})
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
		c := newCache(t, func(k string) string {
			close(started[k])
			select {
			case <-started[other[k]]:
			case <-time.After(harness.Bound()):
				t.Errorf("compute(%q) waited %v for compute(%q) to start: computes of different keys must run in parallel, never under a lock shared by all keys", k, harness.Bound(), other[k])
			}
			return strings.ToUpper(k)
		})
		results := make(chan string, 2)
		for _, k := range []string{"a", "b"} {
			go func() { results <- k + "=" + c.Get(k) }()
		}
		got := []string{<-results, <-results}
		assert.ElementsMatch(t, []string{"a=A", "b=B"}, got, "Get(%q) and Get(%q) at once", "a", "b")
	})
}

// TestCache_ConcurrentGetsOfManyKeys calls Get from goroutines released at the same moment, each
// first for a key of its own, then for keys the others ask for too: every key is computed once,
// every Get returns its key's value, and the race detector reports a map read or written
// without the Cache's lock (a "fast path" that looks the key up before locking, say).
func TestCache_ConcurrentGetsOfManyKeys(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		g := 4 + r.IntN(4)
		offset := r.IntN(1000)
		var mu sync.Mutex
		calls := map[int]int{}
		c := newCache(t, func(k int) int {
			mu.Lock()
			calls[k]++
			mu.Unlock()
			return 3*k + offset
		})
		gate := make(chan struct{})
		var wg sync.WaitGroup
		for i := range g {
			keys := []int{100 + i}
			for range 20 {
				keys = append(keys, r.IntN(2*g))
			}
			wg.Go(func() {
				<-gate
				for _, k := range keys {
					if got := c.Get(k); got != 3*k+offset {
						t.Errorf("Get(%d) from %d goroutines at once = %d, want %d", k, g, got, 3*k+offset)
					}
				}
			})
		}
		close(gate)
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for k, n := range calls {
			assert.Equal(t, 1, n, "compute(%d) calls after Gets of it from %d goroutines at once, want 1", k, g)
		}
	})
}

// TestCache_PanicInComputeReachesItsGet: when compute panics, the Get that called it panics with
// the same value, and a Get of the same key that was waiting for that computation does not wait
// forever (what it returns is not specified). Other keys are not affected.
func TestCache_PanicInComputeReachesItsGet(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		want := boom{harness.Rand(t).Uint64()}
		gate := make(chan struct{})
		var calls atomic.Int64
		c := newCache(t, func(k string) string {
			if k == "bad" && calls.Add(1) == 1 {
				<-gate
				panic(want)
			}
			return strings.ToUpper(k)
		})
		var once sync.Once
		openGate := func() { once.Do(func() { close(gate) }) }
		t.Cleanup(openGate)

		first := make(chan any, 1)
		go func() { v, _ := harness.Recover(func() { c.Get("bad") }); first <- v }()
		waitUntilBlocked(t, ".(*Cache[...]).Get(", 1, func() int { return len(first) }, fmt.Sprintf("Get(%q) while compute(%q) runs", "bad", "bad"))
		second := make(chan any, 1)
		go func() { v, _ := harness.Recover(func() { c.Get("bad") }); second <- v }()
		waitUntilBlocked(t, ".(*Cache[...]).Get(", 2, func() int { return len(first) + len(second) }, fmt.Sprintf("a second Get(%q) while the first one's compute runs", "bad"))
		openGate() // compute panics now
		got := harness.Receive(t, first, "Get(%q) whose compute panicked did not return within %v", "bad", harness.Bound())
		assert.Equal(t, want, got, "Get(%q) whose compute panicked: the caller should recover the value compute panicked with", "bad")
		harness.Receive(t, second, "a Get(%q) that waited for a compute that panicked was still waiting after %v: no Get may wait forever for a computation that panicked (close or mark it in a defer)", "bad", harness.Bound())
		done := make(chan string, 1)
		go func() { done <- c.Get("good") }()
		good := harness.Receive(t, done, "Get(%q) after compute(%q) panicked did not return within %v: a panic in compute must not leave the Cache locked", "good", "bad", harness.Bound())
		assert.Equal(t, "GOOD", good, "Get(%q) after compute(%q) panicked", "good", "bad")
	})
}

// Helpers.

// newMutex calls mutex.New(v), and fails t at once when it returns nil.
func newMutex[T any](t *testing.T, v T) *mutex.Mutex[T] {
	t.Helper()
	m := mutex.New(v)
	require.NotNil(t, m, "New(%v) returned nil, want a *Mutex holding the value", v)
	return m
}

// newBank calls mutex.NewBank(balances), and fails t at once when it returns nil.
func newBank(t *testing.T, balances map[string]int) *mutex.Bank {
	t.Helper()
	b := mutex.NewBank(balances)
	require.NotNil(t, b, "NewBank(%v) returned nil", balances)
	return b
}

// newCache calls mutex.NewCache(compute), and fails t at once when it returns nil.
func newCache[K comparable, V any](t *testing.T, compute func(K) V) *mutex.Cache[K, V] {
	t.Helper()
	c := mutex.NewCache(compute)
	require.NotNil(t, c, "NewCache returned nil")
	return c
}

// withBounded calls m.With(f) in a goroutine and fails the test if it has not returned within
// harness.Bound: a With that waits for a lock nobody will release fails here, with a clear
// message, rather than in the watchdog.
func withBounded[T any](t *testing.T, m *mutex.Mutex[T], f func(*T), what string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- m.With(f) }()
	select {
	case err := <-done:
		return err
	case <-time.After(harness.Bound()):
		harness.FatalStuck(t, "%s: With did not return within %v: it is waiting for the lock, which was never released (unlock in a defer, so that a panic in f releases it too)", what, harness.Bound())
		return nil
	}
}

// boom is what the tests' functions panic with: a comparable value the test can recognise.
type boom struct{ token uint64 }

// waitUntilBlocked waits until n calls have arrived: blocked with call on their stack (waiting
// on a lock, a channel, ...), or already returned, as returned counts them (the test then says
// what is wrong with that). It is how the tests know that concurrent calls have really arrived
// and are waiting, without sleeping for a guessed time. After harness.Bound it fails t.
func waitUntilBlocked(t *testing.T, call string, n int, returned func() int, what string) {
	t.Helper()
	got := 0
	if harness.Poll(func() bool { got = len(harness.Blocked(call)) + returned(); return got >= n }) {
		return
	}
	harness.FatalStuck(t, "%s: only %d of %d calls were waiting after %v", what, got, n, harness.Bound())
}

// randomBalances returns 3 to 6 accounts with random balances.
func randomBalances(t *testing.T) map[string]int {
	t.Helper()
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

// atLeastProcessors runs the rest of t with GOMAXPROCS >= n, so that goroutines really run at
// the same moment, and are interrupted at any point, even under -cpu 1.
func atLeastProcessors(t *testing.T, n int) {
	t.Helper()
	if prev := runtime.GOMAXPROCS(0); prev < n {
		runtime.GOMAXPROCS(n)
		t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
	}
}
