package loopback

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Misbehaving clients, one constructor per fault, in the spirit of testing/iotest. Each dials
// addr like Dial (loopback only, with the timeout), returns the dial's error, and leaves
// nothing behind after cleanup.

// HalfLineThenReset connects, writes the first half of line (at least one byte, never a
// newline of its own), and resets the connection (RST) instead of finishing it: the server
// sees the start of a line and then a connection reset. It returns once the reset is sent.
func HalfLineThenReset(t testing.TB, addr, line string, opts ...Option) error {
	t.Helper()
	c, err := Dial(t, addr, opts...)
	if err != nil {
		return err
	}
	half := line[:max(1, len(line)/2)]
	if err := c.WriteString(strings.TrimRight(half, "\n")); err != nil {
		c.Close()
		return err
	}
	return c.Reset()
}

// Flood connects and writes n bytes of "x" without a newline, as one line that never ends. A
// write that fails because the server closed or reset the connection ends the flood early and
// is not an error: that is the answer a server with a line limit gives. It returns the open
// Conn (closed at cleanup), so the test can call WaitClosed, and an error only when the dial
// fails or a write finds no room within the timeout.
func Flood(t testing.TB, addr string, n int, opts ...Option) (*Conn, error) {
	t.Helper()
	c, err := Dial(t, addr, opts...)
	if err != nil {
		return nil, err
	}
	chunk := strings.Repeat("x", 32<<10)
	for n > 0 {
		k := min(n, len(chunk))
		if err := c.WriteString(chunk[:k]); err != nil {
			if ClosedByPeer(err) {
				return c, nil
			}
			return c, err
		}
		n -= k
	}
	return c, nil
}

// Silent connects and sends nothing. It is Dial under a name that says what the test means:
// the returned Conn is there to be ignored by the test and, by a server with an idle timeout,
// closed (see Conn.WaitClosed).
func Silent(t testing.TB, addr string, opts ...Option) (*Conn, error) {
	t.Helper()
	return Dial(t, addr, opts...)
}

// NeverReads connects and, from a goroutine of its own, writes data and never reads what the
// server sends back: a server that writes replies to it will sooner or later block in Write.
// The writer stops at its first failed write (a full buffer for the whole timeout counts).
// It returns at once; the returned Conn's Close (called at cleanup) closes the connection and
// joins the writer. Do not read from the Conn while the writer runs.
func NeverReads(t testing.TB, addr, data string, opts ...Option) (*Conn, error) {
	t.Helper()
	c, err := Dial(t, addr, opts...)
	if err != nil {
		return nil, err
	}
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		for len(data) > 0 {
			k := min(len(data), 64<<10)
			if c.WriteString(data[:k]) != nil {
				return
			}
			data = data[k:]
		}
	}()
	return c, nil
}

// Misbehaving servers, for client code.

// NeverAnswers starts a server that accepts every connection and then neither reads nor
// writes: a client's small writes land in the kernel's buffers, and its reads wait forever.
// It returns the server's address. At cleanup the listener and every accepted connection are
// closed and the server's goroutine is joined.
func NeverAnswers(t testing.TB) string {
	t.Helper()
	ln := Listen(t)
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// ClosedAddr returns a loopback address where nobody listens (a listener that was opened and
// closed at once), so that a dial there is refused right away.
func ClosedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("loopback: cannot listen on 127.0.0.1:0: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// Listeners that misbehave or watch.

// ErrInjected is wrapped by the errors FlakyListener's Accept returns.
var ErrInjected = errors.New("loopback: injected temporary accept error")

// FlakyListener wraps ln: its first `failures` calls to Accept return at once a temporary
// error (a net.Error whose Timeout and Temporary methods both report true, wrapping
// ErrInjected, and not net.ErrClosed), as a listener does when the process runs out of file
// descriptors; later calls are ln's. Closing it closes ln. It is safe for concurrent use.
func FlakyListener(ln net.Listener, failures int) net.Listener {
	f := &flakyListener{Listener: ln}
	f.left.Store(int64(failures))
	return f
}

type flakyListener struct {
	net.Listener
	left atomic.Int64
}

var _ net.Listener = (*flakyListener)(nil)

func (f *flakyListener) Accept() (net.Conn, error) {
	if n := f.left.Add(-1); n >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: f.Addr(), Err: temporaryError{}}
	}
	return f.Listener.Accept()
}

type temporaryError struct{}

var _ net.Error = temporaryError{}

func (temporaryError) Error() string   { return ErrInjected.Error() }
func (temporaryError) Timeout() bool   { return true }
func (temporaryError) Temporary() bool { return true }
func (temporaryError) Unwrap() error   { return ErrInjected }

// Track wraps ln so that a test can see whether the code serving it still has calls in
// progress on its connections, for example right after a Serve that promises to wait for its
// connection goroutines has returned. Busy counts the calls into the Read and Write methods of
// the connections it accepted that have not returned yet.
//
// A Read or Write that fails (on a closed connection, at EOF, at a deadline) waits linger
// before it returns, so that a goroutine on its way out stays visible for that long: code that
// does not wait for its goroutines is caught with Busy() > 0 right after it returns, while code
// that does wait only takes linger longer. The connections it returns are not *net.TCPConn;
// they keep CloseWrite.
func Track(ln net.Listener, linger time.Duration) *TrackedListener {
	return &TrackedListener{Listener: ln, linger: linger}
}

// TrackedListener is the listener Track returns.
type TrackedListener struct {
	net.Listener
	linger time.Duration
	busy   atomic.Int64
}

var _ net.Listener = (*TrackedListener)(nil)

// Busy returns the number of calls into the Read and Write methods of the listener's
// connections that are running now.
func (l *TrackedListener) Busy() int { return int(l.busy.Load()) }

func (l *TrackedListener) enter() func(err error) {
	l.busy.Add(1)
	return func(err error) {
		if err != nil && l.linger > 0 {
			time.Sleep(l.linger)
		}
		l.busy.Add(-1)
	}
}

// Accept waits for the next connection and returns it wrapped.
func (l *TrackedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &trackedConn{Conn: c, l: l}, nil
}

type trackedConn struct {
	net.Conn
	l *TrackedListener
}

var _ net.Conn = (*trackedConn)(nil)

func (c *trackedConn) Read(p []byte) (int, error) {
	leave := c.l.enter()
	n, err := c.Conn.Read(p)
	leave(err)
	return n, err
}

func (c *trackedConn) Write(p []byte) (int, error) {
	leave := c.l.enter()
	n, err := c.Conn.Write(p)
	leave(err)
	return n, err
}

// CloseWrite half-closes the connection when the wrapped one can.
func (c *trackedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return fmt.Errorf("loopback: %T cannot half-close", c.Conn)
}
