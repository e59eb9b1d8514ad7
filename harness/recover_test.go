package harness_test

import (
	"errors"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kata-go/concurrency/harness"
)

func TestRecover_ReturnsThePanicValueItself(t *testing.T) {
	want := errors.New("the value itself")
	v, panicked := harness.Recover(func() { panic(want) })
	assert.True(t, panicked, "Recover(a func that panics): panicked")
	assert.Same(t, want, v, "Recover(a func that panics): the value, not a copy")
}

func TestRecover_NoPanic(t *testing.T) {
	calls := 0
	v, panicked := harness.Recover(func() { calls++ })
	assert.False(t, panicked, "Recover(a func that returns): panicked")
	assert.Nil(t, v, "Recover(a func that returns): value")
	assert.Equal(t, 1, calls, "calls of f")
}

func TestRecover_PanicNilIsAPanic(t *testing.T) {
	v, panicked := harness.Recover(func() { panic(nil) })
	assert.True(t, panicked, "Recover(func() { panic(nil) }): panicked")
	var pe *runtime.PanicNilError
	assert.ErrorAs(t, v.(error), &pe, "Recover(func() { panic(nil) }): value")
}
