package cell_test

import (
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
		c := newCell(t, n)
		assert.Equal(t, n, c.Get(), "NewCell(%d).Get()", n)

		s := newCell(t, fmt.Sprint("answer ", n))
		assert.Equal(t, fmt.Sprint("answer ", n), s.Get(), "NewCell(%q).Get()", fmt.Sprint("answer ", n))
	})
}

func TestCell_SetChangesWhatGetReturns(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		// The seed's example: answer is never declared mutable, yet its value changes.
		answer := newCell(t, 42)
		require.Equal(t, 42, answer.Get(), "NewCell(42).Get()")
		answer.Set(77)
		assert.Equal(t, 77, answer.Get(), "after Set(77), Get()")
		answer.Set(0)
		assert.Equal(t, 0, answer.Get(), "after Set(0), Get()")

		p := harness.Rand(t).Perm(1000)
		a, b := p[0]+1, p[1]+1
		answer.Set(a)
		answer.Set(b)
		assert.Equal(t, b, answer.Get(), "after Set(%d) then Set(%d), Get()", a, b)
	})
}

func TestCell_ReplaceReturnsTheOldValue(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		p := harness.Rand(t).Perm(1000) // four distinct values, none of them the zero value
		a, b, s, d := p[0]+1, p[1]+1, p[2]+1, p[3]+1
		c := newCell(t, a)
		assert.Equal(t, a, c.Replace(b), "NewCell(%d).Replace(%d) should return the old value", a, b)
		assert.Equal(t, b, c.Get(), "after Replace(%d), Get()", b)

		c.Set(s)
		assert.Equal(t, s, c.Replace(d), "Set(%d) then Replace(%d) should return %d, the value Set stored", s, d, s)
		assert.Equal(t, d, c.Replace(0), "Replace(0) after Replace(%d) should return %d", d, d)
		assert.Equal(t, 0, c.Replace(a), "Replace(%d) after Replace(0) should return 0, the value it replaced", a)
		assert.Equal(t, a, c.Get(), "after Replace(%d), Get()", a)
	})
}

func TestCell_TakeLeavesTheZeroValue(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := newCell(t, []string{"hello", "dolly"})
		assert.Equal(t, []string{"hello", "dolly"}, c.Take(), "Take() should return the value")
		assert.Nil(t, c.Get(), "after Take(), Get() should be the zero value (nil for a slice)")

		n := newCell(t, 7)
		assert.Equal(t, 7, n.Take(), "NewCell(7).Take()")
		assert.Equal(t, 0, n.Take(), "a second Take() finds the zero value")

		// What Take leaves behind is an ordinary zero value: Set and Replace work on it as on any other.
		p := harness.Rand(t).Perm(1000)
		a, b := p[0]+1, p[1]+1
		n.Set(a)
		assert.Equal(t, a, n.Get(), "Take(), then Set(%d), then Get()", a)
		assert.Equal(t, a, n.Take(), "Take(), then Set(%d), then Take()", a)
		assert.Equal(t, 0, n.Replace(b), "Take(), then Replace(%d) should return 0, the zero value Take left", b)
		assert.Equal(t, b, n.Get(), "Take(), then Replace(%d), then Get()", b)
	})
}

// Task 2: RefCell borrows.

func TestRefCell_BorrowSeesTheValue(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		greeting := newRefCell(t, "hello")
		r := mustBorrow(t, greeting, "on a fresh RefCell")
		assert.Equal(t, "hello", r.Value(), "Borrow().Value()")
		assert.Len(t, r.Value(), 5, "len(Borrow().Value())")
		r.Release()
	})
}

func TestRefCell_ManySharedBorrowsAtOnce(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		n := harness.Rand(t).IntN(5) + 2
		c := newRefCell(t, n)
		var refs []*cell.Ref[int]
		for i := range n {
			refs = append(refs, mustBorrow(t, c, fmt.Sprintf("number %d, while %d shared borrows are live (shared borrows may overlap)", i+1, i)))
		}
		for _, r := range refs {
			assert.Equal(t, n, r.Value(), "every live Ref sees the value")
		}
		_, err := c.BorrowMut()
		require.Error(t, err, "BorrowMut() while %d Refs are live returned no error", n)
		assert.ErrorIs(t, err, cell.ErrAlreadyBorrowed, "BorrowMut() while %d Refs are live", n)
		for i, r := range refs {
			r.Release()
			_, err := c.BorrowMut()
			if i < n-1 {
				require.Error(t, err, "BorrowMut() with %d of %d Refs still live returned no error", n-1-i, n)
				assert.ErrorIs(t, err, cell.ErrAlreadyBorrowed, "BorrowMut() with %d of %d Refs still live", n-1-i, n)
			} else {
				assert.NoError(t, err, "BorrowMut() once every Ref is released")
			}
		}
	})
}

