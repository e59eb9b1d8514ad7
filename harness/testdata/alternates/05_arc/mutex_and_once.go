// Alternate of 05_arc: the count is a plain int under a mutex in the box, each handle drops
// through a sync.Once (so a second concurrent Drop waits for the first, hook included), and
// Hello's goroutines clone for themselves and send their lines back on a channel.

// Package arc is exercise 05: atomic reference counting, the Go way.
package arc

import (
	"fmt"
	"sync"
)

type shared[T any] struct {
	mu    sync.Mutex
	count int
	value T
	drop  func(T)
}

// Arc is a handle onto a shared box holding one value and a count of the live handles onto it.
type Arc[T any] struct {
	s    *shared[T]
	once sync.Once
	live bool // guarded by s.mu
}

// New returns the first handle onto a new box holding v. Its StrongCount is 1.
func New[T any](v T) *Arc[T] { return NewWithDrop(v, nil) }

// NewWithDrop is New with a drop hook that runs exactly once, when the last handle is dropped.
func NewWithDrop[T any](v T, drop func(T)) *Arc[T] {
	return &Arc[T]{s: &shared[T]{count: 1, value: v, drop: drop}, live: true}
}

// Clone returns a new live handle onto a's box. It panics when a has been dropped.
func (a *Arc[T]) Clone() *Arc[T] {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	if !a.live {
		panic("arc: Clone must be called on a live handle, got a dropped one")
	}
	a.s.count++
	return &Arc[T]{s: a.s, live: true}
}

// Value returns the value in a's box. It panics when a has been dropped.
func (a *Arc[T]) Value() T {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	if !a.live {
		panic("arc: Value must be called on a live handle, got a dropped one")
	}
	return a.s.value
}

// StrongCount returns the number of live handles onto a's box.
func (a *Arc[T]) StrongCount() int {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	return a.s.count
}

// Drop ends the handle a; the last Drop runs the hook. Idempotent per handle.
func (a *Arc[T]) Drop() {
	a.once.Do(func() {
		a.s.mu.Lock()
		a.live = false
		a.s.count--
		last := a.s.count == 0
		a.s.mu.Unlock()
		if last && a.s.drop != nil {
			a.s.drop(a.s.value)
		}
	})
}

// MyString is the seed's newtype around a string.
type MyString struct{ string }

// NewMyString returns a MyString holding s.
func NewMyString(s string) MyString { return MyString{s} }

// String returns the string m holds.
func (m MyString) String() string { return m.string }

// Hello returns "hello <name> count <i>" for i in 0..n-1, made by n goroutines, in i order.
func Hello(name *Arc[MyString], n int) []string {
	if n < 0 {
		panic(fmt.Sprintf("arc: n must be >= 0, got %d", n))
	}
	type line struct {
		i int
		s string
	}
	ch := make(chan line)
	for i := 0; i < n; i++ {
		go func(i int) {
			mine := name.Clone() // the caller's handle stays live until every goroutine is done
			l := line{i, "hello " + mine.Value().String() + " count " + fmt.Sprint(i)}
			mine.Drop() // before sending: once Hello has every line, every clone is dropped
			ch <- l
		}(i)
	}
	lines := make([]string, n)
	for range n {
		l := <-ch
		lines[l.i] = l.s
	}
	return lines
}
