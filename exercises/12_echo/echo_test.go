package echo_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	echo "github.com/kata-go/concurrency/exercises/12_echo"
	"github.com/kata-go/concurrency/harness"
	"github.com/kata-go/concurrency/harness/loopback"
)

func TestMain(m *testing.M) { harness.Main(m) }

// Task 1: Serve.

func TestServe_EchoesEachLineAsItArrives(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s := start(t)
		c := dial(t, s.Addr)
		lines := []string{
			"hello from the client!",
			"",
			"  spaces around it  ",
			"a line that ends in a carriage return\r",
			"\ttabs\tinside\t",
		}
		lines = append(lines, randomLines(harness.Rand(t), 5, 200)...)
		for _, line := range lines {
			require.NoError(t, c.WriteLine(line))
			got, err := c.ReadLine()
			require.NoError(t, err, "reading the echo of %s before sending anything else: echo each line as soon as it has arrived", short(line))
			assert.Equal(t, line, got, "the echo of the line %s: every byte of it, as it came", short(line))
		}
		require.NoError(t, c.CloseWrite())
		rest, err := c.ReadAll()
		assert.NoError(t, err, "after the client half-closes, the server must close the connection")
		assert.Empty(t, rest, "after the client half-closed right after a \"\\n\": nothing more should come (there is no final line to echo)")
	})
}

func TestServe_HalfCloseGetsEverythingThenEOF(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s := start(t)
		lines := randomLines(harness.Rand(t), 50, 300)
		for _, final := range []string{"and a final line without a newline", "x", "a final carriage return\r"} {
			sent := strings.Join(lines, "\n") + "\n" + final
			c := dial(t, s.Addr)
			require.NoError(t, c.WriteString(sent))
			require.NoError(t, c.CloseWrite())
			got, err := c.ReadAll()
			require.NoError(t, err, "reading to EOF after CloseWrite: the server must echo everything, then close")
			assert.Equal(t, sent, got, "50 lines and the final line %q without a newline, written at once, then CloseWrite: the echo must be all of it, as it came", final)
		}
	})
}

func TestServe_ClosesAConnectionThatSentNothing(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s := start(t)
		c := dial(t, s.Addr)
		require.NoError(t, c.CloseWrite())
		got, err := c.ReadAll()
		require.NoError(t, err, "a client that half-closes without sending anything: the server must close the connection")
		assert.Empty(t, got, "a client that sent nothing: the server must send nothing back")
	})
}

func TestServe_ManyClientsEachGetTheirOwnBytes(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s := start(t)
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

func TestServe_ServesManyOpenConnectionsAtOnce(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s := start(t)
		// Every connection stays open while the next one is served: a server that serves only
		// so many connections at a time never answers the ones after those.
		const clients = 64
		conns := make([]*loopback.Conn, clients)
		for i := range conns {
			conns[i] = dial(t, s.Addr)
			line := fmt.Sprintf("client %d of %d, all open", i+1, clients)
			require.NoError(t, conns[i].WriteLine(line))
			got, err := conns[i].ReadLine()
			require.NoError(t, err, "the echo for client %d while %d earlier clients keep their connections open: serve every connection in a goroutine of its own", i+1, i)
			assert.Equal(t, line, got, "the echo for client %d", i+1)
		}
	})
}

func TestServe_ClientThatNeverReadsDoesNotStallOthers(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s := startOn(t, smallSendBuffers{loopback.Listen(t)})
		// 4 MiB of lines, far more than the kernel buffers: its echo soon blocks the server's
		// writes to this client.
		_, err := loopback.NeverReads(t, s.Addr, strings.Repeat(strings.Repeat("z", 1023)+"\n", 4<<10))
		require.NoError(t, err, "a client that never reads connecting")
		require.NotEmpty(t, harness.PollBlocked(s.Done(), echoCode, loopback.WriteFunc, loopback.SpliceFunc), "the server never blocked writing to a client that never reads its echoes (is Serve running?)")
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

func TestRequest_WritesTheMessageAndANewlineThenHalfCloses(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		for _, msg := range []string{
			"hello from the client!",
			fmt.Sprintf("line one %d\nline two", harness.Rand(t).IntN(1e6)),
			"",
			"ends with a newline already\n",
		} {
			s, received := startUntilEOF(t, echoBack)
			ctx, cancel := context.WithTimeout(context.Background(), harness.Bound())
			got, err := echo.Request(ctx, s.Addr, msg)
			cancel()
			require.NoError(t, err, "Request(%q) to a server that answers once the client half-closes: did you call CloseWrite?", msg)
			select {
			case b := <-received:
				assert.Equal(t, msg+"\n", b, "what the server read from Request(%q) before EOF: msg and \"\\n\"", msg)
			default:
				t.Fatalf("Request(%q) returned %q, but the server never read to EOF", msg, got)
			}
		}
	})
}

