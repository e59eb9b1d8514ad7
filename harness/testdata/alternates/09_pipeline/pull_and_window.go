// Alternate of 09_pipeline: no feeder goroutine: iter.Pull everywhere; Map's workers take
// inputs themselves under a mutex, Ordered's ranging goroutine keeps a window of 2*workers
// futures; Shell reads the shell's StdoutPipe itself (stderr on the same pipe) and stops reading
// when ctx is done, instead of exec's WaitDelay.

package pipeline

import (
	"context"
	"fmt"
	"io"
	"iter"
	"os/exec"
	"strings"
	"sync"
)

type result[U any] struct {
	v   U
	bad bool // f panicked with p
	p   any
}

func run[T, U any](f func(T) U, v T) (r result[U]) {
	r.bad = true
	defer func() {
		if r.bad {
			r.p = recover()
		}
	}()
	r.v = f(v)
	r.bad = false
	return r
}

// Map returns a sequence of f applied to every value of in, computed by exactly workers
// goroutines, in completion order.
func Map[T, U any](ctx context.Context, in iter.Seq[T], workers int, f func(T) U) iter.Seq[U] {
	if workers < 1 {
		panic(fmt.Sprintf("pipeline: workers must be >= 1, got %d", workers))
	}
	return func(yield func(U) bool) {
		next, stop := iter.Pull(in)
		var mu sync.Mutex // guards next: iter.Pull's functions are not for concurrent use
		stopped := make(chan struct{})
		results := make(chan result[U])
		var wg sync.WaitGroup
		wg.Add(workers)
		for range workers {
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stopped:
						return
					case <-ctx.Done():
						return
					default:
					}
					mu.Lock()
					v, ok := next()
					mu.Unlock()
					if !ok {
						return
					}
					select {
					case results <- run(f, v):
					case <-stopped:
						return
					case <-ctx.Done():
						return
					}
				}
			}()
		}
		var closer sync.WaitGroup
		closer.Add(1)
		go func() {
			defer closer.Done()
			wg.Wait()
			close(results)
		}()
		defer func() {
			close(stopped)
			closer.Wait()
			stop()
		}()
		for r := range results {
			if r.bad {
				panic(r.p) // the deferred clean-up runs first
			}
			if ctx.Err() != nil || !yield(r.v) {
				return
			}
		}
	}
}

// Ordered is Map with results in input order and at most 2*workers inputs taken but not yet
// yielded.
func Ordered[T, U any](ctx context.Context, in iter.Seq[T], workers int, f func(T) U) iter.Seq[U] {
	if workers < 1 {
		panic(fmt.Sprintf("pipeline: workers must be >= 1, got %d", workers))
	}
	type job struct {
		v   T
		res chan result[U]
	}
	return func(yield func(U) bool) {
		next, stop := iter.Pull(in)
		defer stop()
		window := 2 * workers
		jobs := make(chan job, window) // never full: at most window jobs are pending
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range jobs {
					j.res <- run(f, j.v)
				}
			}()
		}
		defer wg.Wait()
		defer close(jobs) // runs before wg.Wait: workers finish their job and leave

		var pending []chan result[U]
		more := true
		for {
			for more && len(pending) < window && ctx.Err() == nil {
				var v T
				if v, more = next(); more {
					res := make(chan result[U], 1)
					jobs <- job{v, res}
					pending = append(pending, res)
				}
			}
			if len(pending) == 0 {
				return
			}
			var r result[U]
			select {
			case r = <-pending[0]:
			case <-ctx.Done():
				return
			}
			pending = pending[1:]
			if r.bad {
				panic(r.p)
			}
			if ctx.Err() != nil || !yield(r.v) {
				return
			}
		}
	}
}

// Shell runs cmd with "/bin/sh -c cmd", stderr merged into stdout, trailing white space trimmed;
// ok is true exactly when the command exited with status 0. Cancelling ctx kills the shell.
func Shell(ctx context.Context, cmd string) (out string, ok bool) {
	c := exec.CommandContext(ctx, "/bin/sh", "-c", cmd)
	r, err := c.StdoutPipe()
	if err != nil {
		return "", false
	}
	c.Stderr = c.Stdout // StdoutPipe made Stdout the pipe's *os.File: the shell gets it for both
	if err := c.Start(); err != nil {
		return "", false
	}
	var b strings.Builder
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(&b, r)
	}()
	select {
	case <-copied: // everything that held the pipe has closed it
	case <-ctx.Done(): // killed: a child of the shell may hold the pipe for a long time
		r.Close()
		<-copied
	}
	err = c.Wait() // only now: Wait closes the pipe's read end
	return strings.TrimRight(b.String(), " \t\r\n\v\f"), err == nil && ctx.Err() == nil
}
