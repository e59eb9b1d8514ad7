// Alternate of 01_cell: the RefCell keeps the set of its live Refs and its one live RefMut (a
// borrow is live while the cell holds it), the Must forms check on their own, and a Cell keeps
// its value in a one-element array.

// Package cell is exercise 01: interior mutability, the Go way.
package cell

import "errors"

// ErrAlreadyBorrowed is returned by BorrowMut while any borrow of the cell is live.
var ErrAlreadyBorrowed = errors.New("already borrowed")

// ErrAlreadyMutablyBorrowed is returned by Borrow while a mutable borrow of the cell is live.
var ErrAlreadyMutablyBorrowed = errors.New("already mutably borrowed")

// Cell holds one value that is only copied in and out.
type Cell[T any] struct {
	slot [1]T
}

// NewCell returns a Cell holding v.
func NewCell[T any](v T) *Cell[T] {
	c := new(Cell[T])
	c.slot[0] = v
	return c
}

// Get returns a copy of the value.
func (c *Cell[T]) Get() T { return c.slot[0] }

// Set stores v, replacing the value.
func (c *Cell[T]) Set(v T) { c.slot[0] = v }

// Replace stores v and returns the value it replaced.
func (c *Cell[T]) Replace(v T) T {
	old := c.slot[0]
	c.slot[0] = v
	return old
}

// Take returns the value and leaves the zero value of T in its place.
func (c *Cell[T]) Take() T {
	old := c.slot
	c.slot = [1]T{}
	return old[0]
}

// RefCell holds one value and the borrows that are live.
type RefCell[T any] struct {
	value  T
	refs   map[*Ref[T]]bool
	writer *RefMut[T]
}

// NewRefCell returns a RefCell holding v, with no borrows.
func NewRefCell[T any](v T) *RefCell[T] {
	return &RefCell[T]{value: v, refs: map[*Ref[T]]bool{}}
}

// Borrow returns a shared borrow, or ErrAlreadyMutablyBorrowed while a RefMut is live.
func (c *RefCell[T]) Borrow() (*Ref[T], error) {
	if c.writer != nil {
		return nil, ErrAlreadyMutablyBorrowed
	}
	r := &Ref[T]{owner: c}
	c.refs[r] = true
	return r, nil
}

// BorrowMut returns the only mutable borrow, or ErrAlreadyBorrowed while any borrow is live.
func (c *RefCell[T]) BorrowMut() (*RefMut[T], error) {
	if c.writer != nil || len(c.refs) > 0 {
		return nil, ErrAlreadyBorrowed
	}
	c.writer = &RefMut[T]{owner: c}
	return c.writer, nil
}

// MustBorrow is Borrow that panics with ErrAlreadyMutablyBorrowed instead of returning it.
func (c *RefCell[T]) MustBorrow() *Ref[T] {
	if c.writer != nil {
		panic(ErrAlreadyMutablyBorrowed)
	}
	r := &Ref[T]{owner: c}
	c.refs[r] = true
	return r
}

// MustBorrowMut is BorrowMut that panics with ErrAlreadyBorrowed instead of returning it.
func (c *RefCell[T]) MustBorrowMut() *RefMut[T] {
	if c.writer != nil || len(c.refs) > 0 {
		panic(ErrAlreadyBorrowed)
	}
	c.writer = &RefMut[T]{owner: c}
	return c.writer
}

// Ref is a shared borrow: live while its cell holds it.
type Ref[T any] struct {
	owner *RefCell[T]
}

// Value returns the borrowed value. It panics when r has been released.
func (r *Ref[T]) Value() T {
	if !r.owner.refs[r] {
		panic("cell: Ref.Value after Release")
	}
	return r.owner.value
}

// Release ends the borrow. Calling it again does nothing.
func (r *Ref[T]) Release() { delete(r.owner.refs, r) }

// RefMut is the mutable borrow: live while its cell holds it as the writer.
type RefMut[T any] struct {
	owner *RefCell[T]
}

// Value returns a pointer to the value inside the cell. It panics when r has been released.
func (r *RefMut[T]) Value() *T {
	if r.owner.writer != r {
		panic("cell: RefMut.Value after Release")
	}
	return &r.owner.value
}

// Release ends the borrow. Calling it again does nothing.
func (r *RefMut[T]) Release() {
	if r.owner.writer == r {
		r.owner.writer = nil
	}
}
