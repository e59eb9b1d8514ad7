// Package mutex is exercise 08: shared state behind a lock.
//
// Rust shares mutable state between threads as Arc<Mutex<T>>: lock() hands out a guard that is
// the only way to reach the value, the lock is released when the guard goes away, and a thread
// that panics while holding it poisons the mutex so that the next lock() reports the damage.
// Here you build that Mutex, then use locks the way real code does: a Bank whose transfers
// between two accounts are all or nothing, and a Cache that never holds its lock while it
// computes.
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
	mu       sync.Mutex
	v        T    // guarded by mu
	poisoned bool // guarded by mu
}

// New returns a Mutex holding v, unlocked and not poisoned.
func New[T any](v T) *Mutex[T] { return &Mutex[T]{v: v} }

// With locks m, calls f with a pointer to the value, unlocks m and returns nil. Calls from many
// goroutines run f one at a time, and each call sees the writes of the calls before it. f must
// not keep the pointer after it returns.
//
// While m is poisoned, With returns ErrPoisoned at once, without calling f.
//
// If f panics, With poisons m, unlocks it and lets the panic go on with the same value: the
// caller can recover it, and later calls of With return ErrPoisoned instead of waiting forever
// for a lock nobody will release.
func (m *Mutex[T]) With(f func(v *T)) error {
	m.mu.Lock()
	defer m.mu.Unlock() // deferred first, so it runs last: after the poisoning below
	if m.poisoned {
		return ErrPoisoned
	}
	returned := false
	defer func() {
		if !returned { // f panicked (or called runtime.Goexit): the panic goes on by itself
			m.poisoned = true
		}
	}()
	f(&m.v)
	returned = true
	return nil
}

// ClearPoison makes a poisoned m usable again: the next With calls f. On a Mutex that is not
// poisoned it does nothing.
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
	accounts map[string]*account // never changes after NewBank: read without a lock
	names    []string            // sorted: the one order in which accounts are locked
}

// account is one balance with its own lock, so that unrelated transfers run in parallel.
type account struct {
	mu      sync.Mutex
	balance int // guarded by mu
}

// NewBank returns a Bank with one account per key of balances, holding that balance. It copies
// balances: changing the map afterwards does not change the Bank.
func NewBank(balances map[string]int) *Bank {
	b := &Bank{accounts: make(map[string]*account, len(balances))}
	for name, balance := range balances {
		b.accounts[name] = &account{balance: balance}
		b.names = append(b.names, name)
	}
	slices.Sort(b.names)
	return b
}

// Transfer moves amount from the account from to the account to, all or nothing. It returns an
// error matching ErrNoAccount when either account does not exist, one matching
// ErrInsufficientFunds when from holds less than amount, and an error when amount <= 0; after
// an error no balance has changed. A balance never goes below zero, not even for a
// moment that Balance could see. Transfers in opposite directions between the same two accounts
// may run at the same time and never deadlock.
func (b *Bank) Transfer(from, to string, amount int) error {
	if amount <= 0 {
		return fmt.Errorf("mutex: transfer amount must be > 0, got %d", amount)
	}
	src, ok := b.accounts[from]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoAccount, from)
	}
	dst, ok := b.accounts[to]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoAccount, to)
	}
	// Lock both accounts, always in name order: two transfers in opposite directions then
	// queue for the same first lock instead of each holding the lock the other wants.
	first, second := src, dst
	if to < from {
		first, second = dst, src
	}
	first.mu.Lock()
	defer first.mu.Unlock()
	if second != first { // a transfer to the same account must not lock it twice
		second.mu.Lock()
		defer second.mu.Unlock()
	}
	// Check and move under the same locks: nothing can change the balance in between.
	if src.balance < amount {
		return fmt.Errorf("%w: %q holds %d, cannot send %d", ErrInsufficientFunds, from, src.balance, amount)
	}
	src.balance -= amount
	dst.balance += amount
	return nil
}

// Balance returns the balance of the account name, or an error matching ErrNoAccount.
func (b *Bank) Balance(name string) (int, error) {
	a, ok := b.accounts[name]
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrNoAccount, name)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.balance, nil
}

// Total returns the sum of all balances. Transfers never change it.
func (b *Bank) Total() int {
	// Holding every lock at once (in the same order as Transfer) gives a sum at one instant.
	for _, name := range b.names {
		b.accounts[name].mu.Lock()
	}
	total := 0
	for _, name := range b.names {
		total += b.accounts[name].balance
		b.accounts[name].mu.Unlock()
	}
	return total
}

// Cache remembers compute's result for each key. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	compute func(K) V
	mu      sync.Mutex
	entries map[K]*entry[V] // guarded by mu
}

// entry is one key's value, ready once done is closed.
type entry[V any] struct {
	done     chan struct{}
	v        V
	panicked bool // compute panicked: the entry was removed, and waiters try again
}

// NewCache returns an empty Cache that fills itself with compute.
func NewCache[K comparable, V any](compute func(K) V) *Cache[K, V] {
	return &Cache[K, V]{compute: compute, entries: make(map[K]*entry[V])}
}

// Get returns compute(k), calling compute at most once per key over the Cache's life, even for
// concurrent Gets of one key: those wait for that one computation and return its value. Computes
// of different keys run in parallel: compute is never called while a lock shared by all keys is
// held. If compute panics, the Get that called it panics with the same value, and no Get waits
// forever for that computation (what the Gets waiting for it return is not specified).
func (c *Cache[K, V]) Get(k K) V {
	for {
		c.mu.Lock()
		e, ok := c.entries[k]
		if !ok {
			e = &entry[V]{done: make(chan struct{})}
			c.entries[k] = e
			c.mu.Unlock()
			return c.fill(k, e) // computed without the lock
		}
		c.mu.Unlock()
		<-e.done // someone else is computing k, or has
		if !e.panicked {
			return e.v
		}
	}
}

// fill computes k into e and wakes whoever waits for it.
func (c *Cache[K, V]) fill(k K, e *entry[V]) V {
	defer close(e.done)
	e.panicked = true
	defer func() {
		if e.panicked {
			c.mu.Lock()
			delete(c.entries, k)
			c.mu.Unlock()
		}
	}()
	e.v = c.compute(k)
	e.panicked = false
	return e.v
}
