// Package mutex is exercise 08: shared state behind a lock.
//
// Rust shares mutable state between threads as Arc<Mutex<T>>: lock() hands out a guard that is
// the only way to reach the value, the lock is released when the guard goes away, and a thread
// that panics while holding it poisons the mutex so that the next lock() reports the damage.
// Here you build that Mutex, then use locks the way real code does: a Bank whose transfers
// between two accounts are all or nothing, and a Cache that never holds its lock while it
// computes.
package mutex

import "errors"

// ErrPoisoned is returned by With while the Mutex is poisoned: a call of f panicked while it
// held the lock, and nobody has called ClearPoison since.
var ErrPoisoned = errors.New("mutex: poisoned by a panic while locked")

// errNotImplemented is what the stubs return until you write them.
var errNotImplemented = errors.New("not implemented")

// Mutex holds a value of type T that only the function passed to With can reach. It is safe
// for concurrent use. Create it with New.
type Mutex[T any] struct {
	// TODO: add the fields you need.
}

// New returns a Mutex holding v, unlocked and not poisoned.
func New[T any](v T) *Mutex[T] {
	// TODO: implement.
	return nil
}

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
	// TODO: implement.
	return errNotImplemented
}

// ClearPoison makes a poisoned m usable again: the next With calls f. On a Mutex that is not
// poisoned it does nothing.
func (m *Mutex[T]) ClearPoison() {
	// TODO: implement.
}

// ErrNoAccount is returned for a name that is not an account of the Bank.
var ErrNoAccount = errors.New("mutex: no such account")

// ErrInsufficientFunds is returned by Transfer when the account to take from holds less than
// the amount.
var ErrInsufficientFunds = errors.New("mutex: insufficient funds")

// Bank holds named accounts with whole-number balances. It is safe for concurrent use, and
// transfers between unrelated accounts do not wait for each other.
type Bank struct {
	// TODO: add the fields you need.
}

// NewBank returns a Bank with one account per key of balances, holding that balance. It copies
// balances: changing the map afterwards does not change the Bank.
func NewBank(balances map[string]int) *Bank {
	// TODO: implement.
	return nil
}

// Transfer moves amount from the account from to the account to, all or nothing. It returns an
// error matching ErrNoAccount when either account does not exist, one matching
// ErrInsufficientFunds when from holds less than amount, and an error when amount <= 0; after
// an error no balance has changed. A balance never goes below zero, not even for a
// moment that Balance could see. Transfers in opposite directions between the same two accounts
// may run at the same time and never deadlock.
func (b *Bank) Transfer(from, to string, amount int) error {
	// TODO: implement.
	return errNotImplemented
}

// Balance returns the balance of the account name, or an error matching ErrNoAccount.
func (b *Bank) Balance(name string) (int, error) {
	// TODO: implement.
	return 0, errNotImplemented
}

// Total returns the sum of all balances. Transfers never change it.
func (b *Bank) Total() int {
	// TODO: implement.
	return 0
}

// Cache remembers compute's result for each key. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	// TODO: add the fields you need.
}

// NewCache returns an empty Cache that fills itself with compute.
func NewCache[K comparable, V any](compute func(K) V) *Cache[K, V] {
	// TODO: implement.
	return nil
}

// Get returns compute(k), calling compute at most once per key over the Cache's life, even for
// concurrent Gets of one key: those wait for that one computation and return its value. Computes
// of different keys run in parallel: compute is never called while a lock shared by all keys is
// held. If compute panics, the Get that called it panics with the same value, and no Get waits
// forever for that computation (what the Gets waiting for it return is not specified).
func (c *Cache[K, V]) Get(k K) V {
	// TODO: implement.
	var zero V
	return zero
}