func TestRefCell_MutableBorrowIsExclusive(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := newRefCell(t, "hello")
		// The two sentinels are two distinct errors: a nil one would satisfy errors.Is(nil, nil).
		require.Error(t, cell.ErrAlreadyBorrowed, "ErrAlreadyBorrowed is nil, want an error value (errors.New)")
		require.Error(t, cell.ErrAlreadyMutablyBorrowed, "ErrAlreadyMutablyBorrowed is nil, want an error value (errors.New)")
		require.NotErrorIs(t, cell.ErrAlreadyBorrowed, cell.ErrAlreadyMutablyBorrowed, "ErrAlreadyBorrowed is ErrAlreadyMutablyBorrowed, want two distinct errors")
		require.NotErrorIs(t, cell.ErrAlreadyMutablyBorrowed, cell.ErrAlreadyBorrowed, "ErrAlreadyMutablyBorrowed is ErrAlreadyBorrowed, want two distinct errors")

		m := mustBorrowMut(t, c, "on a fresh RefCell")

		_, err := c.Borrow()
		require.Error(t, err, "Borrow() while a RefMut is live returned no error")
		assert.ErrorIs(t, err, cell.ErrAlreadyMutablyBorrowed, "Borrow() while a RefMut is live")
		assert.NotErrorIs(t, err, cell.ErrAlreadyBorrowed, "Borrow() while a RefMut is live: the error is ErrAlreadyMutablyBorrowed, not ErrAlreadyBorrowed")
		_, err = c.BorrowMut()
		require.Error(t, err, "a second BorrowMut() while a RefMut is live returned no error")
		assert.ErrorIs(t, err, cell.ErrAlreadyBorrowed, "a second BorrowMut() while a RefMut is live")
		assert.NotErrorIs(t, err, cell.ErrAlreadyMutablyBorrowed, "a second BorrowMut() while a RefMut is live: the error is ErrAlreadyBorrowed, not ErrAlreadyMutablyBorrowed")

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
		greeting := newRefCell(t, "hello")
		m := mustBorrowMut(t, greeting, "on a fresh RefCell")
		p := m.Value()
		require.NotNil(t, p, "RefMut.Value() returned a nil pointer")
		assert.Equal(t, "hello", *p, "*RefMut.Value() before writing")
		*p = "hola"

		// Every call points at the one value inside the cell, so it sees the earlier writes.
		q := m.Value()
		require.NotNil(t, q, "RefMut.Value() returned a nil pointer")
		assert.Same(t, p, q, "two RefMut.Value() calls on one live RefMut returned two pointers, want both to point at the value inside the cell")
		assert.Equal(t, "hola", *q, `*p = "hola" through an earlier RefMut.Value(), then *RefMut.Value() again`)
		word := fmt.Sprint("hej ", harness.Rand(t).IntN(1000))
		*q = word
		m.Release()

		r := mustBorrow(t, greeting, "after the RefMut is released")
		assert.Equal(t, word, r.Value(), "a write through RefMut.Value() must change the cell's value")
		r.Release()
	})
}

