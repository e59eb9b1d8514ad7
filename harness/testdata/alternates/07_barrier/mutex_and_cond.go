// Alternate of 07_barrier: a sync.Mutex, a sync.Cond and a generation number instead of a channel
// per generation; WaitContext wakes the waiters with context.AfterFunc.

// Package barrier is exercise 07: Rust's std::sync::Barrier, the Go way.
//
// A barrier is a checkpoint for a group of n goroutines: each one that reaches it waits until
// all n have reached it, then all of them go on together. Exactly one of each group is told it
// is the leader (Rust's BarrierWaitResult::is_leader), so that one of them can do the work
// that follows once, say print "all done". Then the barrier is ready for the next group: it is
// a join that can be used again and again.
package barrier

import (
	"context"
	"fmt"
	"sync"
)

// Barrier lets n goroutines wait for each other, over and over: each group of n calls of Wait
// (or WaitContext) is one generation. The zero value is not usable: call New. A Barrier is
// safe for concurrent use by any number of goroutines.
type Barrier struct {
	n       int
	mu      sync.Mutex
	changed *sync.Cond // broadcast when a generation completes or a context is done
	arrived int        // goroutines waiting in the current generation
	gen     uint64     // which generation is current
}

// New returns a barrier for groups of n goroutines. It panics with
// "barrier: n must be >= 1, got 0" (with the value of n) when n < 1.
func New(n int) *Barrier {
	if n < 1 {
		panic(fmt.Sprintf("barrier: n must be >= 1, got %d", n))
	}
	b := &Barrier{n: n}
	b.changed = sync.NewCond(&b.mu)
	return b
}

// Wait blocks until n goroutines, counting this one, are waiting in the current generation;
// then all n return together and a new generation begins. Exactly one of the n gets true, the
// leader; which one is not specified. A goroutine that arrives after a generation is complete
// belongs to the next one and waits for n more. With n = 1, Wait never blocks and always
// returns true.
func (b *Barrier) Wait() (leader bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.arrive() {
		return true
	}
	for gen := b.gen; gen == b.gen; {
		b.changed.Wait()
	}
	return false
}

// arrive counts the caller into the current generation, with b.mu held. When the caller is
// the last one, it completes the generation, wakes the others and returns true.
func (b *Barrier) arrive() (last bool) {
	b.arrived++
	if b.arrived < b.n {
		return false
	}
	b.arrived = 0
	b.gen++
	b.changed.Broadcast()
	return true
}

// WaitContext is Wait that also gives up when ctx is done first: then it returns false and
// ctx.Err(), and withdraws from the generation, which still needs n other goroutines to
// arrive, just as if this one had never come. When the generation completes first, it returns
// (leader, nil) like Wait. When both happen at about the same moment, either outcome is
// allowed, but never both: a goroutine that got an error was not counted.
func (b *Barrier) WaitContext(ctx context.Context) (leader bool, err error) {
	// A sync.Cond cannot wait for a channel: wake every waiter when ctx is done, and let each
	// one check its own context. Taking the lock before Broadcast means the wake-up cannot
	// fall between a waiter's check of ctx.Err and its call of Wait.
	stop := context.AfterFunc(ctx, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.changed.Broadcast()
	})
	defer stop()

	b.mu.Lock()
	defer b.mu.Unlock()
	if b.arrive() {
		return true, nil
	}
	gen := b.gen
	for gen == b.gen && ctx.Err() == nil {
		b.changed.Wait()
	}
	if gen != b.gen { // the generation completed, with us counted
		return false, nil
	}
	b.arrived-- // withdraw from the generation, still the current one
	return false, ctx.Err()
}
