// Mutant of 09_pipeline: Ordered reorders Map's results in a map, taking inputs without bound while an early one is slow.

// Package pipeline is exercise 09: higher-level parallel operations.
//
// Rust's pipeliner crate turns an iterator into a parallel one in a single line,
// `(0..10).with_threads(4).map(f)`, and the seed uses it to run many shell commands at once.
// Here you build the same thing on Go's range-over-func iterators: Map (results as they come),
// Ordered (results in input order, with bounded look-ahead) and Shell (one command, cancellable).
package pipeline

import (
	"context"
	"fmt"
	"iter"
	"os/exec"
	"strings"
	"sync"
	"time"
	"unicode"
)

// outcome is what one call of f produced: its result, or the value it panicked with.
type outcome[U any] struct {
	v        U
	panicked bool
	p        any
}

// call runs f(v), turning a panic into an outcome so that it can travel to the ranging goroutine.
func call[T, U any](f func(T) U, v T) (o outcome[U]) {
	defer func() {
		if o.panicked {
			o.p = recover()
		}
	}()
	o.panicked = true
	o.v = f(v)
	o.panicked = false
	return o
}

func checkWorkers(workers int) {
	if workers < 1 {
		panic(fmt.Sprintf("pipeline: workers must be >= 1, got %d", workers))
	}
}

// Map returns a sequence of f applied to every value of in, computed by exactly workers
// goroutines: at most workers calls of f run at once, and there are that many whenever enough
// inputs are waiting. Results come in completion order: whichever call of f returns first is
// yielded first. Nothing runs until the sequence is ranged over: Map itself only checks its
// arguments.
//
// Stopping the range early (break, return) and cancelling ctx both stop the workers and stop
// reading in; when the range loop ends, every goroutine Map started has finished. After ctx is
// cancelled the sequence ends soon (it may still yield results already computed).
//
// A panic in f stops the workers and is re-raised, with the same value, in the goroutine that
// ranges over the sequence.
//
// Map panics with "pipeline: workers must be >= 1, got N" when workers < 1 (at the call or when
// the range starts).
func Map[T, U any](ctx context.Context, in iter.Seq[T], workers int, f func(T) U) iter.Seq[U] {
	checkWorkers(workers)
	return func(yield func(U) bool) {
		ctx, cancel := context.WithCancel(ctx)
		jobs := make(chan T)
		results := make(chan outcome[U])
		var wg sync.WaitGroup
		wg.Go(func() { // the feeder: the only goroutine that reads in
			defer close(jobs)
			for v := range in {
				select {
				case jobs <- v:
				case <-ctx.Done():
					return
				}
			}
		})
		for range workers {
			wg.Go(func() {
				for v := range jobs {
					select {
					case results <- call(f, v):
					case <-ctx.Done():
						return
					}
				}
			})
		}
		allDone := make(chan struct{})
		go func() {
			defer close(allDone)
			wg.Wait()
			close(results)
		}()
		// Whatever ends the loop (the end of in, a break, ctx, a panic), stop and join everything.
		defer func() {
			cancel()
			<-allDone
		}()

		for o := range results {
			if o.panicked {
				panic(o.p) // the deferred clean-up stops and joins the workers first
			}
			if ctx.Err() != nil || !yield(o.v) {
				return
			}
		}
	}
}

// Ordered is Map with results in input order: the result of the first input of in is yielded
// first, whichever call of f finishes first. It never holds more than 2*workers inputs taken
// from in but not yet yielded, however slow the range loop's body is (an input is taken when in
// hands it over, and yielded when the loop's body receives its result). Everything else is as
// for Map: exactly workers goroutines call f; stopping early or cancelling ctx leaves no
// goroutine behind; a panic in f is re-raised in the ranging goroutine (at once, or when that
// input's turn comes: either is fine); workers < 1 panics the same way.
func Ordered[T, U any](ctx context.Context, in iter.Seq[T], workers int, f func(T) U) iter.Seq[U] {
	checkWorkers(workers)
	return func(yield func(U) bool) {
		type indexed struct {
			i int
			v T
		}
		type done struct {
			i int
			u U
		}
		numbered := func(yield func(indexed) bool) {
			i := 0
			for v := range in {
				if !yield(indexed{i, v}) {
					return
				}
				i++
			}
		}
		early := map[int]U{} // results that finished before their turn
		nextIndex := 0
		for d := range Map(ctx, numbered, workers, func(x indexed) done { return done{x.i, f(x.v)} }) {
			early[d.i] = d.u
			for {
				u, ok := early[nextIndex]
				if !ok {
					break
				}
				delete(early, nextIndex)
				nextIndex++
				if !yield(u) {
					return
				}
			}
		}
	}
}

// waitDelay is how long Shell waits, after the shell has been killed or has exited, for the
// output to be read to its end. Then it closes the pipe, even if a child the shell started still
// holds it open. Too short, and a busy machine can cut the output of a command that has exited.
const waitDelay = time.Second

// Shell runs cmd with "/bin/sh -c cmd" and returns what it wrote to standard output and
// standard error, merged in the order it wrote them, with trailing white space trimmed (leading
// white space is kept). ok is true exactly when the command exited with status 0.
//
// Cancelling ctx kills the shell, and Shell returns promptly with ok false, even when the
// command started a child that still holds the output open (a "sleep 30 &", say).
func Shell(ctx context.Context, cmd string) (out string, ok bool) {
	c := exec.CommandContext(ctx, "/bin/sh", "-c", cmd)
	var buf strings.Builder
	c.Stdout = &buf // the same writer for both: one pipe, so the order of writes is kept
	c.Stderr = &buf
	c.WaitDelay = waitDelay // without it, a child still holding the pipe keeps Wait waiting
	_ = c.Run()             // the error says nothing that ProcessState does not
	ok = c.ProcessState != nil && c.ProcessState.Success() && ctx.Err() == nil
	return strings.TrimRightFunc(buf.String(), unicode.IsSpace), ok
}
