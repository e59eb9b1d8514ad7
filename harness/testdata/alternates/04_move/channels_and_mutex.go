// Alternate of 04_move: goroutines take their data as arguments and send indexed results on a
// channel, the total is shared under a mutex, and Audit copies by hand and waits on a WaitGroup.

// Package move is exercise 04: threads don't borrow, the Go way.
package move

import (
	"fmt"
	"sync"
)

// Greetings returns "hello <name>" for each name, in input order ("hello dolly" for "dolly").
// Each greeting is made by a goroutine of its own, one goroutine per name, and every goroutine
// has finished when Greetings returns.
func Greetings(names []string) []string {
	type greeting struct {
		i int
		s string
	}
	ch := make(chan greeting, len(names))
	for i := 0; i < len(names); i++ {
		go func(i int, name string) { // the goroutine's own copies: Go's `move`
			ch <- greeting{i, fmt.Sprintf("hello %s", name)}
		}(i, names[i])
	}
	out := make([]string, len(names))
	for range names {
		g := <-ch
		out[g.i] = g.s
	}
	return out
}

// Totals returns the sum of each part, in the order of parts, and the sum of them all.
// Each part is summed by a goroutine of its own, one goroutine per part, and every goroutine
// has finished when Totals returns. An empty part sums to 0.
func Totals(parts [][]int) (sums []int, total int) {
	sums = make([]int, len(parts))
	var mu sync.Mutex
	var wg sync.WaitGroup
	wg.Add(len(parts))
	for i := range parts {
		go func(i int, part []int) {
			defer wg.Done()
			s := 0
			for _, v := range part {
				s += v
			}
			mu.Lock()
			sums[i] = s
			total += s
			mu.Unlock()
		}(i, parts[i])
	}
	wg.Wait()
	return sums, total
}

// Audit calls report once, from a new goroutine, with the contents of cfg as they were when
// Audit was called. The caller may change cfg (set, add and delete keys) as soon as Audit
// returns, while report is still to run: report never sees those changes, and nothing Audit
// starts touches cfg after Audit has returned. Audit does not wait for report: the wait
// function it returns blocks until report has returned.
func Audit(cfg map[string]string, report func(map[string]string)) (wait func()) {
	own := make(map[string]string, len(cfg))
	for k, v := range cfg {
		own[k] = v
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func(m map[string]string) {
		defer wg.Done()
		report(m)
	}(own)
	return wg.Wait
}
