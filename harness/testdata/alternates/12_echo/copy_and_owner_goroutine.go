// Alternate of 12_echo: each connection is echoed byte for byte with io.Copy; the set of open
// connections is owned by Serve's own goroutine (no mutex), fed by an accepting goroutine and
// by finished connections over channels; Request writes and reads at the same time and
// watches ctx with a select.

package echo

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"time"
)

// Serve echoes every line back to its client, for many clients at once.
func Serve(ctx context.Context, ln net.Listener) error {
	accepted := make(chan net.Conn)
	acceptErr := make(chan error, 1)
	finished := make(chan net.Conn)
	stopAccepting := make(chan struct{})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				acceptErr <- err
				return
			}
			select {
			case accepted <- c:
			case <-stopAccepting:
				c.Close()
				acceptErr <- net.ErrClosed
				return
			}
		}
	}()

	open := map[net.Conn]bool{}
	var result error
	accepting, stopping := true, false
	stop := func() {
		if stopping {
			return
		}
		stopping = true
		close(stopAccepting)
		ln.Close()
		for c := range open {
			c.Close()
		}
	}
	ctxDone := ctx.Done()
	for accepting || len(open) > 0 {
		select {
		case <-ctxDone:
			ctxDone = nil // once is enough: a done channel stays ready, and would spin this loop
			stop()
		case err := <-acceptErr:
			accepting = false
			if ctx.Err() == nil && !stopping {
				result = err
			}
			stop()
		case c := <-accepted:
			if stopping {
				c.Close()
				continue
			}
			open[c] = true
			go func() {
				io.Copy(c, c)
				c.Close()
				finished <- c
			}()
		case c := <-finished:
			delete(open, c)
		}
	}
	return result
}

// Request connects to addr, writes msg and "\n", half-closes, and reads the reply to the end.
func Request(ctx context.Context, addr, msg string) (string, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	done := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-ctx.Done():
			c.SetDeadline(time.Now())
		case <-done:
		}
	}()
	defer func() { close(done); <-watched }()

	wrote := make(chan error, 1)
	go func() {
		_, err := io.Copy(c, strings.NewReader(msg+"\n"))
		if err == nil {
			err = c.(*net.TCPConn).CloseWrite()
		}
		wrote <- err
	}()
	var reply bytes.Buffer
	_, rerr := io.Copy(&reply, c)
	werr := <-wrote
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	if rerr != nil {
		return "", rerr
	}
	if werr != nil {
		return "", werr
	}
	return strings.TrimSuffix(reply.String(), "\n"), nil
}
