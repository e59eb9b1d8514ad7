// Alternate of 01_cell: the value lives behind a pointer, the borrow state is two fields, and
// each borrow remembers its own liveness with a bool.

package cell

import "errors"

// ErrAlreadyBorrowed is returned by BorrowMut while any borrow of the cell is live.
var ErrAlreadyBorrowed = errors.New("already borrowed")

// ErrAlreadyMutablyBorrowed is returned by Borrow while a mutable borrow of the cell is live.
var ErrAlreadyMutablyBorrowed = errors.New("already mutably borrowed")

// Cell holds one value that is only copied in and out.
type Cell[T any] struct{ p *T }

// NewCell returns a Cell holding v.
func NewCell[T any](v T) *Cell[T] { return &Cell[T]{p: &v} }

// Get returns a copy of the value.
func (c *Cell[T]) Get() T { return *c.p }

// Set stores v.
func (c *Cell[T]) Set(v T) { c.p = &v }

// Replace stores v and returns the old value.
func (c *Cell[T]) Replace(v T) T {
	old := *c.p
	c.p = &v
	return old
}

// Take returns the value and leaves the zero value.
func (c *Cell[T]) Take() T {
	old := *c.p
	var zero T
	c.p = &zero
	return old
}

// RefCell checks the borrow rules at run time.
type RefCell[T any] struct {
	value   T
	shared  int
	mutable bool
}

// NewRefCell returns a RefCell holding v.
func NewRefCell[T any](v T) *RefCell[T] { return &RefCell[T]{value: v} }

// Borrow returns a shared borrow.
func (c *RefCell[T]) Borrow() (*Ref[T], error) {
	if c.mutable {
		return nil, ErrAlreadyMutablyBorrowed
	}
	c.shared++
	return &Ref[T]{c: c, live: true}, nil
}

// BorrowMut returns the mutable borrow.
func (c *RefCell[T]) BorrowMut() (*RefMut[T], error) {
	if c.mutable || c.shared > 0 {
		return nil, ErrAlreadyBorrowed
	}
	c.mutable = true
	return &RefMut[T]{c: c, live: true}, nil
}

// MustBorrow panics instead of returning an error.
func (c *RefCell[T]) MustBorrow() *Ref[T] {
	if c.mutable {
		panic(ErrAlreadyMutablyBorrowed)
	}
	r, _ := c.Borrow()
	return r
}

// MustBorrowMut panics instead of returning an error.
func (c *RefCell[T]) MustBorrowMut() *RefMut[T] {
	m, err := c.BorrowMut()
	if err != nil {
		panic(err)
	}
	return m
}

// Ref is a shared borrow.
type Ref[T any] struct {
	c    *RefCell[T]
	live bool
}

// Value returns the value; it panics once released.
func (r *Ref[T]) Value() T {
	if !r.live {
		panic(errors.New("cell: released Ref"))
	}
	return r.c.value
}

// Release ends the borrow.
func (r *Ref[T]) Release() {
	if r.live {
		r.live = false
		r.c.shared--
	}
}

// RefMut is the mutable borrow.
type RefMut[T any] struct {
	c    *RefCell[T]
	live bool
}

// Value returns a pointer into the cell; it panics once released.
func (r *RefMut[T]) Value() *T {
	if !r.live {
		panic(errors.New("cell: released RefMut"))
	}
	return &r.c.value
}

// Release ends the borrow.
func (r *RefMut[T]) Release() {
	if r.live {
		r.live = false
		r.c.mutable = false
	}
}
