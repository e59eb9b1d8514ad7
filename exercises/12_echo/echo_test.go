package echo_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	echo "github.com/kata-go/concurrency/exercises/12_echo"
	"github.com/kata-go/concurrency/harness"
	"github.com/kata-go/concurrency/harness/loopback"
)

func TestMain(m *testing.M) { harness.Main(m) }

// bound is how long a test waits for something that a correct solution does at once. It is
// only ever reached by a wrong solution.
const bound = 3 * time.Second

// start runs echo.Serve on ln (a new loopback listener when nil) with a context that cleanup
// cancels; Serve must then return nil.
func start(t *testing.T, ln net.Listener) (s *loopback.Server, cancel context.CancelFunc) {
	t.Helper()
	if ln == nil {
		ln = loopback.Listen(t)
	}
	// Not t.Context(): it ends with the test, and would hide a Serve that leaks.
	ctx, cancel := context.WithCancel(context.Background())
	s = loopback.StartOn(t, ln, func(ln net.Listener) error { return echo.Serve(ctx, ln) }, cancel)
	return s, cancel
}

func dial(t *testing.T, addr string) *loopback.Conn {
	t.Helper()
	c, err := loopback.Dial(t, addr)
	require.NoError(t, err, "dialling the server: is Serve accepting connections?")
	return c
}

// randomLines returns n lines of random printable text, each shorter than max bytes.
func randomLines(r *rand.Rand, n, max int) []string {
	const letters = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:!?-"
	lines := make([]string, n)
	for i := range lines {
		b := make([]byte, r.IntN(max))
		for j := range b {
			b[j] = letters[r.IntN(len(letters))]
		}
		lines[i] = string(b)
	}
	return lines
}

func short(s string) string {
	if len(s) > 60 {
		return fmt.Sprintf("%q... (%d bytes)", s[:40], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// Task 1: Serve.

func TestServe_EchoesEachLineAsItArrives(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s, _ := start(t, nil)
		c := dial(t, s.Addr)
		lines := append([]string{"hello from the client!", ""}, randomLines(harness.Rand(t), 5, 200)...)
		for _, line := range lines {
			require.NoError(t, c.WriteLine(line))
			got, err := c.ReadLine()
			require.NoError(t, err, "reading the echo of %s before sending anything else: echo each line as soon as it has arrived", short(line))
			assert.Equal(t, line, got, "the echo of one line")
		}
		require.NoError(t, c.CloseWrite())
		rest, err := c.ReadAll()
		assert.NoError(t, err, "after the client half-closes, the server must close the connection")
		assert.Empty(t, rest, "nothing more should come after the echoes")
	})
}

func TestServe_HalfCloseGetsEverythingThenEOF(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s, _ := start(t, nil)
		lines := randomLines(harness.Rand(t), 50, 300)
		sent := strings.Join(lines, "\n") + "\nand a final line without a newline"
		c := dial(t, s.Addr)
		require.NoError(t, c.WriteString(sent))
		require.NoError(t, c.CloseWrite())
		got, err := c.ReadAll()
		require.NoError(t, err, "reading to EOF after CloseWrite: the server must echo everything, then close")
		assert.Equal(t, sent, got, "50 lines and a final line without a newline, written at once, then CloseWrite: the echo must be all of it, as it came")
	})
}

func TestServe_ManyClientsEachGetTheirOwnBytes(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s, _ := start(t, nil)
		const clients = 30
		r := harness.Rand(t)
		sent := make([]string, clients)
		for i := range sent {
			lines := randomLines(r, 1+r.IntN(20), 500)
			lines[0] = fmt.Sprintf("client %d", i)
			if i < 2 {
				lines = append(lines, strings.Repeat(fmt.Sprint(i), 1<<20)) // a 1 MiB line
			}
			sent[i] = strings.Join(lines, "\n") + "\n"
		}
		got := make([]string, clients)
		errs := make([]error, clients)
		var wg sync.WaitGroup
		for i := range clients {
			wg.Go(func() {
				c, err := loopback.Dial(t, s.Addr)
				if err != nil {
					errs[i] = err
					return
				}
				defer c.Close()
				got[i], errs[i] = c.RoundTrip(sent[i])
			})
		}
		wg.Wait()
		for i := range clients {
			if !assert.NoError(t, errs[i], "client %d", i) {
				continue
			}
			if got[i] != sent[i] {
				t.Errorf("client %d sent %d bytes starting %s and got back %d bytes starting %s: every client must get exactly its own bytes",
					i, len(sent[i]), short(sent[i]), len(got[i]), short(got[i]))
			}
		}
	})
}

func TestServe_ClientThatNeverReadsDoesNotStallOthers(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s, _ := start(t, nil)
		// 16 MiB of lines, far more than the kernel buffers: its echo soon blocks the server's
		// writes to this client.
		_, err := loopback.NeverReads(t, s.Addr, strings.Repeat(strings.Repeat("z", 1023)+"\n", 16<<10))
		require.NoError(t, err, "a client that never reads connecting")
		for i := range 5 {
			c := dial(t, s.Addr)
			msg := fmt.Sprintf("client %d is not stuck\n", i)
			got, err := c.RoundTrip(msg)
			require.NoError(t, err, "client %d after a client that never reads its echoes: serve each connection in its own goroutine", i)
			assert.Equal(t, msg, got, "client %d's echo", i)
		}
	})
}

// Task 2: Request.

// startUntilEOF starts a server that reads each connection to EOF (so it answers only a client
// that half-closes), then writes back everything it read and closes.
func startUntilEOF(t *testing.T) *loopback.Server {
	t.Helper()
	return loopback.Start(t, func(ln net.Listener) error {
		var wg sync.WaitGroup
		defer wg.Wait()
		for {
			c, err := ln.Accept()
			if err != nil {
				return nil
			}
			wg.Go(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(bound))
				b, err := io.ReadAll(c)
				if err == nil {
					c.Write(b)
				}
			})
		}
	}, nil)
}

