// Package loopback starts servers and clients on the loopback interface for the tests of the
// networking exercises, in the spirit of net/http/httptest and testing/iotest.
//
// Everything here listens on 127.0.0.1 port 0 (or [::1] port 0 when IPv4 is missing) and dials
// only loopback addresses. Every read and write has a deadline, so a test can never hang on a
// socket, and every helper cleans up after itself through t.Cleanup: connections are closed and
// the goroutines the package starts are joined, so goleak finds nothing left.
//
// The pieces:
//
//   - Listen, Start and StartOn: a listener, and a server under test running on it, joined at
//     cleanup with a bound; EachConn, a test server's serve function from a handler of one
//     connection;
//   - Dial and Conn: a well-behaved client with line helpers;
//   - HalfLineThenReset, Flood, Silent and NeverReads: misbehaving clients, one per fault;
//   - NeverAnswers and ClosedAddr: misbehaving servers for client code;
//   - FlakyListener and Track: listeners that inject temporary Accept errors, and that show
//     whether the code serving them still has calls in progress;
//   - FullQueue, StuckWrites, HoldAccept, HoldFailedRead and HoldDataRead: stalls that hold
//     code under test at one known blocking point (a dial to a full accept queue, a write that
//     never completes, an Accept, a Read) until the test releases it, so that a cancellation
//     is proven to reach that point; DialFunc, ReadFunc, WriteFunc and SpliceFunc name the
//     points where network calls wait, for harness.PollBlocked.
package loopback

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"testing"
	"time"
)

// DefaultTimeout bounds every read and write of a Conn, a dial, and each step of stopping a
// Server (stop returning, serve returning). A correct program needs a tiny fraction of it on
// loopback; it only decides how long a wrong one takes to fail.
const DefaultTimeout = 3 * time.Second

// ErrStillRunning is wrapped by Server.Wait and Server.Close when serve has not returned
// within the timeout.
var ErrStillRunning = errors.New("loopback: serve is still running")

// Option changes a Dial, a misbehaving client or a Start. Options come only from the functions
// below; each says which calls it affects, and the others ignore it.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct {
	timeout  time.Duration
	expected []error
}

func newConfig(opts []Option) config {
	c := config{timeout: DefaultTimeout}
	for _, o := range opts {
		o.apply(&c)
	}
	return c
}

// WithTimeout replaces DefaultTimeout: for a Conn, the deadline of each read and write; for a
// Server, the bound on each step of stopping it. It panics when d is not positive.
func WithTimeout(d time.Duration) Option {
	if d <= 0 {
		panic(fmt.Sprintf("loopback: WithTimeout needs a positive duration, got %v", d))
	}
	return optionFunc(func(c *config) { c.timeout = d })
}

// WithExpected declares errors that serve may return when it is stopped, for Start and StartOn
// (for example tcp.ErrServerClosed). serve returning nil is always expected; an error that
// errors.Is one of errs is too. The default is that only nil is.
func WithExpected(errs ...error) Option {
	return optionFunc(func(c *config) { c.expected = append(c.expected, errs...) })
}

// Listen returns a TCP listener on 127.0.0.1 with a port the system picks, or on [::1] when
// IPv4 loopback is not available. It fails t when neither works. The listener is closed at
// cleanup; closing it earlier is fine.
func Listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		var err6 error
		if ln, err6 = net.Listen("tcp6", "[::1]:0"); err6 != nil {
			t.Fatalf("loopback: cannot listen on 127.0.0.1:0 (%v) nor [::1]:0 (%v)", err, err6)
		}
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// Server is a server under test, running serve(ln) in its own goroutine on a loopback
// listener. Start and StartOn make one; the cleanup they register calls Close.
type Server struct {
	// Addr is the listener's address, "127.0.0.1:port" (or "[::1]:port"), for dialling.
	Addr string

	t        testing.TB
	ln       net.Listener
	stop     func()
	cfg      config
	done     chan struct{} // closed when serve has returned
	serveErr error         // set before done is closed

	mu        sync.Mutex
	closed    bool
	closeErr  error
	closedByT bool // Close was called by the test itself
}

// Start listens with Listen and starts serve on that listener in a new goroutine, as StartOn.
func Start(t testing.TB, serve func(net.Listener) error, stop func(), opts ...Option) *Server {
	t.Helper()
	return StartOn(t, Listen(t), serve, stop, opts...)
}

