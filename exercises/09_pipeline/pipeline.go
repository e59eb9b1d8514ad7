// Package pipeline is exercise 09: higher-level parallel operations.
//
// Rust's pipeliner crate turns an iterator into a parallel one in a single line,
// `(0..10).with_threads(4).map(f)`, and the seed uses it to run many shell commands at once.
// Here you build the same thing on Go's range-over-func iterators: Map (results as they come),
// Ordered (results in input order, with bounded look-ahead) and Shell (one command, cancellable).
package pipeline

import (
	"context"
	"iter"
)

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
	// TODO: implement.
	return func(yield func(U) bool) {}
}

// Ordered is Map with results in input order: the result of the first input of in is yielded
// first, whichever call of f finishes first. It never holds more than 2*workers inputs taken
// from in but not yet yielded, however slow the range loop's body is (an input is taken when in
// hands it over, and yielded when the loop's body receives its result). Everything else is as
// for Map: exactly workers goroutines call f; stopping early or cancelling ctx leaves no
// goroutine behind; a panic in f is re-raised in the ranging goroutine (at once, or when that
// input's turn comes: either is fine); workers < 1 panics the same way.
func Ordered[T, U any](ctx context.Context, in iter.Seq[T], workers int, f func(T) U) iter.Seq[U] {
	// TODO: implement.
	return func(yield func(U) bool) {}
}

// Shell runs cmd with "/bin/sh -c cmd" and returns what it wrote to standard output and
// standard error, merged in the order it wrote them, with trailing white space trimmed (leading
// white space is kept). ok is true exactly when the command exited with status 0.
//
// Cancelling ctx kills the shell, and Shell returns promptly with ok false, even when the
// command started a child that still holds the output open (a "sleep 30 &", say).
func Shell(ctx context.Context, cmd string) (out string, ok bool) {
	// TODO: implement.
	return "", false
}
