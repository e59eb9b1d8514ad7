// Alternate of 04_move: Greetings gives every goroutine its own result channel and reads them in
// input order; Totals keeps the grand total in an atomic.Int64; Audit copies cfg with maps.Copy
// before the go statement and its wait waits for a context that the goroutine cancels.

// Package move is exercise 04: threads don't borrow, the Go way.
package move

import (
	"context"
	"maps"
	"sync"
	"sync/atomic"
)

// Greetings returns "hello <name>" for each name, in input order, one goroutine per name.
func Greetings(names []string) []string {
	results := make([]chan string, len(names))
	for i := range names {
		results[i] = make(chan string, 1)
		name := names[i] // this goroutine's own copy
		out := results[i]
		go func() { out <- "hello " + name }()
	}
	greetings := make([]string, 0, len(names))
	for _, ch := range results {
		greetings = append(greetings, <-ch) // every goroutine has sent, so has finished its work
	}
	return greetings
}

// Totals returns the sum of each part, in the order of parts, and the sum of them all.
func Totals(parts [][]int) (sums []int, total int) {
	sums = make([]int, len(parts))
	var grand atomic.Int64
	var wg sync.WaitGroup
	wg.Add(len(parts))
	for i := range parts {
		slot := &sums[i] // only this goroutine writes here
		part := parts[i]
		go func() {
			defer wg.Done()
			s := 0
			for _, v := range part {
				s += v
			}
			*slot = s
			grand.Add(int64(s))
		}()
	}
	wg.Wait()
	return sums, int(grand.Load())
}

// Audit calls report once, from a new goroutine, with cfg as it was when Audit was called.
func Audit(cfg map[string]string, report func(map[string]string)) (wait func()) {
	own := make(map[string]string, len(cfg))
	maps.Copy(own, cfg)
	ctx, finished := context.WithCancel(context.Background())
	go func() {
		defer finished()
		report(own)
	}()
	return func() { <-ctx.Done() }
}