// StartOn starts serve(ln) in a new goroutine and returns at once. When serve returns, ln is
// closed, so that clients are refused instead of waiting on a server that has given up.
//
// Close, and the cleanup StartOn registers, stop the server: they call stop (which may be nil;
// typically a Shutdown or a context's cancel), then close ln, then wait for serve to return.
// Each step is bounded by the timeout (DefaultTimeout or WithTimeout). The cleanup fails t when
// a step does not finish in time, or when serve returned an error that is not expected (see
// WithExpected); it stays quiet when the test called Close itself, which then reports the same
// through its result.
func StartOn(t testing.TB, ln net.Listener, serve func(net.Listener) error, stop func(), opts ...Option) *Server {
	t.Helper()
	if serve == nil {
		panic("loopback: serve must be a function, got nil")
	}
	s := &Server{
		Addr: ln.Addr().String(),
		t:    t,
		ln:   ln,
		stop: stop,
		cfg:  newConfig(opts),
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		s.serveErr = serve(ln)
		ln.Close()
	}()
	t.Cleanup(func() {
		t.Helper()
		err := s.close()
		s.mu.Lock()
		byT := s.closedByT
		s.mu.Unlock()
		if err != nil && !byT {
			t.Errorf("%v", err)
		}
	})
	return s
}

// EachConn returns a serve function for Start and StartOn that handles every connection it
// accepts with handle, each in a goroutine of its own, and closes the connection when handle
// returns. When Accept fails (the server is being stopped), it closes the connections still
// being handled, so that a handle waiting on one returns, waits for every handle to return,
// and returns nil.
func EachConn(handle func(net.Conn)) func(net.Listener) error {
	return func(ln net.Listener) error {
		var wg sync.WaitGroup
		var mu sync.Mutex
		open := map[net.Conn]bool{}
		for {
			c, err := ln.Accept()
			if err != nil {
				break
			}
			mu.Lock()
			open[c] = true
			mu.Unlock()
			wg.Go(func() {
				defer func() {
					mu.Lock()
					delete(open, c)
					mu.Unlock()
					c.Close()
				}()
				handle(c)
			})
		}
		mu.Lock()
		for c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
		return nil
	}
}

// Done returns a channel that is closed when serve has returned.
func (s *Server) Done() <-chan struct{} { return s.done }

// Wait waits for serve to return, without stopping it, and returns what serve returned. When
// serve is still running after the timeout, Wait returns an error wrapping ErrStillRunning.
func (s *Server) Wait() error {
	timer := time.NewTimer(s.cfg.timeout)
	defer timer.Stop()
	select {
	case <-s.done:
		return s.serveErr
	case <-timer.C:
		return fmt.Errorf("%w: serve on %s did not return within %v", ErrStillRunning, s.Addr, s.cfg.timeout)
	}
}

// Close stops the server as described at StartOn and reports the outcome: nil when serve
// returned nil or an expected error; otherwise an error that says what serve returned, or
// which step did not finish in time (wrapping ErrStillRunning when serve did not return).
// Close may be called more than once; later calls return the first call's result.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closedByT = true
	s.mu.Unlock()
	return s.close()
}

func (s *Server) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.closeErr
	}
	s.closed = true
	var errs []error
	if s.stop != nil {
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			s.stop()
		}()
		timer := time.NewTimer(s.cfg.timeout)
		select {
		case <-stopped:
		case <-timer.C:
			errs = append(errs, fmt.Errorf("loopback: stopping the server on %s: the stop function did not return within %v", s.Addr, s.cfg.timeout))
		}
		timer.Stop()
	}
	s.ln.Close()
	if err := s.Wait(); errors.Is(err, ErrStillRunning) {
		errs = append(errs, fmt.Errorf("%w: serve on %s did not return within %v after it was stopped and its listener closed", ErrStillRunning, s.Addr, s.cfg.timeout))
	} else if err != nil && !slices.ContainsFunc(s.cfg.expected, func(e error) bool { return errors.Is(err, e) }) {
		errs = append(errs, fmt.Errorf("loopback: serve on %s returned an unexpected error: %w", s.Addr, err))
	}
	s.closeErr = errors.Join(errs...)
	return s.closeErr
}