func TestRequest_ReturnsTheReplyWithoutItsFinalNewline(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		big := strings.Repeat("0123456789abcde\n", 1<<16) // 1 MiB, more than the kernel buffers
		for _, tc := range []struct{ reply, want string }{
			{"pong\n", "pong"},
			{"no newline at the end", "no newline at the end"},
			{"two newlines\n\n", "two newlines\n"},
			{"  spaces around it  \n", "  spaces around it  "},
			{"a carriage return\r\n", "a carriage return\r"},
			{"line one\nline two\n", "line one\nline two"},
			{"\n", ""},
			{"", ""},
			{big, big[:len(big)-1]},
		} {
			answer := func([]byte) string { return tc.reply }
			s, _ := startUntilEOF(t, answer)
			ctx, cancel := context.WithTimeout(context.Background(), harness.Bound())
			got, err := echo.Request(ctx, s.Addr, "ping")
			cancel()
			require.NoError(t, err, "Request to a server that answers %s once the client half-closes", short(tc.reply))
			assert.Equal(t, tc.want, got, "Request's result when the server answers %s and closes: all of it, without its final \"\\n\" (only that one)", short(tc.reply))
		}
	})
}

func TestRequest_FailsAtOnceOnARefusedDial(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s, _ := startUntilEOF(t, echoBack)
		ctx, cancel := context.WithTimeout(context.Background(), harness.Bound())
		defer cancel()
		_, err := echo.Request(ctx, s.Addr, "is anybody there?")
		require.NoError(t, err, "Request to a server that answers once the client half-closes")

		addr := loopback.ClosedAddr(t)
		r := goRequest(context.Background(), addr, "hello?")
		harness.Receive(t, r.done, "Request to a port nobody listens on was still running after %v: a refused dial is an error at once", harness.Bound())
		assert.Error(t, r.err, "Request to %s, where nobody listens", addr)
	})
}

func TestRequest_GivesUpAtItsDeadline(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		addr := loopback.NeverAnswers(t)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		r := goRequest(ctx, addr, "anyone there?")
		harness.Receive(t, r.done, "Request to a server that never answers was still waiting %v after its ctx deadline (50ms)", harness.Bound())
		require.Error(t, r.err, "Request to a server that never answers, ctx deadline 50ms")
		assert.ErrorIs(t, r.err, context.DeadlineExceeded, "Request to a server that never answers, ctx deadline 50ms: the error must match ctx.Err()")
	})
}

// The tests below prove that Request is blocked where they say before they cancel its ctx.

func TestRequest_CancelledWhileDialling(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		cancelWhileBlocked(t, loopback.FullQueue(t), "hello?", "dialling a server whose queue of connections is full", loopback.DialFunc, loopback.ReadFunc, loopback.WriteFunc)
	})
}

func TestRequest_CancelledWhileWriting(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		// 16 MiB that the server never reads: the write cannot finish.
		cancelWhileBlocked(t, loopback.NeverAnswers(t), strings.Repeat("w", 16<<20), "writing 16 MiB to a server that never reads", loopback.WriteFunc)
	})
}

func TestRequest_CancelledWhileReadingTheReply(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s, received := startUntilEOF(t, nil /* answer: none, the server never answers */)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := goRequest(ctx, s.Addr, "anyone there?")
		select {
		case <-received:
		case <-r.done:
			t.Fatalf("Request returned %v before the server read its message to EOF (did you call CloseWrite?)", r.err)
		case <-time.After(harness.Bound()):
			harness.FatalStuck(t, "the server did not read Request's message to EOF within %v: did Request call CloseWrite?", harness.Bound())
		}
		cancelBlocked(t, r, cancel, "waiting for the reply of a server that read everything and never answers", loopback.ReadFunc)
	})
}

