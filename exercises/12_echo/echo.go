// Package echo is exercise 12: an echo server, its client, and the half-close that tells the
// server "that was all".
//
// The seed's echo server needs stream.try_clone() to read and write the same socket at once;
// a Go net.Conn is reader and writer in one value, safe to use from two goroutines. The seed's
// client writes, then reads to the end; in Go the client says "that was all" by half-closing
// its side (CloseWrite), and the server, having echoed everything, closes.
package echo

import (
	"context"
	"errors"
	"net"
)

// Serve echoes every line back to its client, for many clients at once, each connection in a
// goroutine of its own. A line is ended by "\n" or, when it is not empty, by the client
// half-closing; such a final line is echoed as it came, without a "\n". Each line is echoed as
// soon as it has arrived. Serve closes a connection once its client has half-closed
// (CloseWrite) and every line has been echoed.
//
// When ctx is done, Serve closes ln and every connection (also one that Accept returns just
// then), and returns nil once every goroutine it started has finished; it waits for them
// blocked (on a WaitGroup, a channel), not in a loop that spins. When Accept fails for another
// reason (ln was closed by someone else, say), Serve does the same and returns that error.
func Serve(ctx context.Context, ln net.Listener) error {
	// TODO: implement.
	return errors.New("echo: Serve not implemented")
}

// Request connects to addr, writes msg and "\n", half-closes (CloseWrite: "that was all"),
// reads the reply until the server closes the connection, and returns it without its final
// "\n". A refused dial is an error at once. When ctx is done first, even against a server
// that never answers, Request gives up at once, whether it is dialling, writing or waiting for
// the reply, and returns an error that matches ctx.Err() (errors.Is).
func Request(ctx context.Context, addr, msg string) (string, error) {
	// TODO: implement.
	return "", errors.New("echo: Request not implemented")
}
