package loopback

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// ErrNotLoopback is returned by Dial, and by every client below, for an address whose host is
// not a loopback IP literal: these helpers never leave the machine.
var ErrNotLoopback = errors.New("loopback: not a loopback address")

// ErrStillOpen is wrapped by Conn.WaitClosed when the peer has not closed the connection
// within the timeout.
var ErrStillOpen = errors.New("loopback: connection still open")

// Conn is a client connection with a deadline on every read and write (DefaultTimeout, or
// WithTimeout): a call that cannot finish in time returns an error that says what it waited
// for instead of blocking the test.
//
// A Conn is used by one goroutine at a time; only Close may be called from another goroutine,
// for example to unblock a read. Dial closes it at cleanup, and Close joins any goroutine the
// Conn started (NeverReads, RoundTrip).
type Conn struct {
	c       *net.TCPConn
	r       *bufio.Reader
	addr    string
	timeout time.Duration
	bg      sync.WaitGroup // a writer started by NeverReads
	once    sync.Once
	err     error
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%w: %q: %v", ErrNotLoopback, addr, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return fmt.Errorf("%w: %q (dial an IP literal such as 127.0.0.1 or ::1)", ErrNotLoopback, addr)
	}
	return nil
}

// Dial connects to addr, which must be a loopback IP literal with a port, within the timeout.
// The connection is closed at cleanup. Dial may be called from any goroutine: it reports a
// failure as its error (with the address in it), never through t.
func Dial(t testing.TB, addr string, opts ...Option) (*Conn, error) {
	t.Helper()
	cfg := newConfig(opts)
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	nc, err := net.DialTimeout("tcp", addr, cfg.timeout)
	if err != nil {
		return nil, fmt.Errorf("loopback: dial %s: %w", addr, err)
	}
	c := &Conn{c: nc.(*net.TCPConn), addr: addr, timeout: cfg.timeout}
	c.r = bufio.NewReader(c.c)
	t.Cleanup(func() { c.Close() })
	return c, nil
}

// LocalAddr returns the client's own address, as the server sees it as the remote address.
func (c *Conn) LocalAddr() net.Addr { return c.c.LocalAddr() }

// wrap explains a failed call in words a learner can act on.
func (c *Conn) wrap(what string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF):
		return err
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("loopback: %s on %s: nothing happened for %v: %w", what, c.addr, c.timeout, err)
	default:
		return fmt.Errorf("loopback: %s on %s: %w", what, c.addr, err)
	}
}

// WriteString writes s as it is (no newline added).
func (c *Conn) WriteString(s string) error {
	c.c.SetWriteDeadline(time.Now().Add(c.timeout))
	_, err := io.WriteString(c.c, s)
	return c.wrap(fmt.Sprintf("write of %d bytes", len(s)), err)
}

// WriteLine writes s and "\n".
func (c *Conn) WriteLine(s string) error {
	c.c.SetWriteDeadline(time.Now().Add(c.timeout))
	_, err := io.WriteString(c.c, s+"\n")
	return c.wrap(fmt.Sprintf("write of a %d-byte line", len(s)), err)
}

// ReadLine reads up to and including the next "\n" and returns the line without it. When the
// peer closes first, it returns io.EOF if nothing was read, or what was read and
// io.ErrUnexpectedEOF.
func (c *Conn) ReadLine() (string, error) {
	c.c.SetReadDeadline(time.Now().Add(c.timeout))
	line, err := c.r.ReadString('\n')
	if err == nil {
		return strings.TrimSuffix(line, "\n"), nil
	}
	if errors.Is(err, io.EOF) && line != "" {
		return line, io.ErrUnexpectedEOF
	}
	return line, c.wrap("reading a line", err)
}

// ReadAll reads until the peer closes its side and returns everything read. A clean close
// (EOF) is not an error; a reset is. The whole call is bounded by one timeout.
func (c *Conn) ReadAll() (string, error) {
	c.c.SetReadDeadline(time.Now().Add(c.timeout))
	b, err := io.ReadAll(c.r)
	return string(b), c.wrap("reading to the end", err)
}

// CloseWrite half-closes the connection: the peer reads EOF, and this side can still read.
func (c *Conn) CloseWrite() error {
	return c.wrap("half-closing", c.c.CloseWrite())
}

// RoundTrip writes data while it reads (so that a server that answers while it reads cannot
// deadlock with it), half-closes after the last byte, and returns everything read until the
// peer closes. Writing and reading are each bounded by one timeout.
func (c *Conn) RoundTrip(data string) (string, error) {
	werr := make(chan error, 1)
	go func() {
		c.c.SetWriteDeadline(time.Now().Add(c.timeout))
		_, err := io.WriteString(c.c, data)
		if err == nil {
			err = c.c.CloseWrite()
		}
		werr <- c.wrap(fmt.Sprintf("write of %d bytes", len(data)), err)
	}()
	reply, rerr := c.ReadAll()
	if rerr != nil {
		c.c.SetWriteDeadline(time.Now()) // unblock the writer; its error is not the news
		<-werr
		return reply, rerr
	}
	return reply, <-werr
}

// WaitClosed reads and throws away whatever comes until the peer closes the connection, and
// returns nil when it does (a clean close or a reset). When the connection is still open after
// the timeout, it returns an error wrapping ErrStillOpen.
func (c *Conn) WaitClosed() error {
	c.c.SetReadDeadline(time.Now().Add(c.timeout))
	_, err := io.Copy(io.Discard, c.r)
	if err == nil || ClosedByPeer(err) {
		return nil
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("%w: %s was not closed by the server within %v", ErrStillOpen, c.addr, c.timeout)
	}
	return c.wrap("waiting for the server to close", err)
}

// Reset closes the connection abortively: the peer gets a reset (RST) instead of EOF, and
// anything it had not read yet is lost.
func (c *Conn) Reset() error {
	c.c.SetLinger(0)
	return c.Close()
}

// Close closes the connection and waits for the goroutines the Conn started. Calling it more
// than once returns the first result.
func (c *Conn) Close() error {
	c.once.Do(func() {
		c.err = c.c.Close()
		c.bg.Wait()
	})
	return c.err
}

// ClosedByPeer reports whether err says that the other side closed or reset the connection:
// io.EOF, a connection reset, or a broken pipe.
func ClosedByPeer(err error) bool {
	if errors.Is(err, io.EOF) {
		return true
	}
	for _, gone := range peerGone {
		if errors.Is(err, gone) {
			return true
		}
	}
	return false
}
