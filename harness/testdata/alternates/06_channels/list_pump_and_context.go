// Alternate of 06_channels: Gather closes its result channel after a WaitGroup and ranges over it,
// RecvTimeout waits on a context.WithTimeout, Unbounded's one goroutine keeps a container/list,
// and Dispatch starts from an empty, non-nil slice and returns from inside the loop.

// Package channels is exercise 06: Rust's mpsc channels, the Go way.
package channels

import (
	"container/list"
	"context"
	"errors"
	"strconv"
	"sync"
	"time"
)

// Gather calls f(0), ..., f(n-1), each in a goroutine of its own, and returns the results in the
// order they arrived.
func Gather[T any](n int, f func(i int) T) []T {
	if n < 0 {
		panic("channels: n must be >= 0, got " + strconv.Itoa(n))
	}
	if f == nil {
		panic("channels: f must not be nil")
	}
	ch := make(chan T, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ch <- f(i)
		}(i)
	}
	wg.Wait()
	close(ch)
	var got []T
	for v := range ch {
		got = append(got, v)
	}
	return got
}

// ErrTimeout is returned by RecvTimeout when no value arrived in time.
var ErrTimeout = errors.New("channels: nothing arrived in time")

// ErrDisconnected is returned by RecvTimeout when the channel is closed and empty.
var ErrDisconnected = errors.New("channels: the channel is closed")

// RecvTimeout receives one value from ch, waiting at most d for it.
func RecvTimeout[T any](ch <-chan T, d time.Duration) (T, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var zero T
	select {
	case v, open := <-ch:
		if open {
			return v, nil
		}
		return zero, ErrDisconnected
	case <-ctx.Done():
		return zero, ErrTimeout
	}
}

// TrySend sends v on ch only if that can happen right now.
func TrySend[T any](ch chan<- T, v T) (sent bool) {
	select {
	case ch <- v:
		sent = true
	default:
	}
	return sent
}

// Unbounded returns the two ends of a channel without a capacity limit.
func Unbounded[T any]() (in chan<- T, out <-chan T) {
	src, dst := make(chan T), make(chan T)
	go func() {
		defer close(dst)
		q := list.New()
		open := true
		for open || q.Len() > 0 {
			if q.Len() == 0 {
				v, ok := <-src
				if !ok {
					return
				}
				q.PushBack(v)
				continue
			}
			front := q.Front()
			if !open {
				dst <- front.Value.(T)
				q.Remove(front)
				continue
			}
			select {
			case v, ok := <-src:
				if ok {
					q.PushBack(v)
				} else {
					open = false
				}
			case dst <- front.Value.(T):
				q.Remove(front)
			}
		}
	}()
	return src, dst
}

// Message is one of Text, Ping or Quit.
type Message interface{ isMessage() }

// Text is a message with a body.
type Text struct {
	From int
	Body string
}

// Ping says "I am alive".
type Ping struct{ From int }

// Quit tells Dispatch to stop.
type Quit struct{}

func (Text) isMessage() {}
func (Ping) isMessage() {}
func (Quit) isMessage() {}

// Dispatch receives messages until a Quit or until in is closed.
func Dispatch(in <-chan Message) (texts []string, pings int) {
	texts = []string{}
	for {
		m, ok := <-in
		if !ok {
			return texts, pings
		}
		if _, quit := m.(Quit); quit {
			return texts, pings
		}
		if t, isText := m.(Text); isText {
			texts = append(texts, strconv.Itoa(t.From)+": "+t.Body)
		} else if _, isPing := m.(Ping); isPing {
			pings++
		}
	}
}
