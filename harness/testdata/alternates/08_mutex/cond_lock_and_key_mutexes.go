// Alternate of 08_mutex: the Mutex is a flag guarded by a sync.Cond, the Bank locks accounts
// with one-slot channels taken in index order, and the Cache gives each key a sync.Mutex that
// the computing Get holds (a panic unlocks it in a defer, and the next Get computes again).

// Package mutex is exercise 08: shared state behind a lock.
package mutex

import (
	"errors"
	"fmt"
	"slices"
	"sync"
)

// ErrPoisoned is returned by With while the Mutex is poisoned: a call of f panicked while it
// held the lock, and nobody has called ClearPoison since.
var ErrPoisoned = errors.New("mutex: poisoned by a panic while locked")

// Mutex holds a value of type T that only the function passed to With can reach. It is safe
// for concurrent use. Create it with New.
type Mutex[T any] struct {
	mu       sync.Mutex // guards held and poisoned, never held while f runs
	free     *sync.Cond // broadcast when held becomes false
	held     bool
	poisoned bool
	v        T // reached only by the goroutine that set held
}

// New returns a Mutex holding v, unlocked and not poisoned.
func New[T any](v T) *Mutex[T] {
	m := &Mutex[T]{v: v}
	m.free = sync.NewCond(&m.mu)
	return m
}

// With locks m, calls f with a pointer to the value, unlocks m and returns nil. While m is
// poisoned it returns ErrPoisoned without calling f. If f panics, With poisons m, unlocks it
// and lets the panic go on.
func (m *Mutex[T]) With(f func(v *T)) error {
	m.mu.Lock()
	for m.held {
		m.free.Wait()
	}
	if m.poisoned {
		m.mu.Unlock()
		return ErrPoisoned
	}
	m.held = true
	m.mu.Unlock()

	ok := false
	defer func() {
		m.mu.Lock()
		if !ok {
			m.poisoned = true // in the same critical section as the unlock below
		}
		m.held = false
		m.free.Broadcast() // not Signal: a waiter that finds m poisoned returns without passing it on
		m.mu.Unlock()
	}()
	f(&m.v)
	ok = true
	return nil
}

// ClearPoison makes a poisoned m usable again; on a Mutex that is not poisoned it does nothing.
func (m *Mutex[T]) ClearPoison() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.poisoned = false
}

// ErrNoAccount is returned for a name that is not an account of the Bank.
var ErrNoAccount = errors.New("mutex: no such account")

// ErrInsufficientFunds is returned by Transfer when the account to take from holds less than
// the amount.
var ErrInsufficientFunds = errors.New("mutex: insufficient funds")

// Bank holds named accounts with whole-number balances. It is safe for concurrent use, and
// transfers between unrelated accounts do not wait for each other.
type Bank struct {
	index    map[string]int // name -> position in accounts; never changes after NewBank
	accounts []*slot
}

// slot is one account: its lock is a channel with room for one token, and its balance is
// touched only by the goroutine that put the token in.
type slot struct {
	lock    chan struct{}
	balance int
}

func (s *slot) acquire() { s.lock <- struct{}{} }
func (s *slot) release() { <-s.lock }

// NewBank returns a Bank with one account per key of balances, holding a copy of that balance.
func NewBank(balances map[string]int) *Bank {
	names := make([]string, 0, len(balances))
	for name := range balances {
		names = append(names, name)
	}
	slices.Sort(names)
	b := &Bank{index: make(map[string]int, len(names))}
	for i, name := range names {
		b.index[name] = i
		b.accounts = append(b.accounts, &slot{lock: make(chan struct{}, 1), balance: balances[name]})
	}
	return b
}

// Transfer moves amount from the account from to the account to, all or nothing.
func (b *Bank) Transfer(from, to string, amount int) error {
	if amount <= 0 {
		return fmt.Errorf("mutex: cannot transfer %d: the amount must be positive", amount)
	}
	i, ok := b.index[from]
	if !ok {
		return fmt.Errorf("transfer from %q: %w", from, ErrNoAccount)
	}
	j, ok := b.index[to]
	if !ok {
		return fmt.Errorf("transfer to %q: %w", to, ErrNoAccount)
	}
	lo, hi := min(i, j), max(i, j) // always the lower index first
	b.accounts[lo].acquire()
	defer b.accounts[lo].release()
	if hi != lo {
		b.accounts[hi].acquire()
		defer b.accounts[hi].release()
	}
	src, dst := b.accounts[i], b.accounts[j]
	if src.balance < amount {
		return fmt.Errorf("transfer of %d from %q: %w", amount, from, ErrInsufficientFunds)
	}
	src.balance -= amount
	dst.balance += amount
	return nil
}

// Balance returns the balance of the account name, or an error matching ErrNoAccount.
func (b *Bank) Balance(name string) (int, error) {
	i, ok := b.index[name]
	if !ok {
		return 0, fmt.Errorf("balance of %q: %w", name, ErrNoAccount)
	}
	s := b.accounts[i]
	s.acquire()
	defer s.release()
	return s.balance, nil
}

// Total returns the sum of all balances, taken with every account locked at once.
func (b *Bank) Total() int {
	for _, s := range b.accounts {
		s.acquire()
	}
	total := 0
	for _, s := range b.accounts {
		total += s.balance
	}
	for _, s := range b.accounts {
		s.release()
	}
	return total
}

// Cache remembers compute's result for each key. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	compute func(K) V
	mu      sync.Mutex
	keys    map[K]*keyed[V] // guarded by mu
}

// keyed is one key's value: the Get that computes it holds mu while compute runs.
type keyed[V any] struct {
	mu   sync.Mutex
	done bool // guarded by mu
	v    V    // guarded by mu
}

// NewCache returns an empty Cache that fills itself with compute.
func NewCache[K comparable, V any](compute func(K) V) *Cache[K, V] {
	return &Cache[K, V]{compute: compute, keys: make(map[K]*keyed[V])}
}

// Get returns compute(k), computing it at most once per key; concurrent Gets of k wait for the
// key's own lock, never for a lock shared by all keys while compute runs.
func (c *Cache[K, V]) Get(k K) V {
	c.mu.Lock()
	e, ok := c.keys[k]
	if !ok {
		e = &keyed[V]{}
		c.keys[k] = e
	}
	c.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.done {
		e.v = c.compute(k)
		e.done = true
	}
	return e.v
}
