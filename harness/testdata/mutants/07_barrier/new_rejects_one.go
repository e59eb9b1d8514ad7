// Mutant of 07_barrier: New panics for n = 1 too ("a barrier of one makes no sense"), so n = 1 is refused.

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
	n int

	mu      sync.Mutex
	arrived int           // goroutines waiting in the current generation
	release chan struct{} // closed when the current generation completes; then replaced
}

// New returns a barrier for groups of n goroutines. It panics with
// "barrier: n must be >= 1, got 0" (with the value of n) when n < 1.
func New(n int) *Barrier {
	if n < 2 {
		panic(fmt.Sprintf("barrier: n must be >= 1, got %d", n))
	}
	return &Barrier{n: n, release: make(chan struct{})}
}

// Wait blocks until n goroutines, counting this one, are waiting in the current generation;
// then all n return together and a new generation begins. Exactly one of the n gets true, the
// leader; which one is not specified. A goroutine that arrives after a generation is complete
// belongs to the next one and waits for n more. With n = 1, Wait never blocks and always
// returns true.
func (b *Barrier) Wait() (leader bool) {
	leader, _ = b.WaitContext(context.Background()) // Background is never done: err is nil
	return leader
}

// WaitContext is Wait that also gives up when ctx is done first: then it returns false and
// ctx.Err(), and withdraws from the generation, which still needs n other goroutines to
// arrive, just as if this one had never come. When the generation completes first, it returns
// (leader, nil) like Wait. When both happen at about the same moment, either outcome is
// allowed, but never both: a goroutine that got an error was not counted.
func (b *Barrier) WaitContext(ctx context.Context) (leader bool, err error) {
	b.mu.Lock()
	b.arrived++
	if b.arrived == b.n { // the last one in: release this generation, start the next
		close(b.release)
		b.release = make(chan struct{})
		b.arrived = 0
		b.mu.Unlock()
		return true, nil
	}
	release := b.release // this generation's channel, taken under the lock
	b.mu.Unlock()

	select {
	case <-release:
		return false, nil
	case <-ctx.Done():
		b.mu.Lock()
		defer b.mu.Unlock()
		select {
		case <-release: // completed before we got the lock: we were counted
			return false, nil
		default: // still our generation (it can only complete under the lock): withdraw
			b.arrived--
			return false, ctx.Err()
		}
	}
}
