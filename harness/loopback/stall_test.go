package loopback_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
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

func TestStuckWrites_OnlyTheNthConnectionsWritesWaitUntilClosed(t *testing.T) {
	ln := loopback.StuckWrites(loopback.Listen(t), 2)
	clients := make([]*loopback.Conn, 3)
	for i := range clients {
		c, err := loopback.Dial(t, ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = c
	}
	first, stuck, third := accept(t, ln), accept(t, ln), accept(t, ln)
	for i, c := range []net.Conn{first, third} {
		if _, err := io.WriteString(c, "through\n"); err != nil {
			t.Fatalf("connection %d: Write: %v", 2*i+1, err)
		}
		if line, err := clients[2*i].ReadLine(); line != "through" || err != nil {
			t.Errorf("connection %d: the client read %q, %v; want \"through\", nil", 2*i+1, line, err)
		}
	}

	written := make(chan error, 1)
	go func() {
		_, err := io.WriteString(stuck, "never")
		written <- err
	}()
	if !harness.Poll(func() bool { return len(harness.Blocked(loopback.StuckWriteFunc)) > 0 }) {
		t.Fatalf("no goroutine was blocked in %s within %v", loopback.StuckWriteFunc, harness.Bound())
	}
	select {
	case err := <-written:
		t.Fatalf("Write on the stuck connection returned %v before it was closed", err)
	default:
	}
	stuck.Close()
	if err := <-written; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write on the stuck connection, once closed = %v, want net.ErrClosed", err)
	}
}

func TestStuckWrites_AWriteDeadlineThatHasPassedEndsTheWait(t *testing.T) {
	ln := loopback.StuckWrites(loopback.Listen(t), 1)
	if _, err := loopback.Dial(t, ln.Addr().String()); err != nil {
		t.Fatal(err)
	}
	stuck := accept(t, ln)
	stuck.SetWriteDeadline(time.Now().Add(time.Hour)) // in the future: no effect
	written := make(chan error, 1)
	go func() {
		_, err := io.WriteString(stuck, "never")
		written <- err
	}()
	if !harness.Poll(func() bool { return len(harness.Blocked(loopback.StuckWriteFunc)) > 0 }) {
		t.Fatalf("no goroutine was blocked in %s within %v", loopback.StuckWriteFunc, harness.Bound())
	}
	stuck.SetDeadline(time.Now())
	if err := <-written; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Write on the stuck connection once its deadline passed = %v, want os.ErrDeadlineExceeded", err)
	}
}

func TestHoldAccept_HoldsTheFirstConnectionUntilRelease(t *testing.T) {
	hl := loopback.HoldAccept(t, loopback.Listen(t))
	if _, err := loopback.Dial(t, hl.Addr().String()); err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := hl.Accept()
		accepted <- c
	}()
	select {
	case <-hl.Accepted():
	case <-time.After(harness.Bound()):
		t.Fatalf("Accepted was not closed within %v of a dial", harness.Bound())
	}
	select {
	case <-accepted:
		t.Fatal("Accept returned before Release")
	case <-hl.Closed():
		t.Fatal("Closed was closed before Close")
	default:
	}
	hl.Close()
	<-hl.Closed()
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
	client, err := loopback.Dial(t, hl.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server := accept(t, hl)
	client.WriteString("x")
	buf := make([]byte, 8)
	if n, err := server.Read(buf); n != 1 || err != nil {
		t.Fatalf("a Read that gets data = %d, %v; want 1, nil (not held)", n, err)
	}
	read := make(chan error, 1)
	go func() {
		_, err := server.Read(buf)
		read <- err
	}()
	client.Close()
	select {
	case <-hl.Held():
	case <-time.After(harness.Bound()):
		t.Fatalf("Held was not closed within %v of the client closing", harness.Bound())
	}
	select {
	case err := <-read:
		t.Fatalf("the failed Read returned %v before Release", err)
	default:
	}
	hl.Release()
	if err := <-read; !errors.Is(err, io.EOF) {
		t.Errorf("the held Read after Release = %v, want io.EOF", err)
	}
}

func TestHoldDataRead_HoldsTheFirstReadThatGetsData(t *testing.T) {
	hl := loopback.HoldDataRead(t, loopback.Listen(t))
	client, err := loopback.Dial(t, hl.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server := accept(t, hl)
	read := make(chan string, 1)
	go func() {
		buf := make([]byte, 8)
		n, _ := server.Read(buf)
		read <- string(buf[:n])
	}()
	client.WriteString("line\n")
	select {
	case <-hl.Held():
	case <-time.After(harness.Bound()):
		t.Fatalf("Held was not closed within %v of the client writing", harness.Bound())
	}
	select {
	case got := <-read:
		t.Fatalf("the Read returned %q before Release", got)
	default:
	}
	hl.Release()
	if got := <-read; got != "line\n" {
		t.Errorf("the held Read after Release got %q, want %q", got, "line\n")
	}
}
