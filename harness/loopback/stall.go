package loopback

import (
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Listeners and a server that stall at a point the test chooses, so that a test can prove that
// the code under test is waiting there (with harness.Blocked) before it cancels or shuts down.
// The connections these listeners return are not *net.TCPConn.

// FullQueue returns the address of a loopback listener that never accepts and whose queue of
// pending connections is already full, so that a dial there waits for room until its deadline
// or its context ends: a client blocked in its dial. (Where the system does not let a listener's
// queue shrink, a dial there connects and then waits for an answer, as at NeverAnswers.) The
// listener and the connection that fills its queue are closed at cleanup. It fails t when the
// listener cannot be made.
func FullQueue(t testing.TB) string {
	t.Helper()
	ln := Listen(t)
	rc, err := ln.(*net.TCPListener).SyscallConn()
	if err != nil {
		t.Fatalf("loopback: FullQueue: %v", err)
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) { lerr = relisten(syscall.Listen, fd) }); err != nil {
		t.Fatalf("loopback: FullQueue: %v", err)
	}
	if lerr != nil {
		t.Fatalf("loopback: FullQueue: shrinking the listener's queue: %v", lerr)
	}
	filler, err := net.DialTimeout("tcp", ln.Addr().String(), DefaultTimeout)
	if err != nil {
		t.Fatalf("loopback: FullQueue: filling the listener's queue: %v", err)
	}
	t.Cleanup(func() { filler.Close() })
	return ln.Addr().String()
}

// relisten calls listen(fd, 0) again on a listening socket, which shrinks its queue to one
// pending connection (on Linux; syscall.Listen takes an int there and a Handle on Windows).
func relisten[H ~int | ~uintptr](listen func(H, int) error, fd uintptr) error {
	return listen(H(fd), 0)
}

// The functions in which network calls wait, as harness.Blocked matches them: a test that must
// know where a client or a server waits before it cancels it polls for one of these on the
// stack of a goroutine of the code under test (with harness.PollBlocked).
const (
	// DialFunc is where a dial waits for its connection to be made (to a FullQueue, say).
	DialFunc = "net.(*netFD).connect"
	// ReadFunc is where a Read waits for data.
	ReadFunc = "internal/poll.(*FD).Read"
	// WriteFunc is where a Write waits for room in the send buffer (its peer does not read).
	WriteFunc = "internal/poll.(*FD).Write"
	// SpliceFunc is where io.Copy between two *net.TCPConn waits to write on Linux, where it
	// splices instead of calling Write.
	SpliceFunc = "internal/poll.splicePump"
)

// StuckWriteFunc is the function in which a Write to the stuck connection of StuckWrites waits,
// as harness.Blocked matches it: a goroutine blocked there is certainly stuck in that Write.
const StuckWriteFunc = "loopback.(*stuckConn).Write"

// StuckWrites wraps ln: the connection it accepts as number n (from 1) never finishes a Write,
// as if its client never read, until it is closed (the Write then returns net.ErrClosed) or
// given a write deadline that has passed (os.ErrDeadlineExceeded). Its reads, and the other
// connections, are ln's.
func StuckWrites(ln net.Listener, n int) net.Listener {
	return &stuckWrites{Listener: ln, n: int64(n)}
}

type stuckWrites struct {
	net.Listener
	n        int64
	accepted atomic.Int64
}

func (l *stuckWrites) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil || l.accepted.Add(1) != l.n {
		return c, err
	}
	return &stuckConn{Conn: c, closed: make(chan struct{}), expired: make(chan struct{})}, nil
}

type stuckConn struct {
	net.Conn
	closeOnce, expireOnce sync.Once
	closed, expired       chan struct{}
}

func (c *stuckConn) Write(p []byte) (int, error) {
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	case <-c.expired:
		return 0, os.ErrDeadlineExceeded
	}
}

func (c *stuckConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

func (c *stuckConn) SetDeadline(t time.Time) error {
	c.expire(t)
	return c.Conn.SetDeadline(t)
}

func (c *stuckConn) SetWriteDeadline(t time.Time) error {
	c.expire(t)
	return c.Conn.SetWriteDeadline(t)
}

func (c *stuckConn) expire(t time.Time) {
	if !t.IsZero() && !t.After(time.Now()) {
		c.expireOnce.Do(func() { close(c.expired) })
	}
}

// HeldAccept is the listener HoldAccept returns.
type HeldAccept struct {
	net.Listener
	accepted, release, closed chan struct{}
	first, releaseOnce, once  sync.Once
}

// HoldAccept wraps ln: the first Accept that gets a connection holds it, without returning,
// until Release is called, so that the connection reaches the server only after whatever the
// test does meanwhile (cancel the server, say). Release is also called at cleanup.
func HoldAccept(t testing.TB, ln net.Listener) *HeldAccept {
	l := &HeldAccept{Listener: ln, accepted: make(chan struct{}), release: make(chan struct{}), closed: make(chan struct{})}
	t.Cleanup(l.Release)
	return l
}

// Accepted returns a channel that is closed when the first Accept has got its connection and
// holds it.
func (l *HeldAccept) Accepted() <-chan struct{} { return l.accepted }

// Closed returns a channel that is closed when Close has been called.
func (l *HeldAccept) Closed() <-chan struct{} { return l.closed }

// Release lets the held Accept return its connection. Calling it again does nothing.
func (l *HeldAccept) Release() { l.releaseOnce.Do(func() { close(l.release) }) }

// Accept waits for the next connection of the wrapped listener; the first one it holds as
// HoldAccept says.
func (l *HeldAccept) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.first.Do(func() {
			close(l.accepted)
			<-l.release
		})
	}
	return c, err
}

// Close closes the wrapped listener, and Closed's channel.
func (l *HeldAccept) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// HeldRead is the listener HoldFailedRead and HoldDataRead return.
type HeldRead struct {
	net.Listener
	onData             bool
	held, release      chan struct{}
	first, releaseOnce sync.Once
}

// HoldFailedRead wraps ln: on its connections, the first Read that fails (the connection was
// closed or reset) waits until Release is called before it returns its error, so that the
// goroutine reading is certainly still running meanwhile. Release is also called at cleanup.
func HoldFailedRead(t testing.TB, ln net.Listener) *HeldRead { return holdRead(t, ln, false) }

// HoldDataRead wraps ln: on its connections, the first Read that gets data waits until Release
// is called before it returns the data, so that the server has a line in hand while the test
// does something else (cancel the server, say). Release is also called at cleanup.
func HoldDataRead(t testing.TB, ln net.Listener) *HeldRead { return holdRead(t, ln, true) }

func holdRead(t testing.TB, ln net.Listener, onData bool) *HeldRead {
	l := &HeldRead{Listener: ln, onData: onData, held: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(l.Release)
	return l
}

// Held returns a channel that is closed when a Read is being held.
func (l *HeldRead) Held() <-chan struct{} { return l.held }

// Release lets the held Read return. Calling it again does nothing.
func (l *HeldRead) Release() { l.releaseOnce.Do(func() { close(l.release) }) }

// Accept waits for the next connection of the wrapped listener and returns it wrapped.
func (l *HeldRead) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &heldConn{Conn: c, l: l}, nil
}

type heldConn struct {
	net.Conn
	l *HeldRead
}

func (c *heldConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if (err == nil) == c.l.onData {
		c.l.first.Do(func() {
			close(c.l.held)
			<-c.l.release
		})
	}
	return n, err
}