func TestRequest_AgainstServe(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s := start(t)
		ctx, cancel := context.WithTimeout(context.Background(), harness.Bound())
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
		// The second connection's writes never finish, as if its client never read.
		tl := loopback.Track(loopback.StuckWrites(loopback.Listen(t), 2), 100*time.Millisecond)
		s := startOn(t, tl)

		idle := dial(t, s.Addr)
		ping(t, idle)
		stuck := dial(t, s.Addr)
		require.NoError(t, stuck.WriteLine("an echo that never gets through"))
		half := dial(t, s.Addr)
		require.NoError(t, half.WriteString("half a line"))
		// The server must be stuck writing to the client that never reads before ctx ends: only
		// closing that connection wakes it.
		require.NotEmpty(t, harness.PollBlocked(s.Done(), echoCode, loopback.StuckWriteFunc), "the server never started to echo a line to a client that never reads its echoes")

		s.cancel()
		require.NoError(t, s.Wait(), "Serve after its ctx was cancelled: it must close everything and return nil")
		assert.Zero(t, tl.Busy(), "Serve returned while its connection goroutines were still reading or writing: it must wait for every goroutine it started")
		assert.NoError(t, idle.WaitClosed(), "an idle client after ctx was cancelled: its connection must be closed")
		assert.NoError(t, half.WaitClosed(), "a client in the middle of a line after ctx was cancelled: its connection must be closed")
		assert.NoError(t, stuck.WaitClosed(), "a client that never reads (the server is stuck writing to it) after ctx was cancelled: its connection must be closed")
	})
}

func TestServe_ReturnsOnlyAfterItsConnectionGoroutinesFinished(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		// Every connection's Read, once Serve has closed the connection, waits for the test
		// before it returns its error: its goroutine is then certainly still running.
		hl := loopback.HoldFailedRead(t, loopback.Listen(t))
		s := startOn(t, hl)
		ping(t, dial(t, s.Addr))

		s.cancel()
		harness.Receive(t, hl.Held(), "after ctx was cancelled, the connection goroutine's Read did not fail within %v: Serve must close every connection", harness.Bound())
		// The connection goroutine is held inside Read. Serve must not return: wait until it
		// is blocked (waiting, as it should) or has returned (too early).
		if !harness.Poll(func() bool {
			select {
			case <-s.Done():
				t.Fatalf("Serve returned (%v) while one of its connection goroutines was still inside Read: it must return only after every goroutine it started has finished", s.Wait())
			default:
			}
			return s.waiting()
		}) {
			harness.FatalStuck(t, "Serve neither returned nor blocked within %v after its ctx was cancelled: while it waits for its goroutines, it should block (on a WaitGroup, a channel), not spin", harness.Bound())
		}
		hl.Release()
		assert.NoError(t, s.Wait(), "Serve after its ctx was cancelled and its connection goroutine let go: it must return nil")
	})
}

func TestServe_ClosesAConnectionAcceptedJustAsCtxIsCancelled(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		// Accept gets a connection, then waits until the test has cancelled ctx and Serve has
		// closed the listener: the connection arrives after Serve started to stop.
		al := loopback.HoldAccept(t, loopback.Listen(t))
		s := startOn(t, al)
		c := dial(t, s.Addr)
		select {
		case <-al.Accepted():
		case <-s.Done():
			t.Fatalf("Serve returned %v before it accepted a connection", s.Wait())
		case <-time.After(harness.Bound()):
			harness.FatalStuck(t, "Serve did not call Accept within %v", harness.Bound())
		}
		s.cancel()
		harness.Receive(t, al.Closed(), "after ctx was cancelled, Serve did not close its listener within %v", harness.Bound())
		al.Release() // Accept now returns the connection, to a Serve that is stopping
		assert.NoError(t, c.WaitClosed(), "a connection that Accept returned just after ctx was cancelled: Serve must close it too")
		assert.NoError(t, s.Wait(), "Serve after its ctx was cancelled: it must close everything and return nil")
	})
}

func TestServe_ReturnsTheErrorWhenAcceptFails(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		ln := loopback.Listen(t)
		s := startOn(t, ln)
		c := dial(t, s.Addr)
		ping(t, c)

		ln.Close() // not through ctx: Accept fails
		harness.Receive(t, s.Done(), "Serve was still running %v after its listener was closed under it", harness.Bound())
		assert.Error(t, s.Wait(), "Serve after its listener was closed under it (ctx not done): it must return Accept's error")
		assert.NoError(t, c.WaitClosed(), "a client's connection after Serve returned: it must be closed")
		s.Close() // the error was checked above
	})
}

// Helpers.

// echoCode is on the stack of every goroutine running package echo's code, as harness.Blocked
// matches it.
const echoCode = "/exercises/12_echo."

// server is echo.Serve running on a loopback listener.
type server struct {
	*loopback.Server
	cancel    context.CancelFunc // cancels Serve's ctx
	goroutine atomic.Int64       // the goroutine that runs Serve
}

// waiting reports whether the goroutine running Serve is blocked, and not merely on a mutex
// for a moment: Serve is waiting for something.
func (s *server) waiting() bool {
	id := s.goroutine.Load()
	return harness.Blocked(echoCode)[id] && !harness.Blocked("Mutex).Lock")[id] && !harness.Blocked("Mutex).RLock")[id]
}

