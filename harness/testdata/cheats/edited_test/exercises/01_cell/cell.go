// Cheat for 01_cell: the stub; the cheat is the edited cell_test.go beside it, whose empty
// tests would all pass if the grader used it.

// Package cell is exercise 01: interior mutability, the Go way.
//
// Rust's Cell lets you change a value behind a shared reference by copying it in and out, and
// RefCell checks the borrowing rules at run time instead of compile time: any number of shared
// borrows, or exactly one mutable borrow, never both.
//
// Neither type is safe for concurrent use, just as Rust's Cell and RefCell are not Sync:
// 08_mutex is the concurrent version of these ideas.
package cell

import "errors"

// ErrAlreadyBorrowed is returned by BorrowMut while any borrow of the cell is live.
var ErrAlreadyBorrowed = errors.New("already borrowed")

// ErrAlreadyMutablyBorrowed is returned by Borrow while a mutable borrow of the cell is live.
var ErrAlreadyMutablyBorrowed = errors.New("already mutably borrowed")

// Cell holds one value that is only copied in and out: nobody ever gets a pointer into it.
type Cell[T any] struct {
	// TODO: add the fields you need.
}

// NewCell returns a Cell holding v.
func NewCell[T any](v T) *Cell[T] {
	// TODO: implement.
	return nil
}

// Get returns a copy of the value.
func (c *Cell[T]) Get() T {
	// TODO: implement.
	var zero T
	return zero
}

// Set stores v, replacing the value.
func (c *Cell[T]) Set(v T) {
	// TODO: implement.
}

// Replace stores v and returns the value it replaced.
func (c *Cell[T]) Replace(v T) (old T) {
	// TODO: implement.
	return old
}

// Take returns the value and leaves the zero value of T in its place.
func (c *Cell[T]) Take() T {
	// TODO: implement.
	var zero T
	return zero
}

// RefCell holds one value and hands out borrows of it, checking Rust's rules at run time:
// any number of live Refs, or exactly one live RefMut.
type RefCell[T any] struct {
	// TODO: add the fields you need.
}

// NewRefCell returns a RefCell holding v, with no borrows.
func NewRefCell[T any](v T) *RefCell[T] {
	// TODO: implement.
	return nil
}

// Borrow returns a shared borrow, or ErrAlreadyMutablyBorrowed while a RefMut is live.
func (c *RefCell[T]) Borrow() (*Ref[T], error) {
	// TODO: implement.
	return nil, nil
}

// BorrowMut returns the only mutable borrow, or ErrAlreadyBorrowed while any borrow
// (a Ref or a RefMut) is live.
func (c *RefCell[T]) BorrowMut() (*RefMut[T], error) {
	// TODO: implement.
	return nil, nil
}

// MustBorrow is Borrow that panics with ErrAlreadyMutablyBorrowed instead of returning it.
func (c *RefCell[T]) MustBorrow() *Ref[T] {
	// TODO: implement.
	return nil
}

// MustBorrowMut is BorrowMut that panics with ErrAlreadyBorrowed instead of returning it.
func (c *RefCell[T]) MustBorrowMut() *RefMut[T] {
	// TODO: implement.
	return nil
}

// Ref is a live shared borrow of a RefCell's value.
type Ref[T any] struct {
	// TODO: add the fields you need.
}

// Value returns the borrowed value. It panics when r has been released.
func (r *Ref[T]) Value() T {
	// TODO: implement.
	var zero T
	return zero
}

// Release ends the borrow. Calling it again does nothing.
func (r *Ref[T]) Release() {
	// TODO: implement.
}

// RefMut is the live mutable borrow of a RefCell's value.
type RefMut[T any] struct {
	// TODO: add the fields you need.
}

// Value returns a pointer to the value inside the cell: writes through it change the cell.
// It panics when r has been released.
func (r *RefMut[T]) Value() *T {
	// TODO: implement.
	return nil
}

// Release ends the borrow. Calling it again does nothing.
func (r *RefMut[T]) Release() {
	// TODO: implement.
}
