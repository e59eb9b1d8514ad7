// Alternate of 08_mutex: the Mutex is a one-slot channel that recovers and re-panics, the Bank
// has a single lock over a map of balances, and the Cache keeps a sync.Once per key.

package mutex

import (
	"errors"
	"fmt"
	"sync"
)

// ErrPoisoned is returned by With while the Mutex is poisoned.
var ErrPoisoned = errors.New("mutex: poisoned by a panic while locked")

// Mutex holds a value of type T that only the function passed to With can reach.
type Mutex[T any] struct {
	token    chan struct{} // holds one token while unlocked
	v        T
	poisoned bool
}

// New returns a Mutex holding v, unlocked and not poisoned.
func New[T any](v T) *Mutex[T] {
	m := &Mutex[T]{token: make(chan struct{}, 1), v: v}
	m.token <- struct{}{}
	return m
}

func (m *Mutex[T]) lock()   { <-m.token }
func (m *Mutex[T]) unlock() { m.token <- struct{}{} }

// With locks m, calls f with a pointer to the value, unlocks m and returns nil; ErrPoisoned
// without calling f while poisoned; if f panics: poison, unlock, re-panic.
func (m *Mutex[T]) With(f func(v *T)) error {
	m.lock()
	if m.poisoned {
		m.unlock()
		return ErrPoisoned
	}
	defer func() {
		if r := recover(); r != nil {
			m.poisoned = true
			m.unlock()
			panic(r)
		}
		m.unlock()
	}()
	f(&m.v)
	return nil
}

// ClearPoison makes a poisoned m usable again.
func (m *Mutex[T]) ClearPoison() {
	m.lock()
	m.poisoned = false
	m.unlock()
}

// ErrNoAccount is returned for a name that is not an account of the Bank.
var ErrNoAccount = errors.New("mutex: no such account")

// ErrInsufficientFunds is returned by Transfer when from holds less than the amount.
var ErrInsufficientFunds = errors.New("mutex: insufficient funds")

// Bank holds named accounts behind one lock.
type Bank struct {
	mu       sync.RWMutex
	balances map[string]int
}

// NewBank returns a Bank with a copy of balances.
func NewBank(balances map[string]int) *Bank {
	b := &Bank{balances: map[string]int{}}
	for k, v := range balances {
		b.balances[k] = v
	}
	return b
}

// Transfer moves amount from from to to, all or nothing.
func (b *Bank) Transfer(from, to string, amount int) error {
	if amount <= 0 {
		return errors.New("mutex: amount must be positive")
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	have, ok := b.balances[from]
	if !ok {
		return fmt.Errorf("transfer from %s: %w", from, ErrNoAccount)
	}
	if _, ok := b.balances[to]; !ok {
		return fmt.Errorf("transfer to %s: %w", to, ErrNoAccount)
	}
	if have < amount {
		return ErrInsufficientFunds
	}
	b.balances[from] -= amount
	b.balances[to] += amount
	return nil
}

// Balance returns the balance of name, or ErrNoAccount.
func (b *Bank) Balance(name string) (int, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	v, ok := b.balances[name]
	if !ok {
		return 0, ErrNoAccount
	}
	return v, nil
}

// Total returns the sum of all balances.
func (b *Bank) Total() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	total := 0
	for _, v := range b.balances {
		total += v
	}
	return total
}

// Cache remembers compute's result for each key.
type Cache[K comparable, V any] struct {
	compute func(K) V
	mu      sync.Mutex
	slots   map[K]*slot[V]
}

type slot[V any] struct {
	once sync.Once
	v    V
}

// NewCache returns an empty Cache that fills itself with compute.
func NewCache[K comparable, V any](compute func(K) V) *Cache[K, V] {
	return &Cache[K, V]{compute: compute, slots: map[K]*slot[V]{}}
}

// Get returns compute(k), computed at most once per key, never under the Cache's lock.
func (c *Cache[K, V]) Get(k K) V {
	c.mu.Lock()
	s := c.slots[k]
	if s == nil {
		s = &slot[V]{}
		c.slots[k] = s
	}
	c.mu.Unlock()
	s.once.Do(func() { s.v = c.compute(k) })
	return s.v
}
