// Alternate of 09_pipeline: no feeder goroutine in Map: the ranging goroutine ranges over in
// and, in one select, hands out inputs and yields results; Ordered keeps finished results in a
// map under a mutex and waits on a sync.Cond (woken by context.AfterFunc on cancel); Shell is
// CombinedOutput with WaitDelay, ok from the exit code.

package pipeline

import (
	"context"
	"fmt"
	"iter"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// done is one finished call of f: its value, or what it panicked with.
type done[U any] struct {
	v       U
	failed  bool
	failure any
}

func apply[T, U any](f func(T) U, x T) (d done[U]) {
	defer func() {
		if d.failed {
			d.failure = recover()
		}
	}()
	d.failed = true
	d.v = f(x)
	d.failed = false
	return d
}

func mustHaveWorkers(workers int) {
	if workers < 1 {
		panic(fmt.Sprintf("pipeline: workers must be >= 1, got %d", workers))
	}
}

// Map returns a sequence of f applied to every value of in, computed by exactly workers
// goroutines, in completion order.
func Map[T, U any](ctx context.Context, in iter.Seq[T], workers int, f func(T) U) iter.Seq[U] {
	mustHaveWorkers(workers)
	return func(yield func(U) bool) {
		ctx, cancel := context.WithCancel(ctx)
		jobs := make(chan T)
		results := make(chan done[U])
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for x := range jobs {
					d := apply(f, x)
					select {
					case results <- d:
					case <-ctx.Done():
						return
					}
				}
			}()
		}
		jobsClosed := false
		defer func() {
			cancel()
			if !jobsClosed {
				close(jobs)
			}
			wg.Wait()
		}()

		running := 0 // inputs handed out whose result has not come back
		// deliver yields one result; false means stop.
		deliver := func(d done[U]) bool {
			running--
			if d.failed {
				panic(d.failure) // the deferred function stops and joins the workers first
			}
			return ctx.Err() == nil && yield(d.v)
		}
		stopped := false
		for x := range in {
			handed := false
			for !handed && !stopped {
				select {
				case jobs <- x:
					handed = true
					running++
				case d := <-results:
					stopped = !deliver(d)
				case <-ctx.Done():
					stopped = true
				}
			}
			if stopped {
				return // leaving the range over in stops it
			}
		}
		close(jobs)
		jobsClosed = true
		for running > 0 {
			select {
			case d := <-results:
				if !deliver(d) {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}
}

// Ordered is Map with results in input order and at most 2*workers inputs taken but not yet
// yielded.
func Ordered[T, U any](ctx context.Context, in iter.Seq[T], workers int, f func(T) U) iter.Seq[U] {
	mustHaveWorkers(workers)
	return func(yield func(U) bool) {
		ctx, cancel := context.WithCancel(ctx)
		limit := 2 * workers

		var mu sync.Mutex
		cond := sync.NewCond(&mu)
		taken, yielded := 0, 0 // guarded by mu
		finished := map[int]done[U]{}
		inEnded := false
		stopWaking := context.AfterFunc(ctx, func() {
			mu.Lock()
			defer mu.Unlock()
			cond.Broadcast()
		})

		type job struct {
			i int
			x T
		}
		jobs := make(chan job)
		var wg sync.WaitGroup
		// waitForRoom waits until fewer than limit inputs are taken and not yet yielded.
		waitForRoom := func() bool {
			mu.Lock()
			defer mu.Unlock()
			for taken-yielded >= limit && ctx.Err() == nil {
				cond.Wait()
			}
			return ctx.Err() == nil
		}
		wg.Add(1)
		go func() { // the feeder
			defer wg.Done()
			defer close(jobs)
			if !waitForRoom() {
				return
			}
			for x := range in {
				mu.Lock()
				i := taken
				taken++
				mu.Unlock()
				select {
				case jobs <- job{i, x}:
				case <-ctx.Done():
					return
				}
				if !waitForRoom() {
					return
				}
			}
			mu.Lock()
			inEnded = true
			cond.Broadcast()
			mu.Unlock()
		}()
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range jobs {
					d := apply(f, j.x)
					mu.Lock()
					finished[j.i] = d
					cond.Broadcast()
					mu.Unlock()
				}
			}()
		}
		defer func() {
			cancel()
			wg.Wait()
			stopWaking()
		}()

		for next := 0; ; next++ {
			mu.Lock()
			var d done[U]
			for {
				if ctx.Err() != nil || (inEnded && next == taken) {
					mu.Unlock()
					return
				}
				var ok bool
				if d, ok = finished[next]; ok {
					delete(finished, next)
					yielded++
					cond.Broadcast() // room for the feeder
					break
				}
				cond.Wait()
			}
			mu.Unlock()
			if d.failed {
				panic(d.failure)
			}
			if !yield(d.v) {
				return
			}
		}
	}
}

// Shell runs cmd with "/bin/sh -c cmd", stderr merged into stdout, trailing white space trimmed;
// ok is true exactly when the command exited with status 0. Cancelling ctx kills the shell.
func Shell(ctx context.Context, cmd string) (out string, ok bool) {
	c := exec.CommandContext(ctx, "/bin/sh", "-c", cmd)
	c.WaitDelay = 1500 * time.Millisecond
	b, _ := c.CombinedOutput() // exec.ErrWaitDelay when a child kept the output open: not our verdict
	ok = ctx.Err() == nil && c.ProcessState != nil && c.ProcessState.ExitCode() == 0
	return strings.TrimRight(string(b), " \t\n\r\v\f"), ok
}