func TestRequest_HalfClosesAndReturnsTheReplyWithoutTheFinalNewline(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s := startUntilEOF(t)
		ctx, cancel := context.WithTimeout(context.Background(), bound)
		defer cancel()
		for _, msg := range []string{
			"hello from the client!",
			fmt.Sprintf("line one %d\nline two", harness.Rand(t).IntN(1e6)),
			"",
		} {
			got, err := echo.Request(ctx, s.Addr, msg)
			require.NoError(t, err, "Request(%q) to a server that answers once the client half-closes: did you call CloseWrite?", msg)
			assert.Equal(t, msg, got, "Request(%q)", msg)
		}
	})
}

func TestRequest_GivesUpInTime(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		t.Run("a closed port fails at once", func(t *testing.T) {
			addr := loopback.ClosedAddr(t)
			errc := make(chan error, 1)
			go func() {
				_, err := echo.Request(context.Background(), addr, "hello?")
				errc <- err
			}()
			select {
			case err := <-errc:
				assert.Error(t, err, "Request to %s, where nobody listens", addr)
			case <-time.After(bound):
				t.Fatalf("Request to a port nobody listens on was still running after %v: a refused dial is an error at once", bound)
			}
		})
		t.Run("deadline against a server that never answers", func(t *testing.T) {
			addr := loopback.NeverAnswers(t)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			errc := make(chan error, 1)
			go func() {
				_, err := echo.Request(ctx, addr, "anyone there?")
				errc <- err
			}()
			select {
			case err := <-errc:
				assert.ErrorIs(t, err, context.DeadlineExceeded, "Request to a server that never answers, ctx deadline 50ms: the error must match ctx.Err()")
			case <-time.After(bound):
				t.Fatalf("Request to a server that never answers was still waiting %v after its ctx deadline (50ms)", bound)
			}
		})
		t.Run("cancelled while waiting", func(t *testing.T) {
			addr := loopback.NeverAnswers(t)
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() {
				_, err := echo.Request(ctx, addr, "anyone there?")
				errc <- err
			}()
			cancel()
			select {
			case err := <-errc:
				assert.ErrorIs(t, err, context.Canceled, "Request to a server that never answers, ctx cancelled: the error must match ctx.Err()")
			case <-time.After(bound):
				t.Fatalf("Request to a server that never answers was still waiting %v after its ctx was cancelled", bound)
			}
		})
	})
}

func TestRequest_AgainstServe(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s, _ := start(t, nil)
		ctx, cancel := context.WithTimeout(context.Background(), bound)
		defer cancel()
		msgs := randomLines(harness.Rand(t), 20, 1000)
		got := make([]string, len(msgs))
		errs := make([]error, len(msgs))
		var wg sync.WaitGroup
		for i := range msgs {
			msgs[i] = fmt.Sprint(i, " ", msgs[i])
			wg.Go(func() { got[i], errs[i] = echo.Request(ctx, s.Addr, msgs[i]) })
		}
		wg.Wait()
		for i := range msgs {
			if assert.NoError(t, errs[i], "Request #%d against Serve", i) {
				assert.Equal(t, msgs[i], got[i], "Request #%d against Serve", i)
			}
		}
	})
}

// Task 3: stopping.

func TestServe_CancelClosesEverythingAndWaitsForItsGoroutines(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		tl := loopback.Track(loopback.Listen(t), 100*time.Millisecond)
		s, cancel := start(t, tl)

		idle := dial(t, s.Addr)
		require.NoError(t, idle.WriteLine("ping"))
		got, err := idle.ReadLine()
		require.NoError(t, err, "the echo of ping")
		require.Equal(t, "ping", got)
		stuck, err := loopback.NeverReads(t, s.Addr, strings.Repeat(strings.Repeat("w", 1023)+"\n", 16<<10))
		require.NoError(t, err)
		half := dial(t, s.Addr)
		require.NoError(t, half.WriteString("half a line"))

		cancel()
		err = s.Wait()
		require.NoError(t, err, "Serve after its ctx was cancelled: it must close everything and return nil")
		assert.Zero(t, tl.Busy(), "Serve returned while its connection goroutines were still reading or writing: it must wait for every goroutine it started")
		assert.NoError(t, idle.WaitClosed(), "an idle client after ctx was cancelled: its connection must be closed")
		assert.NoError(t, half.WaitClosed(), "a client in the middle of a line after ctx was cancelled: its connection must be closed")
		assert.NoError(t, stuck.WaitClosed(), "a client that never reads (the server is stuck writing to it) after ctx was cancelled: its connection must be closed")
		_, err = net.DialTimeout("tcp", s.Addr, bound)
		assert.Error(t, err, "dialling after Serve returned: the listener must be closed")
	})
}

func TestServe_ReturnsTheErrorWhenAcceptFails(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		ln := loopback.Listen(t)
		s, _ := start(t, ln)
		c := dial(t, s.Addr)
		require.NoError(t, c.WriteLine("ping"))
		_, err := c.ReadLine()
		require.NoError(t, err, "the echo of ping")

		ln.Close() // not through ctx: Accept fails
		select {
		case <-s.Done():
			assert.Error(t, s.Wait(), "Serve after its listener was closed under it (ctx not done): it must return Accept's error")
		case <-time.After(bound):
			t.Fatalf("Serve was still running %v after its listener was closed under it", bound)
		}
		assert.NoError(t, c.WaitClosed(), "a client's connection after Serve returned: it must be closed")
		s.Close() // the error was checked above
	})
}
