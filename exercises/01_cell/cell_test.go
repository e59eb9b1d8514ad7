package cell_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cell "github.com/kata-go/concurrency/exercises/01_cell"
	"github.com/kata-go/concurrency/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }

// Task 1: Cell.

func TestCell_GetReturnsTheValueGiven(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		n := harness.Rand(t).IntN(1000) + 1
		c := cell.NewCell(n)
		require.NotNil(t, c, "NewCell(%d) returned nil, want a *Cell holding the value (task 1: NewCell in cell.go)", n)
		assert.Equal(t, n, c.Get(), "NewCell(%d).Get()", n)

		s := cell.NewCell(fmt.Sprint("answer ", n))
		require.NotNil(t, s, "NewCell(string) returned nil, want a *Cell holding the value (task 1: NewCell in cell.go)")
		assert.Equal(t, fmt.Sprint("answer ", n), s.Get(), "NewCell(%q).Get()", fmt.Sprint("answer ", n))
	})
}

func TestCell_SetChangesWhatGetReturns(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		// The seed's example: answer is never declared mutable, yet its value changes.
		answer := cell.NewCell(42)
		require.NotNil(t, answer, "NewCell(42) returned nil, want a *Cell holding the value (task 1: NewCell in cell.go)")
		require.Equal(t, 42, answer.Get(), "NewCell(42).Get()")
		answer.Set(77)
		assert.Equal(t, 77, answer.Get(), "after Set(77), Get()")
		answer.Set(0)
		assert.Equal(t, 0, answer.Get(), "after Set(0), Get()")
	})
}

func TestCell_ReplaceReturnsTheOldValue(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		a, b := r.IntN(1000)+1, r.IntN(1000)+1001
		c := cell.NewCell(a)
		require.NotNil(t, c, "NewCell(%d) returned nil, want a *Cell holding the value (task 1: NewCell in cell.go)", a)
		assert.Equal(t, a, c.Replace(b), "NewCell(%d).Replace(%d) should return the old value", a, b)
		assert.Equal(t, b, c.Get(), "after Replace(%d), Get()", b)
	})
}

func TestCell_TakeLeavesTheZeroValue(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := cell.NewCell([]string{"hello", "dolly"})
		require.NotNil(t, c, "NewCell returned nil, want a *Cell holding the value (task 1: NewCell in cell.go)")
		assert.Equal(t, []string{"hello", "dolly"}, c.Take(), "Take() should return the value")
		assert.Nil(t, c.Get(), "after Take(), Get() should be the zero value (nil for a slice)")

		n := cell.NewCell(7)
		require.NotNil(t, n, "NewCell(7) returned nil, want a *Cell holding the value (task 1: NewCell in cell.go)")
		assert.Equal(t, 7, n.Take(), "NewCell(7).Take()")
		assert.Equal(t, 0, n.Take(), "a second Take() finds the zero value")
	})
}

// Task 2: RefCell borrows.

func TestRefCell_BorrowSeesTheValue(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		greeting := cell.NewRefCell("hello")
		require.NotNil(t, greeting, "NewRefCell returned nil, want a *RefCell holding the value (task 2: NewRefCell in cell.go)")
		r, err := greeting.Borrow()
		require.NoError(t, err, "Borrow() on a fresh RefCell")
		require.NotNil(t, r, "Borrow() returned a nil *Ref with no error")
		assert.Equal(t, "hello", r.Value(), "Borrow().Value()")
		assert.Len(t, r.Value(), 5, "len(Borrow().Value())")
		r.Release()
	})
}

func TestRefCell_ManySharedBorrowsAtOnce(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		n := harness.Rand(t).IntN(5) + 2
		c := cell.NewRefCell(n)
		require.NotNil(t, c, "NewRefCell returned nil, want a *RefCell holding the value (task 2: NewRefCell in cell.go)")
		var refs []*cell.Ref[int]
		for i := range n {
			r, err := c.Borrow()
			require.NoError(t, err, "Borrow() number %d while %d shared borrows are live: shared borrows may overlap", i+1, i)
			require.NotNil(t, r, "Borrow() returned a nil *Ref with no error")
			refs = append(refs, r)
		}
		for _, r := range refs {
			assert.Equal(t, n, r.Value(), "every live Ref sees the value")
		}
		_, err := c.BorrowMut()
		assert.ErrorIs(t, err, cell.ErrAlreadyBorrowed, "BorrowMut() while %d Refs are live", n)
		for i, r := range refs {
			r.Release()
			_, err := c.BorrowMut()
			if i < n-1 {
				assert.ErrorIs(t, err, cell.ErrAlreadyBorrowed, "BorrowMut() with %d of %d Refs still live", n-1-i, n)
			} else {
				assert.NoError(t, err, "BorrowMut() once every Ref is released")
			}
		}
	})
}

