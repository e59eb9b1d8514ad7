// Alternate of 05_arc: the count changes only through CompareAndSwap loops (Clone never counts up
// from 0), each handle guards its own state with a sync.Mutex held through its Drop (hook
// included), and Hello gives every goroutine a result channel of its own.

// Package arc is exercise 05: atomic reference counting, the Go way.
package arc

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
)

type inner[T any] struct {
	strong atomic.Int64
	v      T
	onDrop func(T)
}

// Arc is a handle onto a shared box holding one value and a count of the live handles onto it.
type Arc[T any] struct {
	in   *inner[T]
	mu   sync.Mutex
	gone bool
}

// New returns the first handle onto a new box holding v. Its StrongCount is 1.
func New[T any](v T) *Arc[T] { return NewWithDrop(v, nil) }

// NewWithDrop is New with a drop hook, run once when the last handle is dropped.
func NewWithDrop[T any](v T, drop func(T)) *Arc[T] {
	in := &inner[T]{v: v, onDrop: drop}
	in.strong.Store(1)
	return &Arc[T]{in: in}
}

func (a *Arc[T]) live(op string) {
	a.mu.Lock()
	gone := a.gone
	a.mu.Unlock()
	if gone {
		panic("arc: " + op + " on a dropped handle")
	}
}

// Clone returns a new live handle onto a's box. It panics when a has been dropped.
func (a *Arc[T]) Clone() *Arc[T] {
	a.live("Clone")
	for {
		n := a.in.strong.Load()
		if n <= 0 {
			panic("arc: Clone of a box whose handles are all dropped")
		}
		if a.in.strong.CompareAndSwap(n, n+1) {
			return &Arc[T]{in: a.in}
		}
	}
}

// Value returns the value in a's box. It panics when a has been dropped.
func (a *Arc[T]) Value() T {
	a.live("Value")
	return a.in.v
}

// StrongCount returns the number of live handles onto a's box.
func (a *Arc[T]) StrongCount() int { return int(a.in.strong.Load()) }

// Drop ends the handle a; the last Drop runs the hook. Idempotent per handle.
func (a *Arc[T]) Drop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gone {
		return
	}
	a.gone = true
	for {
		n := a.in.strong.Load()
		if a.in.strong.CompareAndSwap(n, n-1) {
			if n == 1 && a.in.onDrop != nil {
				a.in.onDrop(a.in.v)
			}
			return
		}
	}
}

// MyString is the seed's newtype around a string.
type MyString struct{ text string }

// NewMyString returns a MyString holding s.
func NewMyString(s string) MyString { return MyString{text: s} }

// String returns the string m holds.
func (m MyString) String() string { return m.text }

// Hello returns "hello <name> count <i>" for i in 0..n-1, made by n goroutines, in i order.
func Hello(name *Arc[MyString], n int) []string {
	if n < 0 {
		panic(fmt.Sprint("arc: Hello with n = ", n))
	}
	results := make([]chan string, n)
	for i := range results {
		results[i] = make(chan string, 1)
		mine := name.Clone()
		go func(i int, mine *Arc[MyString], res chan<- string) {
			line := "hello " + mine.Value().String() + " count " + strconv.Itoa(i)
			mine.Drop()
			res <- line
		}(i, mine, results[i])
	}
	lines := make([]string, 0, n)
	for _, res := range results {
		lines = append(lines, <-res)
	}
	return lines
}
