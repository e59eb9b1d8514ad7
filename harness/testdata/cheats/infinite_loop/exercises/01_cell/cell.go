// Cheat for 01_cell: Take loops forever; everything else is correct.

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
	v T
}

// NewCell returns a Cell holding v.
func NewCell[T any](v T) *Cell[T] { return &Cell[T]{v: v} }

// Get returns a copy of the value.
func (c *Cell[T]) Get() T { return c.v }

// Set stores v, replacing the value.
func (c *Cell[T]) Set(v T) { c.v = v }

// Replace stores v and returns the value it replaced.
func (c *Cell[T]) Replace(v T) (old T) {
	old, c.v = c.v, v
	return old
}

// Take returns the value and leaves the zero value of T in its place.
func (c *Cell[T]) Take() T {
	for {
		// Waits for a value that never comes: spins forever.
	}
}

// RefCell holds one value and hands out borrows of it, checking Rust's rules at run time:
// any number of live Refs, or exactly one live RefMut.
type RefCell[T any] struct {
	v T
	// borrows counts live Refs; -1 means a RefMut is live.
	borrows int
}

// NewRefCell returns a RefCell holding v, with no borrows.
func NewRefCell[T any](v T) *RefCell[T] { return &RefCell[T]{v: v} }

// Borrow returns a shared borrow, or ErrAlreadyMutablyBorrowed while a RefMut is live.
func (c *RefCell[T]) Borrow() (*Ref[T], error) {
	if c.borrows < 0 {
		return nil, ErrAlreadyMutablyBorrowed
	}
	c.borrows++
	return &Ref[T]{cell: c}, nil
}

// BorrowMut returns the only mutable borrow, or ErrAlreadyBorrowed while any borrow
// (a Ref or a RefMut) is live.
func (c *RefCell[T]) BorrowMut() (*RefMut[T], error) {
	if c.borrows != 0 {
		return nil, ErrAlreadyBorrowed
	}
	c.borrows = -1
	return &RefMut[T]{cell: c}, nil
}

// MustBorrow is Borrow that panics with ErrAlreadyMutablyBorrowed instead of returning it.
func (c *RefCell[T]) MustBorrow() *Ref[T] {
	r, err := c.Borrow()
	if err != nil {
		panic(err)
	}
	return r
}

// MustBorrowMut is BorrowMut that panics with ErrAlreadyBorrowed instead of returning it.
func (c *RefCell[T]) MustBorrowMut() *RefMut[T] {
	r, err := c.BorrowMut()
	if err != nil {
		panic(err)
	}
	return r
}

// Ref is a live shared borrow of a RefCell's value.
type Ref[T any] struct {
	cell *RefCell[T] // nil once released
}

// Value returns the borrowed value. It panics when r has been released.
func (r *Ref[T]) Value() T {
	if r.cell == nil {
		panic("cell: Value of a released Ref")
	}
	return r.cell.v
}

// Release ends the borrow. Calling it again does nothing.
func (r *Ref[T]) Release() {
	if r.cell == nil {
		return
	}
	r.cell.borrows--
	r.cell = nil
}

// RefMut is the live mutable borrow of a RefCell's value.
type RefMut[T any] struct {
	cell *RefCell[T] // nil once released
}

// Value returns a pointer to the value inside the cell: writes through it change the cell.
// It panics when r has been released.
func (r *RefMut[T]) Value() *T {
	if r.cell == nil {
		panic("cell: Value of a released RefMut")
	}
	return &r.cell.v
}

// Release ends the borrow. Calling it again does nothing.
func (r *RefMut[T]) Release() {
	if r.cell == nil {
		return
	}
	r.cell.borrows = 0
	r.cell = nil
}
