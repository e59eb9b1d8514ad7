// Package move is exercise 04: threads don't borrow, the Go way.
//
// Rust will not let a thread borrow a variable of the function that spawned it (error E0373)
// and asks for a `move` closure: the thread takes its own data. A Go closure captures variables
// by reference, so a goroutine may share a variable with the code that started it, and nothing
// stops you at compile time. The race detector (go test -race) is the check that fires, at run
// time.
//
// The reference solution gives each goroutine its own data: its own index and name, its own
// slot of the result, and its own copy of the map.
package move

import (
	"maps"
	"sync"
)

// Greetings returns "hello <name>" for each name, in input order ("hello dolly" for "dolly").
// Each greeting is made by a goroutine of its own, one goroutine per name, and every goroutine
// has finished when Greetings returns. The greetings come in a new slice: names is left as it was.
func Greetings(names []string) []string {
	greetings := make([]string, len(names))
	var wg sync.WaitGroup
	for i, name := range names { // i and name are new variables in every iteration
		wg.Go(func() {
			greetings[i] = "hello " + name // each goroutine writes only its own slot
		})
	}
	wg.Wait()
	return greetings
}

// Totals returns the sum of each part, in the order of parts, and the sum of them all.
// Each part is summed by a goroutine of its own, one goroutine per part, and every goroutine
// has finished when Totals returns. An empty part sums to 0.
func Totals(parts [][]int) (sums []int, total int) {
	sums = make([]int, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		wg.Go(func() {
			sum := 0
			for _, v := range part {
				sum += v
			}
			sums[i] = sum
		})
	}
	wg.Wait() // every goroutine's write to sums happens before this returns
	for _, s := range sums {
		total += s
	}
	return sums, total
}

// Audit calls report once, from a new goroutine, with the contents of cfg as they were when
// Audit was called. The caller may change cfg (set, add and delete keys) as soon as Audit
// returns, while report is still to run: report never sees those changes, and nothing Audit
// starts touches cfg after Audit has returned. Audit does not wait for report: the wait
// function it returns blocks until report has returned. wait may be called any number of
// times, from several goroutines at once: every call returns once report has returned.
func Audit(cfg map[string]string, report func(map[string]string)) (wait func()) {
	snapshot := maps.Clone(cfg) // taken now, on the caller's goroutine: the goroutine's own data
	done := make(chan struct{})
	go func() {
		defer close(done)
		report(snapshot)
	}()
	return func() { <-done }
}
