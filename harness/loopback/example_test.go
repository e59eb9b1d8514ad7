package loopback_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kata-go/concurrency/harness/loopback"
)

// exampleTB stands in for the *testing.T of a real test: it runs the cleanups when the
// example calls done. In a test, pass t and let the test run them.
type exampleTB struct {
	testing.TB
	cleanups []func()
}

func (e *exampleTB) Helper()                           {}
func (e *exampleTB) Cleanup(f func())                  { e.cleanups = append(e.cleanups, f) }
func (e *exampleTB) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }
func (e *exampleTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (e *exampleTB) done() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}

// upperServe answers each connection's first line in upper case, until ctx is done.
func upperServe(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		line, _ := bufio.NewReader(c).ReadString('\n')
		fmt.Fprintln(c, strings.ToUpper(line[:len(line)-1]))
		c.Close()
	}
}

func ExampleStart() {
	t := &exampleTB{}
	defer t.done()
	ctx, cancel := context.WithCancel(context.Background())
	s := loopback.Start(t, func(ln net.Listener) error { return upperServe(ctx, ln) }, cancel,
		loopback.WithExpected(context.Canceled))
	defer s.Close()

	c, err := loopback.Dial(t, s.Addr)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	c.WriteLine("ok")
	reply, err := c.ReadLine()
	fmt.Println(reply, err)
	// Output: OK <nil>
}

func ExampleFlakyListener() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	flaky := loopback.FlakyListener(ln, 2)
	defer flaky.Close()
	for range 2 {
		_, err := flaky.Accept()
		var ne net.Error
		fmt.Println(errors.As(err, &ne) && ne.Timeout(), errors.Is(err, net.ErrClosed))
	}
	// Output:
	// true false
	// true false
}

func ExampleConn_WaitClosed() {
	t := &exampleTB{}
	defer t.done()
	// A server that closes every connection it is given after 10ms of silence.
	s := loopback.Start(t, func(ln net.Listener) error {
		for {
			c, err := ln.Accept()
			if err != nil {
				return nil
			}
			c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
			c.Read(make([]byte, 1))
			c.Close()
		}
	}, nil)
	defer s.Close()

	c, err := loopback.Silent(t, s.Addr)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	fmt.Println(c.WaitClosed())
	// Output: <nil>
}

func ExampleNeverAnswers() {
	t := &exampleTB{}
	defer t.done()
	addr := loopback.NeverAnswers(t)
	c, err := loopback.Dial(t, addr, loopback.WithTimeout(20*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	c.WriteLine("anyone there?")
	_, err = c.ReadLine()
	fmt.Println(err != nil)
	// Output: true
}
