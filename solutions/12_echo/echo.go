// Package echo is exercise 12: an echo server, its client, and the half-close that tells the
// server "that was all".
//
// The seed's echo server needs stream.try_clone() to read and write the same socket at once;
// a Go net.Conn is reader and writer in one value, safe to use from two goroutines. The seed's
// client writes, then reads to the end; in Go the client says "that was all" by half-closing
// its side (CloseWrite), and the server, having echoed everything, closes.
package echo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
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
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		closing bool
		conns   = map[net.Conn]struct{}{}
	)
	closeAll := func() {
		mu.Lock()
		defer mu.Unlock()
		closing = true
		ln.Close()
		for c := range conns {
			c.Close()
		}
	}
	stop := context.AfterFunc(ctx, closeAll)
	defer func() {
		stop()
		closeAll()
		wg.Wait()
	}()

	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("echo: accept: %w", err)
		}
		mu.Lock()
		if closing {
			mu.Unlock()
			c.Close()
			continue
		}
		conns[c] = struct{}{}
		mu.Unlock()
		wg.Go(func() {
			defer func() {
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
				c.Close()
			}()
			echo(c)
		})
	}
}

// echo writes back each line as it arrives, until the client half-closes or a call fails.
func echo(c net.Conn) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			if _, werr := io.WriteString(c, line); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Request connects to addr, writes msg and "\n", half-closes (CloseWrite: "that was all"),
// reads the reply until the server closes the connection, and returns it without its final
// "\n". A refused dial is an error at once. When ctx is done first, even against a server
// that never answers, Request gives up at once, whether it is dialling, writing or waiting for
// the reply, and returns an error that matches ctx.Err() (errors.Is).
func Request(ctx context.Context, addr, msg string) (string, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("echo: request to %s: %w", addr, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	fail := func(err error) (string, error) {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return "", fmt.Errorf("echo: request to %s: %w", addr, err)
	}

	if _, err := io.WriteString(c, msg+"\n"); err != nil {
		return fail(err)
	}
	cw, ok := c.(interface{ CloseWrite() error })
	if !ok {
		return fail(errors.New("connection cannot half-close"))
	}
	if err := cw.CloseWrite(); err != nil {
		return fail(err)
	}
	reply, err := io.ReadAll(c)
	if err != nil {
		return fail(err)
	}
	if !stop() {
		return fail(ctx.Err())
	}
	return strings.TrimSuffix(string(reply), "\n"), nil
}