func TestRefCell_ReleaseTwiceCountsOnce(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := newRefCell(t, 1)
		a := mustBorrow(t, c, "on a fresh RefCell")
		b := mustBorrow(t, c, "while one Ref is live")

		a.Release()
		a.Release() // must not release b's borrow too
		_, err := c.BorrowMut()
		require.Error(t, err, "BorrowMut() after a.Release() twice while b is still live returned no error: Release must be idempotent")
		assert.ErrorIs(t, err, cell.ErrAlreadyBorrowed, "BorrowMut() after a.Release() twice while b is still live: Release must be idempotent")
		b.Release()

		m := mustBorrowMut(t, c, "with no borrow live")
		m.Release()
		m.Release()
		r, err := c.Borrow()
		assert.NoError(t, err, "Borrow() after RefMut.Release() twice")
		require.NotNil(t, r)
		_, err = c.BorrowMut()
		require.Error(t, err, "BorrowMut() while a Ref is live, after an earlier RefMut was released twice, returned no error")
		assert.ErrorIs(t, err, cell.ErrAlreadyBorrowed, "BorrowMut() while a Ref is live, after an earlier RefMut was released twice")
		r.Release()
		m = mustBorrowMut(t, c, "after a RefMut was released twice and the only Ref once")
		m.Release()

		// Idempotent even with other borrows in between: releasing an old borrow again must not
		// end the borrow taken after it.
		a = mustBorrow(t, c, "with no borrow live")
		a.Release()
		b = mustBorrow(t, c, "after the only Ref was released")
		a.Release()
		_, err = c.BorrowMut()
		require.Error(t, err, "a.Release(); b := Borrow(); a.Release() again; BorrowMut() returned no error, want ErrAlreadyBorrowed: b is live")
		assert.ErrorIs(t, err, cell.ErrAlreadyBorrowed, "a.Release(); b := Borrow(); a.Release() again; BorrowMut()")
		b.Release()

		a = mustBorrow(t, c, "with no borrow live")
		a.Release()
		m = mustBorrowMut(t, c, "after the only Ref was released")
		a.Release()
		_, err = c.Borrow()
		require.Error(t, err, "a.Release(); m := BorrowMut(); a.Release() again; Borrow() returned no error, want ErrAlreadyMutablyBorrowed: m is live")
		assert.ErrorIs(t, err, cell.ErrAlreadyMutablyBorrowed, "a.Release(); m := BorrowMut(); a.Release() again; Borrow()")
		m.Release()

		m = mustBorrowMut(t, c, "with no borrow live")
		m.Release()
		r = mustBorrow(t, c, "after the RefMut was released")
		m.Release()
		_, err = c.BorrowMut()
		require.Error(t, err, "m.Release(); r := Borrow(); m.Release() again; BorrowMut() returned no error, want ErrAlreadyBorrowed: r is live")
		assert.ErrorIs(t, err, cell.ErrAlreadyBorrowed, "m.Release(); r := Borrow(); m.Release() again; BorrowMut()")
		r.Release()

		m = mustBorrowMut(t, c, "with no borrow live")
		m.Release()
		m2 := mustBorrowMut(t, c, "after the RefMut was released")
		m.Release()
		_, err = c.Borrow()
		require.Error(t, err, "m.Release(); m2 := BorrowMut(); m.Release() again; Borrow() returned no error, want ErrAlreadyMutablyBorrowed: m2 is live")
		assert.ErrorIs(t, err, cell.ErrAlreadyMutablyBorrowed, "m.Release(); m2 := BorrowMut(); m.Release() again; Borrow()")
		m2.Release()
	})
}

func TestRefCell_ReleasedBorrowPanicsOnUse(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := newRefCell(t, 5)
		r := mustBorrow(t, c, "on a fresh RefCell")
		r.Release()
		assert.Panics(t, func() { r.Value() }, "Ref.Value() after Release() should panic")

		m := mustBorrowMut(t, c, "after the only Ref was released")
		m.Release()
		assert.Panics(t, func() { m.Value() }, "RefMut.Value() after Release() should panic")

		// A released borrow stays released, whatever borrows the cell has now.
		a := mustBorrow(t, c, "with no borrow live")
		b := mustBorrow(t, c, "while one Ref is live")
		a.Release()
		assert.Panics(t, func() { a.Value() }, "a.Release(), then a.Value() while another Ref b is live: should panic, a is released")
		assert.Equal(t, 5, b.Value(), "b.Value() after a.Release()")
		b.Release()

		m = mustBorrowMut(t, c, "with no borrow live")
		m.Release()
		m2 := mustBorrowMut(t, c, "after the RefMut was released")
		assert.Panics(t, func() { m.Value() }, "m.Release(), m2 := BorrowMut(), then m.Value(): should panic, m is released (m2 is another borrow)")
		m2.Release()
	})
}

