// Alternate of 03_spawn: Join waits on a sync.WaitGroup and reads a result published through an
// atomic.Pointer; Done makes its channel once (sync.Once) and a goroutine closes it after the
// WaitGroup; Goexit is the outcome assumed until f returns or panics; JoinAll joins every handle
// in a goroutine of its own and collects the failures under a mutex, then in handle order.

// Package spawn is exercise 03: starting goroutines and joining them, the way Rust joins threads.
package spawn

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// ErrGoexit is what Join returns when f called runtime.Goexit instead of returning.
var ErrGoexit = errors.New("spawn: goroutine called runtime.Goexit")

// PanicError is what Join returns when f panicked.
type PanicError struct {
	// Value is what f panicked with: the value recover returned.
	Value any
	// Stack is the panicking goroutine's stack, taken where the panic was recovered.
	Stack []byte
}

// Error returns "goroutine panicked: " followed by the panic's value formatted with %v.
func (e *PanicError) Error() string {
	return "goroutine panicked: " + fmt.Sprintf("%v", e.Value)
}

type outcome[T any] struct {
	value T
	err   error
}

// JoinHandle is the handle onto one goroutine started by Spawn, and onto its result.
type JoinHandle[T any] struct {
	finished sync.WaitGroup
	result   atomic.Pointer[outcome[T]]
	doneOnce sync.Once
	done     chan struct{}
}

// Spawn runs f in a new goroutine and returns at once with its handle.
func Spawn[T any](f func() T) *JoinHandle[T] {
	if f == nil {
		panic("spawn: f must not be nil")
	}
	h := &JoinHandle[T]{}
	h.finished.Add(1)
	go func() {
		o := &outcome[T]{err: ErrGoexit} // what stays when f calls runtime.Goexit
		defer h.finished.Done()
		defer func() { h.result.Store(o) }()
		defer func() {
			if r := recover(); r != nil {
				o.err = &PanicError{Value: r, Stack: debug.Stack()}
			}
		}()
		v := f()
		o.value, o.err = v, nil
	}()
	return h
}

// Join blocks until f has finished and returns its result.
func (h *JoinHandle[T]) Join() (T, error) {
	h.finished.Wait()
	o := h.result.Load()
	return o.value, o.err
}

// Done returns a channel that is closed once f has finished.
func (h *JoinHandle[T]) Done() <-chan struct{} {
	h.doneOnce.Do(func() {
		h.done = make(chan struct{})
		go func() {
			h.finished.Wait()
			close(h.done)
		}()
	})
	return h.done
}

// JoinAll joins every handle in hs and returns their values in order and every failure joined.
func JoinAll[T any](hs []*JoinHandle[T]) ([]T, error) {
	values := make([]T, len(hs))
	failures := map[int]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, h := range hs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := h.Join()
			values[i] = v
			if err != nil {
				mu.Lock()
				failures[i] = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	var errs []error
	for i := range hs {
		if err, ok := failures[i]; ok {
			errs = append(errs, err)
		}
	}
	return values, errors.Join(errs...)
}
