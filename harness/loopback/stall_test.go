package loopback_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kata-go/concurrency/harness"
	"github.com/kata-go/concurrency/harness/loopback"
)

func TestFullQueue_ADialWaitsUntilItsContextEnds(t *testing.T) {
	addr := loopback.FullQueue(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err == nil {
		c.Close()
		if runtime.GOOS == "linux" {
			t.Fatalf("a dial of FullQueue's address %s connected; want it to wait until its context ends", addr)
		}
		t.Skipf("on %s a listener's queue does not shrink: the dial connected, as FullQueue's doc says", runtime.GOOS)
	}
	if ne := (net.Error)(nil); !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("a dial of FullQueue's address with a 50ms context = %v, want a timeout", err)
	}
}

func TestStuckWrites_OnlyTheNthConnectionsWritesWaitUntilClosed(t *testing.T) {
	ln := loopback.StuckWrites(loopback.Listen(t), 2)
	clients := []*loopback.Conn{dial(t, ln), dial(t, ln), dial(t, ln)}
	first, stuck, third := accept(t, ln), accept(t, ln), accept(t, ln)
	for i, c := range []net.Conn{first, third} {
		if _, err := io.WriteString(c, "through\n"); err != nil {
			t.Fatalf("connection %d: Write: %v", 2*i+1, err)
		}
		if line, err := clients[2*i].ReadLine(); line != "through" || err != nil {
			t.Errorf("connection %d: the client read %q, %v; want \"through\", nil", 2*i+1, line, err)
		}
	}
	written := goWrite(t, stuck)
	notYet(t, written, "Write on the stuck connection, before it was closed")
	stuck.Close()
	if err := <-written; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write on the stuck connection, once closed = %v, want net.ErrClosed", err)
	}
}

func TestStuckWrites_AWriteDeadlineThatHasPassedEndsTheWait(t *testing.T) {
	ln := loopback.StuckWrites(loopback.Listen(t), 1)
	dial(t, ln)
	stuck := accept(t, ln)
	stuck.SetWriteDeadline(time.Now().Add(time.Hour)) // in the future: no effect
	written := goWrite(t, stuck)
	stuck.SetDeadline(time.Now())
	if err := <-written; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Write on the stuck connection once its deadline passed = %v, want os.ErrDeadlineExceeded", err)
	}
}

func TestHoldAccept_HoldsTheFirstConnectionUntilRelease(t *testing.T) {
	hl := loopback.HoldAccept(t, loopback.Listen(t))
	dial(t, hl)
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := hl.Accept()
		accepted <- c
	}()
	waitFor(t, hl.Accepted(), "Accepted, after a dial")
	notYet(t, accepted, "Accept, before Release")
	notYet(t, hl.Closed(), "Closed, before Close")
	hl.Close()
	waitFor(t, hl.Closed(), "Closed, after Close")
	hl.Release()
	hl.Release() // a second call does nothing
	c := <-accepted
	if c == nil {
		t.Fatal("the held Accept returned no connection after Release")
	}
	c.Close()
}

func TestHoldFailedRead_HoldsTheFirstFailedReadUntilRelease(t *testing.T) {
	hl := loopback.HoldFailedRead(t, loopback.Listen(t))
	client := dial(t, hl)
	server := accept(t, hl)
	client.WriteString("x")
	if got := <-goRead(server); got.n != 1 || got.err != nil {
		t.Fatalf("a Read that gets data = %d, %v; want 1, nil (not held)", got.n, got.err)
	}
	read := goRead(server)
	client.Close()
	waitFor(t, hl.Held(), "Held, after the client closed")
	notYet(t, read, "the failed Read, before Release")
	hl.Release()
	if got := <-read; !errors.Is(got.err, io.EOF) {
		t.Errorf("the held Read after Release = %v, want io.EOF", got.err)
	}
}

func TestHoldDataRead_HoldsTheFirstReadThatGetsData(t *testing.T) {
	hl := loopback.HoldDataRead(t, loopback.Listen(t))
	client := dial(t, hl)
	read := goRead(accept(t, hl))
	client.WriteString("line\n")
	waitFor(t, hl.Held(), "Held, after the client wrote")
	notYet(t, read, "the Read, before Release")
	hl.Release()
	if got := <-read; got.data != "line\n" {
		t.Errorf("the held Read after Release got %q, want %q", got.data, "line\n")
	}
}

