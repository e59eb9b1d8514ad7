// Alternate of 12_echo: lines are read with a bufio.Scanner whose split function keeps each
// line's "\n" (and a final line without one); every connection closes itself with its own
// context.AfterFunc on a context that ends with ctx or with Serve, so there is no set of
// connections; Request watches ctx with a goroutine that closes the connection.

package echo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
)

// keepLines is bufio.ScanLines without the trimming: each token is a whole line as it came.
func keepLines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i+1], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// Serve echoes every line back to its client, for many clients at once.
func Serve(ctx context.Context, ln net.Listener) error {
	// stopping ends when ctx does or when Serve leaves: either way every connection, even
	// one accepted after that, closes itself (AfterFunc on a done context runs at once).
	stopping, stop := context.WithCancel(ctx)
	defer stop()
	stopLn := context.AfterFunc(stopping, func() { ln.Close() })
	defer stopLn()

	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			stop()
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wg.Go(func() {
			unwatch := context.AfterFunc(stopping, func() { c.Close() })
			defer func() {
				unwatch()
				c.Close()
			}()
			sc := bufio.NewScanner(c)
			sc.Buffer(make([]byte, 4096), 1<<30) // no line limit but memory
			sc.Split(keepLines)
			for sc.Scan() {
				if _, err := c.Write(sc.Bytes()); err != nil {
					return
				}
			}
		})
	}
}

// Request connects to addr, writes msg and "\n", half-closes, and reads the reply to the end.
func Request(ctx context.Context, addr, msg string) (string, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	finished := make(chan struct{})
	watcher := make(chan struct{})
	go func() {
		defer close(watcher)
		select {
		case <-ctx.Done():
			c.Close()
		case <-finished:
		}
	}()
	reply, err := converse(c, msg)
	close(finished)
	<-watcher
	c.Close()
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(reply, "\n"), nil
}

func converse(c net.Conn, msg string) (string, error) {
	w := bufio.NewWriter(c)
	w.WriteString(msg)
	w.WriteByte('\n')
	if err := w.Flush(); err != nil {
		return "", err
	}
	hc, ok := c.(interface{ CloseWrite() error })
	if !ok {
		return "", errors.New("echo: the connection cannot half-close")
	}
	if err := hc.CloseWrite(); err != nil {
		return "", err
	}
	var reply bytes.Buffer
	_, err := reply.ReadFrom(c)
	return reply.String(), err
}
