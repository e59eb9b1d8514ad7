// Package channels is exercise 06: Rust's mpsc channels, the Go way.
//
// Rust's mpsc::channel returns a Sender and a Receiver: every producer thread gets a clone of
// the Sender, send never blocks, and recv fails once every Sender is gone; recv_timeout waits
// only so long. sync_channel(0) is a rendezvous: a send waits for a recv. An enum carries
// messages of several kinds down one channel.
//
// Go channels are built in. An unbuffered channel is sync_channel(0), make(chan T, n) is
// sync_channel(n), closing a channel is dropping the last Sender, and select with a default
// case or a timer gives the non-blocking and the time-limited forms. The one thing Go does not
// have is a channel whose sends never block: Unbounded builds it.
package channels

import (
	"errors"
	"fmt"
	"time"
)

// Task 1: many producers, one consumer.

// Gather calls f(0), f(1), ..., f(n-1), each in a goroutine of its own, so that all n calls may
// run at the same time. Each goroutine sends its result on one channel that Gather receives
// from, and Gather returns the n results in the order they arrived there (not in the order of
// i). Gather(0, f) returns no results and never calls f. When Gather returns, every goroutine it
// started has finished.
//
// Gather panics with "channels: n must be >= 0, got -1" when n is negative, and with
// "channels: f must not be nil" when f is nil.
func Gather[T any](n int, f func(i int) T) []T {
	if n < 0 {
		panic(fmt.Sprintf("channels: n must be >= 0, got %d", n))
	}
	if f == nil {
		panic("channels: f must not be nil")
	}
	results := make(chan T) // unbuffered: each goroutine ends once its result is taken
	for i := range n {
		go func() { results <- f(i) }()
	}
	out := make([]T, 0, n)
	for range n {
		out = append(out, <-results)
	}
	return out
}

// Task 2: receiving with a time limit.

// ErrTimeout is returned by RecvTimeout when no value arrived in time.
var ErrTimeout = errors.New("channels: receive timed out")

// ErrDisconnected is returned by RecvTimeout when the channel is closed and empty. ErrTimeout
// and ErrDisconnected are two distinct, non-nil errors: errors.Is tells them apart.
var ErrDisconnected = errors.New("channels: channel closed")

// RecvTimeout receives one value from ch, waiting at most d for it, like Rust's recv_timeout.
// It returns the value and nil as soon as one arrives; the zero value and ErrDisconnected as
// soon as ch is closed (values sent before the close are still received first); the zero value
// and ErrTimeout when d has passed with neither. It leaves no goroutine behind.
func RecvTimeout[T any](ch <-chan T, d time.Duration) (T, error) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case v, ok := <-ch:
		if !ok {
			return v, ErrDisconnected
		}
		return v, nil
	case <-timer.C:
		var zero T
		return zero, ErrTimeout
	}
}

// Task 3: sending without blocking.

// TrySend sends v on ch only if that can happen right now, like Rust's try_send: when the
// buffer of ch has room or a receiver is already waiting, it sends v and returns true. When the
// send would block (the buffer is full, or ch is unbuffered and no receiver is waiting) it
// returns false at once and v is not sent.
func TrySend[T any](ch chan<- T, v T) bool {
	select {
	case ch <- v:
		return true
	default:
		return false
	}
}

// Task 4: a channel whose sends never block.

// Unbounded returns the two ends of a channel without a capacity limit, with the semantics of
// Rust's mpsc::channel:
//   - sends on in never block, however many values nobody has received yet;
//   - out yields the values in the order they were sent (several senders: each sender's values
//     in its own order);
//   - after in is closed, out yields the values that are left and then closes, and no goroutine
//     remains.
//
// Until in is closed and out is drained, a goroutine of Unbounded holds the values in between:
// the caller closes in when done sending and receives from out until it is closed.
func Unbounded[T any]() (in chan<- T, out <-chan T) {
	recv := make(chan T)
	send := make(chan T)
	go pump(recv, send)
	return recv, send
}

// pump moves values from in to out through a queue that grows as needed. It receives from in
// while in is open and sends the queue's head on out while the queue is not empty; a nil
// channel in a select case disables that case.
func pump[T any](in <-chan T, out chan<- T) {
	defer close(out)
	var queue []T
	for in != nil || len(queue) > 0 {
		var next T
		var sendTo chan<- T // nil while the queue is empty
		if len(queue) > 0 {
			next, sendTo = queue[0], out
		}
		select {
		case v, ok := <-in:
			if !ok {
				in = nil // closed: stop receiving, deliver what is left
				continue
			}
			queue = append(queue, v)
		case sendTo <- next:
			var zero T
			queue[0] = zero // let the garbage collector have it
			queue = queue[1:]
		}
	}
}

// Task 5: an enum as the message type.

// Message is one of Text, Ping or Quit: Rust's enum, as an interface with an unexported method
// that only the types of this package implement.
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

// Dispatch receives messages from in until it receives a Quit or in is closed, whichever comes
// first; after a Quit it receives nothing more. It returns the Texts as "<From>: <Body>"
// (Text{From: 3, Body: "hi"} is "3: hi") in the order they were received, and how many Pings it
// received.
func Dispatch(in <-chan Message) (texts []string, pings int) {
	for m := range in {
		switch m := m.(type) {
		case Text:
			texts = append(texts, fmt.Sprintf("%d: %s", m.From, m.Body))
		case Ping:
			pings++
		case Quit:
			return texts, pings // a break here would only leave the switch
		}
	}
	return texts, pings
}