// Task 3: the panicking forms.

func TestRefCell_MustBorrowPanicsWithTheSentinel(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := newRefCell(t, "hello")
		gr := c.MustBorrowMut() // the seed's `let mut gr = greeting.borrow_mut();`
		require.NotNil(t, gr, "MustBorrowMut() on a fresh RefCell returned nil")

		assertPanicsWith(t, cell.ErrAlreadyMutablyBorrowed, "ErrAlreadyMutablyBorrowed", func() { c.MustBorrow() }, "MustBorrow() while a RefMut is live")
		assertPanicsWith(t, cell.ErrAlreadyBorrowed, "ErrAlreadyBorrowed", func() { c.MustBorrowMut() }, "MustBorrowMut() while a RefMut is live")
		gr.Release()

		r := c.MustBorrow()
		require.NotNil(t, r, "MustBorrow() with no borrow live returned nil")
		assert.Equal(t, "hello", r.Value())
		// MustBorrow's Ref is a borrow like Borrow's: it keeps BorrowMut out.
		_, err := c.BorrowMut()
		require.Error(t, err, "BorrowMut() while a Ref from MustBorrow() is live returned no error")
		assert.ErrorIs(t, err, cell.ErrAlreadyBorrowed, "BorrowMut() while a Ref from MustBorrow() is live")
		assertPanicsWith(t, cell.ErrAlreadyBorrowed, "ErrAlreadyBorrowed", func() { c.MustBorrowMut() }, "MustBorrowMut() while a Ref is live")
		r.Release()

		m := c.MustBorrowMut()
		require.NotNil(t, m, "MustBorrowMut() once every borrow is released returned nil")
		m.Release()
	})
}

// Helpers.

// newCell calls cell.NewCell(v) and stops the test when it returns nil.
func newCell[T any](t *testing.T, v T) *cell.Cell[T] {
	t.Helper()
	c := cell.NewCell(v)
	require.NotNil(t, c, "NewCell(%#v) returned nil, want a *Cell holding the value (task 1: NewCell in cell.go)", v)
	return c
}

// newRefCell calls cell.NewRefCell(v) and stops the test when it returns nil.
func newRefCell[T any](t *testing.T, v T) *cell.RefCell[T] {
	t.Helper()
	c := cell.NewRefCell(v)
	require.NotNil(t, c, "NewRefCell returned nil, want a *RefCell holding the value (task 2: NewRefCell in cell.go)")
	return c
}

// mustBorrow borrows c, failing t at once if it cannot; when says what else is going on.
func mustBorrow[T any](t *testing.T, c *cell.RefCell[T], when string) *cell.Ref[T] {
	t.Helper()
	r, err := c.Borrow()
	require.NoError(t, err, "Borrow() %s", when)
	require.NotNil(t, r, "Borrow() %s returned a nil *Ref with no error", when)
	return r
}

// mustBorrowMut borrows c mutably, failing t at once if it cannot; when says what else is going on.
func mustBorrowMut[T any](t *testing.T, c *cell.RefCell[T], when string) *cell.RefMut[T] {
	t.Helper()
	m, err := c.BorrowMut()
	require.NoError(t, err, "BorrowMut() %s", when)
	require.NotNil(t, m, "BorrowMut() %s returned a nil *RefMut with no error", when)
	return m
}

// assertPanicsWith checks that f panics with the error value want itself (named wantName): not
// a string, not a copy, not a wrapped error. call says what f does.
func assertPanicsWith(t *testing.T, want error, wantName string, f func(), call string) {
	t.Helper()
	v, panicked := harness.Recover(f)
	if !assert.True(t, panicked, "%s returned, want a panic with %s", call, wantName) {
		return
	}
	err, isError := v.(error)
	if !assert.True(t, isError, "%s panicked with %q (%T), want the error %s itself", call, fmt.Sprint(v), v, wantName) {
		return
	}
	assert.ErrorIs(t, err, want, "%s panicked with %q, want %s", call, err, wantName)
	assert.True(t, want != nil && err == want, "%s panicked with %q (%T), want the value %s itself (panic(err) with the error Borrow returns), not a copy or a wrapped error", call, err, err, wantName)
}