// start runs echo.Serve on a new loopback listener, as startOn.
func start(t *testing.T) *server {
	t.Helper()
	return startOn(t, loopback.Listen(t))
}

// startOn runs echo.Serve on ln with a context that cleanup cancels; Serve must then return nil.
func startOn(t *testing.T, ln net.Listener) *server {
	t.Helper()
	// Not t.Context(): it ends with the test, and would hide a Serve that leaks.
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{cancel: cancel}
	s.Server = loopback.StartOn(t, ln, func(ln net.Listener) error {
		s.goroutine.Store(harness.GoroutineID())
		err := echo.Serve(ctx, ln)
		if err != nil && ctx.Err() != nil {
			t.Errorf("Serve returned %q after the test cancelled its ctx: when ctx is done, Serve itself closes the listener and every connection, and returns nil, not the error of the Accept that closing the listener makes fail. (If Serve does not watch ctx, this error comes from the test closing the listener after it cancelled ctx.)", err)
			return nil
		}
		return err
	}, cancel)
	return s
}

func dial(t *testing.T, addr string) *loopback.Conn {
	t.Helper()
	c, err := loopback.Dial(t, addr)
	require.NoError(t, err, "dialling the server: is Serve accepting connections?")
	return c
}

// ping sends the line "ping" on c and requires its echo: Serve is serving c.
func ping(t *testing.T, c *loopback.Conn) {
	t.Helper()
	require.NoError(t, c.WriteLine("ping"))
	got, err := c.ReadLine()
	require.NoError(t, err, "the echo of ping")
	require.Equal(t, "ping", got)
}

// request is a call of echo.Request running in a goroutine of its own.
type request struct {
	done chan struct{} // closed when Request has returned
	err  error         // what Request returned, set before done is closed
}

// goRequest starts Request(ctx, addr, msg) in a goroutine of its own.
func goRequest(ctx context.Context, addr, msg string) *request {
	r := &request{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		_, r.err = echo.Request(ctx, addr, msg)
	}()
	return r
}

// cancelWhileBlocked runs Request(ctx, addr, msg) and hands it to cancelBlocked.
func cancelWhileBlocked(t *testing.T, addr, msg, doing string, frames ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cancelBlocked(t, goRequest(ctx, addr, msg), cancel, doing, frames...)
}

// cancelBlocked waits until Request r is blocked in one of frames (the first is the one the
// case is about), cancels its ctx, and checks that Request gives up at once with an error that
// matches context.Canceled.
func cancelBlocked(t *testing.T, r *request, cancel context.CancelFunc, doing string, frames ...string) {
	t.Helper()
	at := harness.PollBlocked(r.done, echoCode, frames...)
	select {
	case <-r.done:
		t.Fatalf("Request returned %v while %s, before its ctx was cancelled", r.err, doing)
	default:
	}
	require.NotEmpty(t, at, "Request never blocked while %s", doing)
	if at != frames[0] {
		t.Logf("Request blocked in %s, not in %s, on this system", at, frames[0])
	}
	cancel()
	harness.Receive(t, r.done, "Request was still %s %v after its ctx was cancelled: it must give up at once", doing, harness.Bound())
	require.Error(t, r.err, "Request cancelled while %s", doing)
	assert.ErrorIs(t, r.err, context.Canceled, "Request cancelled while %s: the error must match ctx.Err()", doing)
}

// echoBack is an answer for startUntilEOF: what the server read, as it came.
func echoBack(b []byte) string { return string(b) }

// startUntilEOF starts a server that reads each connection to EOF (so it answers only a client
// that half-closes), hands the test what it read on the returned channel, writes back
// answer(what it read), and closes. With a nil answer it holds the connection open instead,
// until cleanup, and never answers.
func startUntilEOF(t *testing.T, answer func([]byte) string) (*loopback.Server, <-chan string) {
	t.Helper()
	received := make(chan string, 16)
	stop := make(chan struct{})
	s := loopback.Start(t, loopback.EachConn(func(c net.Conn) {
		c.SetDeadline(time.Now().Add(2 * harness.Bound()))
		b, err := io.ReadAll(c)
		if err != nil {
			return
		}
		received <- string(b)
		if answer == nil {
			<-stop
			return
		}
		io.WriteString(c, answer(b))
	}), func() { close(stop) })
	return s, received
}

// smallSendBuffers wraps a listener so that each connection it accepts has a small send
// buffer: a server writing to a client that never reads blocks after kilobytes, not megabytes.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4 << 10)
	}
	return c, err
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
