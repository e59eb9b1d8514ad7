// Package arc is exercise 05: atomic reference counting, the Go way.
//
// Rust's Rc is not thread-safe, so the compiler will not let it cross into a thread; Arc, the
// Atomically Reference Counted handle, may. Each thread gets a clone of the handle (cheap: the
// value is shared, only the count goes up), moves it into its closure, and the value dies when
// the last clone is dropped. Here, as in 02_rc, "dies" means the drop hook runs, exactly once;
// unlike 02_rc, handles onto one box may be cloned and dropped from many goroutines at once.
//
// The reference solution keeps the count in an atomic.Int64 in the shared box and gives each
// handle an atomic.Bool of its own, so that its first Drop, and only that one, counts.
package arc

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// box is what every handle onto one value shares.
type box[T any] struct {
	value T
	count atomic.Int64 // live handles
	drop  func(T)
}

// Arc is a handle onto a shared box holding one value and a count of the live handles onto it.
// A handle is live from New, NewWithDrop or Clone until its own Drop. Every method may be
// called from any goroutine, at the same time as any other method on any handle.
type Arc[T any] struct {
	box     *box[T]
	dropped atomic.Bool // this handle's own state: set once, by its first Drop
}

// New returns the first handle onto a new box holding v. Its StrongCount is 1.
func New[T any](v T) *Arc[T] { return NewWithDrop(v, nil) }

// NewWithDrop is New with a drop hook: drop(v) runs exactly once, when the last live handle
// onto the box is dropped, and never before, however many goroutines clone and drop handles at
// once. The hook runs once the count has reached 0: StrongCount, even called from inside the
// hook, returns 0. A nil drop means no hook, as with New.
func NewWithDrop[T any](v T, drop func(T)) *Arc[T] {
	b := &box[T]{value: v, drop: drop}
	b.count.Store(1)
	return &Arc[T]{box: b}
}

// Clone returns a new live handle onto a's box (the same box, not a copy of the value) and adds
// one to the box's count. It panics when a has been dropped.
func (a *Arc[T]) Clone() *Arc[T] {
	a.mustBeLive("Clone")
	// a is live, so the count is at least 1 and cannot reach 0 while we add to it.
	a.box.count.Add(1)
	return &Arc[T]{box: a.box}
}

// Value returns the value in a's box. It panics when a has been dropped.
func (a *Arc[T]) Value() T {
	a.mustBeLive("Value")
	return a.box.value
}

// StrongCount returns the number of live handles onto a's box. It may be called on a dropped
// handle too, and returns 0 once every handle onto the box has been dropped.
func (a *Arc[T]) StrongCount() int { return int(a.box.count.Load()) }

// Drop ends the handle a: the box's count goes down by one, and when a was the last live
// handle the drop hook runs, before Drop returns. Dropping a handle that is already dropped
// does nothing: Drop is idempotent per handle, even when two goroutines drop the same handle at
// once, so it never takes away another handle's share.
func (a *Arc[T]) Drop() {
	if !a.dropped.CompareAndSwap(false, true) {
		return // already dropped, perhaps by another goroutine at this very moment
	}
	// Add returns the new count in one atomic step: exactly one Drop sees it reach 0.
	if a.box.count.Add(-1) == 0 && a.box.drop != nil {
		a.box.drop(a.box.value)
	}
}

func (a *Arc[T]) mustBeLive(method string) {
	if a.dropped.Load() {
		panic(fmt.Sprintf("arc: %s must be called on a live handle, got a dropped one", method))
	}
}

// MyString is the seed's newtype around a string: a type of its own, which the seed gives no
// way to clone. Share one between goroutines through an *Arc[MyString].
type MyString struct {
	s string
}

// NewMyString returns a MyString holding s.
func NewMyString(s string) MyString { return MyString{s: s} }

// String returns the string m holds.
func (m MyString) String() string { return m.s }

// Hello is the seed's thread5.rs: it starts n goroutines, and goroutine i, holding a clone of
// name of its own, makes the line "hello <name> count <i>" ("hello dolly count 0") and drops its
// clone. Hello returns the n lines in i order, once every goroutine has finished. It does not
// drop the caller's handle name, which must be live. It panics when n < 0.
func Hello(name *Arc[MyString], n int) []string {
	if n < 0 {
		panic(fmt.Sprintf("arc: n must be >= 0, got %d", n))
	}
	lines := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		tname := name.Clone() // cloned here, moved into the goroutine: `let tname = name.clone();`
		wg.Go(func() {
			defer tname.Drop()
			lines[i] = fmt.Sprintf("hello %s count %d", tname.Value(), i)
		})
	}
	wg.Wait()
	return lines
}
