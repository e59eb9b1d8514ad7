// Package spawn is exercise 03: starting goroutines and joining them, the way Rust joins threads.
//
// Rust's thread::spawn returns a JoinHandle, and join waits for the thread and hands back its
// result, or an Err when the thread panicked: a panic ends only that thread. A Go goroutine has
// no handle and no result, and a panic in it ends the whole program. Here you build the handle:
// Spawn runs f in a new goroutine and Join waits for it, turning a panic (or runtime.Goexit)
// inside f into an error instead of a crash.
package spawn

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// ErrGoexit is what Join returns when f called runtime.Goexit (t.FailNow does, for one) instead
// of returning.
var ErrGoexit = errors.New("spawn: goroutine called runtime.Goexit")

// PanicError is what Join returns when f panicked.
type PanicError struct {
	// Value is what f panicked with: the value recover returned.
	Value any
	// Stack is the panicking goroutine's stack, taken where the panic was recovered, so that it
	// shows the function that panicked (runtime/debug.Stack).
	Stack []byte
}

// Error returns "goroutine panicked: " followed by the panic's value formatted with %v.
func (e *PanicError) Error() string {
	return fmt.Sprintf("goroutine panicked: %v", e.Value)
}

// JoinHandle is the handle onto one goroutine started by Spawn, and onto its result.
type JoinHandle[T any] struct {
	done  chan struct{} // closed by the goroutine after it has set value and err
	value T
	err   error
}

// Spawn runs f in a new goroutine and returns at once with its handle. A nil f is a programmer
// error: Spawn panics with "spawn: f must not be nil".
func Spawn[T any](f func() T) *JoinHandle[T] {
	if f == nil {
		panic("spawn: f must not be nil")
	}
	h := &JoinHandle[T]{done: make(chan struct{})}
	go h.run(f)
	return h
}

// run calls f and records how it ended. The deferred function runs in all three cases: after f
// returned (returned is true), while f panics (recover returns the value), and while f's
// goroutine runs its deferred calls after runtime.Goexit (recover returns nil).
func (h *JoinHandle[T]) run(f func() T) {
	returned := false
	defer func() {
		if !returned {
			if r := recover(); r != nil {
				h.err = &PanicError{Value: r, Stack: debug.Stack()}
			} else {
				h.err = ErrGoexit
			}
		}
		close(h.done) // publishes value and err to every receiver
	}()
	h.value = f()
	returned = true
}

// Join blocks until f has finished and returns its result: f's value and a nil error when f
// returned; the zero value and a *PanicError when f panicked; the zero value and ErrGoexit when
// f called runtime.Goexit. Any number of goroutines may call Join, at the same time or later,
// and every call gets the same result.
func (h *JoinHandle[T]) Join() (T, error) {
	<-h.done
	return h.value, h.err
}

// Done returns a channel that is closed once f has returned, panicked or called runtime.Goexit,
// and not before: a select can wait for the goroutine alongside other events, and Join after
// Done is closed does not block. Like Join, Done may be called by any number of goroutines, at
// the same time or later.
func (h *JoinHandle[T]) Done() <-chan struct{} {
	return h.done
}

// JoinAll joins every handle in hs, in order, and always waits for all of them, even after one
// has failed. It returns one value per handle, in the order of hs (the zero value for a handle
// that failed), and the errors of every failed handle combined with errors.Join, so that
// errors.Is and errors.As find each of them; the error is nil when none failed.
func JoinAll[T any](hs []*JoinHandle[T]) ([]T, error) {
	values := make([]T, len(hs))
	var errs []error
	for i, h := range hs {
		v, err := h.Join()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		values[i] = v
	}
	return values, errors.Join(errs...)
}
