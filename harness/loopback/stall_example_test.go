package loopback_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/kata-go/concurrency/harness/loopback"
)

// A server that writes to a client that never reads waits in Write: StuckWrites makes that
// certain for one connection, without filling the kernel's buffers first. The server gives up
// with a write deadline.
func ExampleStuckWrites() {
	t := &exampleTB{}
	defer t.done()
	ln := loopback.StuckWrites(loopback.Listen(t), 1)
	if _, err := loopback.Dial(t, ln.Addr().String()); err != nil {
		fmt.Println(err)
		return
	}
	conn, err := ln.Accept()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	conn.SetWriteDeadline(time.Now())
	_, err = io.WriteString(conn, "hello\n")
	fmt.Println(errors.Is(err, os.ErrDeadlineExceeded))
	// Output: true
}

// A connection that arrives while the server stops: HoldAccept holds it inside Accept until
// the listener has been closed.
func ExampleHoldAccept() {
	t := &exampleTB{}
	defer t.done()
	hl := loopback.HoldAccept(t, loopback.Listen(t))
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := hl.Accept()
		accepted <- c
	}()
	if _, err := loopback.Dial(t, hl.Addr().String()); err != nil {
		fmt.Println(err)
		return
	}
	<-hl.Accepted() // the connection has arrived, and Accept holds it
	hl.Close()      // the server stops meanwhile
	<-hl.Closed()
	hl.Release() // now Accept returns the connection, to a server that has stopped
	c := <-accepted
	fmt.Println(c != nil)
	c.Close()
	// Output: true
}