func TestFuncs_AreWhereNetworkCallsWait(t *testing.T) {
	t.Run("DialFunc", func(t *testing.T) {
		addr := loopback.FullQueue(t)
		ctx, cancel := context.WithCancel(context.Background())
		dialled := make(chan struct{})
		go func() {
			defer close(dialled)
			var d net.Dialer
			if c, err := d.DialContext(ctx, "tcp", addr); err == nil {
				c.Close()
			}
		}()
		defer func() { cancel(); <-dialled }()
		if harness.PollBlocked(dialled, "loopback_test.", loopback.DialFunc) == "" {
			select {
			case <-dialled:
				t.Skipf("on %s a listener's queue does not shrink: the dial connected, as FullQueue's doc says", runtime.GOOS)
			default:
			}
			t.Fatalf("a dial of FullQueue's address was not blocked in %s within %v", loopback.DialFunc, harness.Bound())
		}
	})
	t.Run("ReadFunc", func(t *testing.T) {
		ln := loopback.Listen(t)
		client, server := dial(t, ln), accept(t, ln)
		read := goRead(server)
		waitBlockedIn(t, loopback.ReadFunc, "a Read with nothing to read")
		client.Close()
		<-read
	})
	t.Run("WriteFunc", func(t *testing.T) {
		ln := loopback.Listen(t)
		dial(t, ln) // a client that never reads
		server := accept(t, ln)
		written := goWriteAll(server)
		waitBlockedIn(t, loopback.WriteFunc, "a Write of 16 MiB to a client that never reads")
		server.Close()
		<-written
	})
	t.Run("SpliceFunc", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skipf("io.Copy splices only on Linux, not on %s", runtime.GOOS)
		}
		ln := loopback.Listen(t)
		dial(t, ln) // a client that never reads
		dst := accept(t, ln)
		// src's peer writes 16 MiB, and io.Copy(dst, src) splices them until dst is full.
		srcLn := loopback.Listen(t)
		peer, err := net.Dial("tcp", srcLn.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { peer.Close() })
		src := accept(t, srcLn)
		written := goWriteAll(peer)
		copied := make(chan struct{})
		go func() {
			defer close(copied)
			io.Copy(dst, src)
		}()
		waitBlockedIn(t, loopback.SpliceFunc, "io.Copy of 16 MiB between two TCP connections, to a client that never reads")
		dst.Close()
		peer.Close()
		<-copied
		<-written
	})
}

// Helpers.

// dial connects to ln, or fails t.
func dial(t *testing.T, ln net.Listener) *loopback.Conn {
	t.Helper()
	c, err := loopback.Dial(t, ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// accept returns ln's next connection, closed at cleanup.
func accept(t *testing.T, ln net.Listener) net.Conn {
	t.Helper()
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// goWrite writes to c, a stuck connection of StuckWrites, in a goroutine of its own, and
// returns once that goroutine is blocked in the Write; the channel gets the Write's error.
func goWrite(t *testing.T, c net.Conn) <-chan error {
	t.Helper()
	written := make(chan error, 1)
	go func() {
		_, err := io.WriteString(c, "never")
		written <- err
	}()
	if !harness.Poll(func() bool { return len(harness.Blocked(loopback.StuckWriteFunc)) > 0 }) {
		t.Fatalf("no goroutine was blocked in %s within %v", loopback.StuckWriteFunc, harness.Bound())
	}
	return written
}

// goWriteAll writes 16 MiB to c in a goroutine of its own, far more than the kernel buffers;
// the channel is closed when the Write has returned.
func goWriteAll(c net.Conn) <-chan struct{} {
	written := make(chan struct{})
	go func() {
		defer close(written)
		io.WriteString(c, strings.Repeat("w", 16<<20))
	}()
	return written
}

// waitBlockedIn waits until a goroutine of this test is blocked in frame, or fails t.
func waitBlockedIn(t *testing.T, frame, what string) {
	t.Helper()
	if harness.PollBlocked(nil, "loopback_test.", frame) == "" {
		t.Fatalf("%s: no goroutine was blocked in %s within %v", what, frame, harness.Bound())
	}
}

type readResult struct {
	data string
	n    int
	err  error
}

// goRead reads once from c in a goroutine of its own.
func goRead(c net.Conn) <-chan readResult {
	read := make(chan readResult, 1)
	go func() {
		buf := make([]byte, 8)
		n, err := c.Read(buf)
		read <- readResult{string(buf[:n]), n, err}
	}()
	return read
}

// waitFor waits until ch is closed, or fails t after harness.Bound.
func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(harness.Bound()):
		t.Fatalf("%s: not closed within %v", what, harness.Bound())
	}
}

// notYet fails t when ch has something to receive, or is closed, already.
func notYet[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("%s: already happened (%v)", what, v)
	default:
	}
}