func TestRefCell_MutableBorrowIsExclusive(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := cell.NewRefCell("hello")
		require.NotNil(t, c, "NewRefCell returned nil, want a *RefCell holding the value (task 2: NewRefCell in cell.go)")
		m, err := c.BorrowMut()
		require.NoError(t, err, "BorrowMut() on a fresh RefCell")
		require.NotNil(t, m, "BorrowMut() returned a nil *RefMut with no error")

		_, err = c.Borrow()
		assert.ErrorIs(t, err, cell.ErrAlreadyMutablyBorrowed, "Borrow() while a RefMut is live")
		_, err = c.BorrowMut()
		assert.ErrorIs(t, err, cell.ErrAlreadyBorrowed, "a second BorrowMut() while a RefMut is live")

		m.Release()
		r, err := c.Borrow()
		assert.NoError(t, err, "Borrow() after the RefMut is released")
		if r != nil {
			r.Release()
		}
		m2, err := c.BorrowMut()
		assert.NoError(t, err, "BorrowMut() after every borrow is released")
		if m2 != nil {
			m2.Release()
		}
	})
}

func TestRefCell_WritesThroughRefMutStay(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		// The seed's example: *greeting.borrow_mut() = "hola".
		greeting := cell.NewRefCell("hello")
		require.NotNil(t, greeting, "NewRefCell returned nil, want a *RefCell holding the value (task 2: NewRefCell in cell.go)")
		m, err := greeting.BorrowMut()
		require.NoError(t, err, "BorrowMut() on a fresh RefCell")
		require.NotNil(t, m, "BorrowMut() returned a nil *RefMut")
		p := m.Value()
		require.NotNil(t, p, "RefMut.Value() returned a nil pointer")
		assert.Equal(t, "hello", *p, "*RefMut.Value() before writing")
		*p = "hola"
		m.Release()

		r, err := greeting.Borrow()
		require.NoError(t, err, "Borrow() after the RefMut is released")
		require.NotNil(t, r, "Borrow() returned a nil *Ref")
		assert.Equal(t, "hola", r.Value(), "a write through RefMut.Value() must change the cell's value")
		r.Release()
	})
}

func TestRefCell_ReleaseTwiceCountsOnce(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := cell.NewRefCell(1)
		require.NotNil(t, c, "NewRefCell returned nil, want a *RefCell holding the value (task 2: NewRefCell in cell.go)")
		a, err := c.Borrow()
		require.NoError(t, err)
		b, err := c.Borrow()
		require.NoError(t, err)
		require.NotNil(t, a)
		require.NotNil(t, b)

		a.Release()
		a.Release() // must not release b's borrow too
		_, err = c.BorrowMut()
		assert.ErrorIs(t, err, cell.ErrAlreadyBorrowed, "BorrowMut() after a.Release() twice while b is still live: Release must be idempotent")
		b.Release()

		m, err := c.BorrowMut()
		require.NoError(t, err, "BorrowMut() with no borrow live")
		require.NotNil(t, m)
		m.Release()
		m.Release()
		r, err := c.Borrow()
		assert.NoError(t, err, "Borrow() after RefMut.Release() twice")
		require.NotNil(t, r)
		_, err = c.BorrowMut()
		assert.ErrorIs(t, err, cell.ErrAlreadyBorrowed, "BorrowMut() while a Ref is live, after an earlier RefMut was released twice")
		r.Release()
	})
}

func TestRefCell_ReleasedBorrowPanicsOnUse(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := cell.NewRefCell(5)
		require.NotNil(t, c, "NewRefCell returned nil, want a *RefCell holding the value (task 2: NewRefCell in cell.go)")
		r, err := c.Borrow()
		require.NoError(t, err)
		require.NotNil(t, r)
		r.Release()
		assert.Panics(t, func() { r.Value() }, "Ref.Value() after Release() should panic")

		m, err := c.BorrowMut()
		require.NoError(t, err)
		require.NotNil(t, m)
		m.Release()
		assert.Panics(t, func() { m.Value() }, "RefMut.Value() after Release() should panic")
	})
}

// Task 3: the panicking forms.

func TestRefCell_MustBorrowPanicsWithTheSentinel(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := cell.NewRefCell("hello")
		require.NotNil(t, c, "NewRefCell returned nil, want a *RefCell holding the value (task 2: NewRefCell in cell.go)")
		gr := c.MustBorrowMut() // the seed's `let mut gr = greeting.borrow_mut();`
		require.NotNil(t, gr, "MustBorrowMut() on a fresh RefCell returned nil")

		err := panicValue(func() { c.MustBorrow() })
		assert.ErrorIs(t, err, cell.ErrAlreadyMutablyBorrowed, "MustBorrow() while a RefMut is live should panic with ErrAlreadyMutablyBorrowed")
		err = panicValue(func() { c.MustBorrowMut() })
		assert.ErrorIs(t, err, cell.ErrAlreadyBorrowed, "MustBorrowMut() while a RefMut is live should panic with ErrAlreadyBorrowed")
		gr.Release()

		r := c.MustBorrow()
		require.NotNil(t, r, "MustBorrow() with no borrow live returned nil")
		assert.Equal(t, "hello", r.Value())
		r.Release()
	})
}

// panicValue runs f and returns what it panicked with as an error, or an error saying it did not panic.
func panicValue(f func()) (err error) {
	defer func() {
		r := recover()
		if e, ok := r.(error); ok {
			err = e
		} else if r != nil {
			err = fmt.Errorf("panicked with %v (%T), not an error", r, r)
		}
	}()
	f()
	return errors.New("did not panic")
}
