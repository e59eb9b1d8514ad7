// Package arc is exercise 05: atomic reference counting, the Go way.
//
// Rust's Rc is not thread-safe, so the compiler will not let it cross into a thread; Arc, the
// Atomically Reference Counted handle, may. Each thread gets a clone of the handle (cheap: the
// value is shared, only the count goes up), moves it into its closure, and the value dies when
// the last clone is dropped. Here, as in 02_rc, "dies" means the drop hook runs, exactly once;
// unlike 02_rc, handles onto one box may be cloned and dropped from many goroutines at once.
package arc

// Arc is a handle onto a shared box holding one value and a count of the live handles onto it.
// A handle is live from New, NewWithDrop or Clone until its own Drop. Every method may be
// called from any goroutine, at the same time as any other method on any handle.
type Arc[T any] struct {
	// TODO: add the fields you need (a handle points at a shared box; the box holds the value,
	// the count and the drop hook).
}

// New returns the first handle onto a new box holding v. Its StrongCount is 1.
func New[T any](v T) *Arc[T] {
	// TODO: implement.
	return nil
}

// NewWithDrop is New with a drop hook: drop(v) runs exactly once, when the last live handle
// onto the box is dropped, and never before, however many goroutines clone and drop handles at
// once. The hook runs once the count has reached 0: StrongCount, even called from inside the
// hook, returns 0. A nil drop means no hook, as with New.
func NewWithDrop[T any](v T, drop func(T)) *Arc[T] {
	// TODO: implement.
	return nil
}

// Clone returns a new live handle onto a's box (the same box, not a copy of the value) and adds
// one to the box's count. It panics when a has been dropped.
func (a *Arc[T]) Clone() *Arc[T] {
	// TODO: implement.
	return nil
}

// Value returns the value in a's box. It panics when a has been dropped.
func (a *Arc[T]) Value() T {
	// TODO: implement.
	var zero T
	return zero
}

// StrongCount returns the number of live handles onto a's box. It may be called on a dropped
// handle too, and returns 0 once every handle onto the box has been dropped.
func (a *Arc[T]) StrongCount() int {
	// TODO: implement.
	return 0
}

// Drop ends the handle a: the box's count goes down by one, and when a was the last live
// handle the drop hook runs, before Drop returns. Dropping a handle that is already dropped
// does nothing: Drop is idempotent per handle, even when two goroutines drop the same handle at
// once, so it never takes away another handle's share.
func (a *Arc[T]) Drop() {
	// TODO: implement.
}

// MyString is the seed's newtype around a string: a type of its own, which the seed gives no
// way to clone. Share one between goroutines through an *Arc[MyString].
type MyString struct {
	// TODO: add the field you need.
}

// NewMyString returns a MyString holding s.
func NewMyString(s string) MyString {
	// TODO: implement.
	return MyString{}
}

// String returns the string m holds.
func (m MyString) String() string {
	// TODO: implement.
	return ""
}

// Hello is the seed's thread5.rs: it starts n goroutines, and goroutine i, holding a clone of
// name of its own, makes the line "hello <name> count <i>" ("hello dolly count 0") and drops its
// clone. Hello returns the n lines in i order, once every goroutine has finished. It does not
// drop the caller's handle name, which must be live. It panics when n < 0.
func Hello(name *Arc[MyString], n int) []string {
	// TODO: implement.
	return nil
}
