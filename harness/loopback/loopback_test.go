package loopback_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kata-go/concurrency/harness/loopback"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a testing.TB that records failures and runs cleanups when told to.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}
func (r *recorder) failures() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errs, "\n")
}

// echoLines answers every line with the same line, until the client closes.
func echoLines(c net.Conn) {
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

func TestListen_IsLoopbackWithAPort(t *testing.T) {
	ln := loopback.Listen(t)
	ap, err := netip.ParseAddrPort(ln.Addr().String())
	if err != nil || !ap.Addr().IsLoopback() || ap.Port() == 0 {
		t.Fatalf("Listen: address %s, want a loopback IP with a port (err %v)", ln.Addr(), err)
	}
}

func TestDial_RefusesAddressesOffTheMachine(t *testing.T) {
	for _, addr := range []string{"198.51.100.7:80", "example.test:80", "localhost:80", "[2001:db8::1]:443", "127.0.0.1"} {
		if _, err := loopback.Dial(t, addr); !errors.Is(err, loopback.ErrNotLoopback) {
			t.Errorf("Dial(%q) = %v, want ErrNotLoopback", addr, err)
		}
	}
}

func TestConn_LinesAndHalfClose(t *testing.T) {
	s := loopback.Start(t, loopback.EachConn(echoLines), nil)
	c, err := loopback.Dial(t, s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"hello", "", "from the client"} {
		if err := c.WriteLine(line); err != nil {
			t.Fatal(err)
		}
		got, err := c.ReadLine()
		if err != nil || got != line {
			t.Fatalf("ReadLine() = %q, %v; want %q, nil", got, err, line)
		}
	}
	if err := c.WriteString("no newline"); err != nil {
		t.Fatal(err)
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := c.ReadLine()
	if got != "no newline" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("ReadLine() after half-close = %q, %v; want %q, io.ErrUnexpectedEOF", got, err, "no newline")
	}
	if got, err := c.ReadLine(); got != "" || err != io.EOF {
		t.Errorf("ReadLine() at the end = %q, %v; want \"\", io.EOF", got, err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
}

func TestConn_RoundTripOfAMegabyte(t *testing.T) {
	s := loopback.Start(t, loopback.EachConn(echoLines), nil)
	c, err := loopback.Dial(t, s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	data := strings.Repeat("0123456789abcdef", 1<<16) + "\n"
	got, err := c.RoundTrip(strings.Repeat(data, 3))
	if err != nil || got != strings.Repeat(data, 3) {
		t.Errorf("RoundTrip(3 MiB) = %d bytes, %v; want the same 3 MiB back", len(got), err)
	}
}

func TestConn_ReadTimesOutInsteadOfHanging(t *testing.T) {
	addr := loopback.NeverAnswers(t)
	c, err := loopback.Dial(t, addr, loopback.WithTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadLine(); err == nil || !strings.Contains(err.Error(), "nothing happened for 50ms") {
		t.Errorf("ReadLine() from a server that never answers = %v, want a timeout that says so", err)
	}
	if err := c.WaitClosed(); !errors.Is(err, loopback.ErrStillOpen) {
		t.Errorf("WaitClosed() on a connection nobody closes = %v, want ErrStillOpen", err)
	}
}

func TestConn_WaitClosedSeesCloseAndReset(t *testing.T) {
	accepted := make(chan net.Conn, 2)
	s := loopback.Start(t, func(ln net.Listener) error {
		for {
			c, err := ln.Accept()
			if err != nil {
				return nil
			}
			accepted <- c
		}
	}, nil)
	a, err := loopback.Dial(t, s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	b, err := loopback.Dial(t, s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	ca, cb := <-accepted, <-accepted
	ca.Close()
	cb.(*net.TCPConn).SetLinger(0)
	cb.Close()
	if err := a.WaitClosed(); err != nil {
		t.Errorf("WaitClosed() after the server closed: %v", err)
	}
	if err := b.WaitClosed(); err != nil {
		t.Errorf("WaitClosed() after the server reset: %v", err)
	}
}

func TestStart_ReportsUnexpectedErrorAndStuckServe(t *testing.T) {
	boom := errors.New("boom")
	closed := errors.New("closed as expected")

	r := &recorder{TB: t}
	loopback.Start(r, func(ln net.Listener) error { return boom }, nil)
	r.runCleanups()
	if got := r.failures(); !strings.Contains(got, "unexpected error: boom") {
		t.Errorf("cleanup after serve returned boom reported %q", got)
	}

	r = &recorder{TB: t}
	loopback.Start(r, func(ln net.Listener) error { return fmt.Errorf("wrapped: %w", closed) }, nil, loopback.WithExpected(closed))
	r.runCleanups()
	if got := r.failures(); got != "" {
		t.Errorf("cleanup after serve returned an expected error reported %q", got)
	}

	r = &recorder{TB: t}
	release := make(chan struct{})
	s := loopback.Start(r, func(ln net.Listener) error { <-release; return nil }, nil, loopback.WithTimeout(50*time.Millisecond))
	if err := s.Close(); !errors.Is(err, loopback.ErrStillRunning) {
		t.Errorf("Close() of a serve that ignores its listener = %v, want ErrStillRunning", err)
	}
	r.runCleanups()
	if got := r.failures(); got != "" {
		t.Errorf("cleanup reported %q after the test called Close itself", got)
	}
	close(release)
	<-s.Done()
}

func TestStart_StopRunsBeforeTheListenerCloses(t *testing.T) {
	stopped := make(chan struct{})
	var order []string
	s := loopback.Start(t, func(ln net.Listener) error {
		_, err := ln.Accept()
		order = append(order, "accept returned")
		<-stopped
		return err
	}, func() {
		order = append(order, "stop")
		close(stopped)
	}, loopback.WithExpected(net.ErrClosed))
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if _, err := net.Dial("tcp", s.Addr); err == nil {
		t.Errorf("dial after Close succeeded: the listener should be closed")
	}
	if len(order) != 2 || order[0] != "stop" {
		t.Errorf("order = %v, want stop before the listener was closed", order)
	}
}

func TestEachConn_HandlesConnectionsAtOnceAndClosesThemWhenStopped(t *testing.T) {
	handling := make(chan struct{}, 2)
	s := loopback.Start(t, loopback.EachConn(func(c net.Conn) {
		handling <- struct{}{}
		io.Copy(io.Discard, c) // until the client closes, or EachConn closes c
	}), nil)
	var clients []*loopback.Conn
	for range 2 {
		c, err := loopback.Dial(t, s.Addr)
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	for i := range 2 {
		select {
		case <-handling:
		case <-time.After(loopback.DefaultTimeout):
			t.Fatalf("only %d of 2 connections were being handled at once", i)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close while both handles wait on their connections = %v, want nil: EachConn closes them", err)
	}
	for i, c := range clients {
		if err := c.WaitClosed(); err != nil {
			t.Errorf("client %d after Close: %v, want its connection closed", i+1, err)
		}
	}
}

func TestEachConn_ClosesAConnectionWhenItsHandleReturns(t *testing.T) {
	s := loopback.Start(t, loopback.EachConn(func(net.Conn) {}), nil)
	c, err := loopback.Dial(t, s.Addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitClosed(); err != nil {
		t.Errorf("a client whose handle returned at once: %v, want its connection closed", err)
	}
}

func TestFlakyListener_FailsThenDelegates(t *testing.T) {
	ln := loopback.FlakyListener(loopback.Listen(t), 3)
	for i := range 3 {
		_, err := ln.Accept()
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, loopback.ErrInjected) || errors.Is(err, net.ErrClosed) {
			t.Fatalf("Accept() #%d = %v, want a temporary net.Error wrapping ErrInjected", i+1, err)
		}
		if tmp, ok := err.(interface{ Temporary() bool }); !ok || !tmp.Temporary() {
			t.Fatalf("Accept() #%d = %v: Temporary() should report true", i+1, err)
		}
	}
	go net.Dial("tcp", ln.Addr().String())
	c, err := ln.Accept()
	if err != nil {
		t.Fatalf("Accept() #4 = %v, want a connection", err)
	}
	c.Close()
}

func TestTrack_CountsCallsInProgressAndLingers(t *testing.T) {
	tl := loopback.Track(loopback.Listen(t), 30*time.Millisecond)
	go func() {
		c, err := loopback.Dial(t, tl.Addr().String())
		if err == nil {
			c.Close()
		}
	}()
	c, err := tl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		io.Copy(io.Discard, c)
	}()
	<-readDone // the client closed: the read saw EOF and lingered before returning
	if n := tl.Busy(); n != 0 {
		t.Errorf("Busy() after the read returned = %d, want 0", n)
	}
	c.Close()
	start := time.Now()
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("Read on a closed connection succeeded")
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("a failed Read returned after %v, want at least the 30ms linger", d)
	}
	if _, ok := c.(interface{ CloseWrite() error }); !ok {
		t.Errorf("tracked connection lost CloseWrite")
	}
}

func TestMisbehavingClients(t *testing.T) {
	type result struct {
		data string
		err  error
	}
	results := make(chan result, 8)
	s := loopback.Start(t, loopback.EachConn(func(c net.Conn) {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		b, err := io.ReadAll(io.LimitReader(c, 100<<10))
		results <- result{string(b), err}
	}), nil)

	if err := loopback.HalfLineThenReset(t, s.Addr, "0123456789\n"); err != nil {
		t.Fatal(err)
	}
	if r := <-results; !errors.Is(r.err, syscall.ECONNRESET) || !strings.HasPrefix("01234", r.data) {
		t.Errorf("server after HalfLineThenReset read %q, %v; want a prefix of %q and a reset", r.data, r.err, "01234")
	}

	c, err := loopback.Flood(t, s.Addr, 100<<10)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if r := <-results; r.err != nil || r.data != strings.Repeat("x", 100<<10) {
		t.Errorf("server after Flood(100 KiB) read %d bytes, %v", len(r.data), r.err)
	}

	nr, err := loopback.NeverReads(t, s.Addr, strings.Repeat("line\n", 100<<10/5))
	if err != nil {
		t.Fatal(err)
	}
	if r := <-results; r.err != nil || len(r.data) != 100<<10 {
		t.Errorf("server after NeverReads(100 KiB) read %d bytes, %v", len(r.data), r.err)
	}
	nr.Close()

	silent, err := loopback.Silent(t, s.Addr, loopback.WithTimeout(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	silent.Close()
	if r := <-results; r.err != nil || r.data != "" {
		t.Errorf("server after Silent read %q, %v; want nothing", r.data, r.err)
	}
}

func TestClosedAddr_IsRefusedAtOnce(t *testing.T) {
	addr := loopback.ClosedAddr(t)
	if _, err := loopback.Dial(t, addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("Dial(ClosedAddr) = %v, want connection refused", err)
	}
}
