package tcp_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tcp "github.com/kata-go/concurrency/exercises/11_tcp"
	"github.com/kata-go/concurrency/harness"
	"github.com/kata-go/concurrency/harness/loopback"
)

func TestMain(m *testing.M) { harness.Main(m) }

// bound is how long a test waits for something that a correct solution does at once. It is
// only ever reached by a wrong solution.
const bound = 3 * time.Second

// received collects the lines Handle is given. It is safe for concurrent use.
type received struct {
	mu    sync.Mutex
	lines []string
	want  int
	full  chan struct{} // closed when len(lines) reaches want
}

func newReceived(want int) *received { return &received{want: want, full: make(chan struct{})} }

func (r *received) handle(line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, line)
	if len(r.lines) == r.want {
		close(r.full)
	}
}

func (r *received) snapshot() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.lines)
}

// wait waits until Handle has been given want lines, and fails t (with what did arrive) when
// Serve returns first or the lines do not arrive within the bound.
func (r *received) wait(t *testing.T, s *loopback.Server) {
	t.Helper()
	if problem := r.await(s); problem != "" {
		t.Fatal(problem)
	}
}

// await is wait that returns the problem instead of failing t.
func (r *received) await(s *loopback.Server) string {
	timer := time.NewTimer(bound)
	defer timer.Stop()
	select {
	case <-r.full:
		return ""
	case <-s.Done():
		return fmt.Sprintf("Serve returned before Handle was given %d lines (it got %d): Serve returned %v",
			r.want, len(r.snapshot()), s.Wait())
	case <-timer.C:
		return fmt.Sprintf("Handle was given %d lines within %v, want %d. The first lines that did arrive: %s",
			len(r.snapshot()), bound, r.want, shortList(r.snapshot()))
	}
}

// multisetDiff returns what want has and got lacks, and what got has beyond want, counting
// repeats.
func multisetDiff(want, got []string) (missing, extra []string) {
	count := map[string]int{}
	for _, w := range want {
		count[w]++
	}
	for _, g := range got {
		if count[g] > 0 {
			count[g]--
		} else {
			extra = append(extra, g)
		}
	}
	for _, w := range want {
		if count[w] > 0 {
			count[w]--
			missing = append(missing, w)
		}
	}
	return missing, extra
}

// shortList shows up to three lines, each cut to 40 bytes.
func shortList(lines []string) string {
	var out []string
	for _, l := range first(lines, 3) {
		if len(l) > 40 {
			l = l[:40] + "..."
		}
		out = append(out, fmt.Sprintf("%q", l))
	}
	return "[" + strings.Join(out, ", ") + "]"
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// logBuffer is where a test's Logger writes. It is safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// start runs srv.Serve on a loopback listener (through wrap, when not nil). Cleanup shuts it
// down and joins Serve, which must then return ErrServerClosed.
func start(t *testing.T, srv *tcp.Server, wrap func(net.Listener) net.Listener) *loopback.Server {
	t.Helper()
	if srv.Logger == nil {
		srv.Logger, _ = newLogger()
	}
	return startOn(t, loopback.Listen(t), srv, wrap)
}

func startOn(t *testing.T, ln net.Listener, srv *tcp.Server, wrap func(net.Listener) net.Listener) *loopback.Server {
	t.Helper()
	serve := func(ln net.Listener) error {
		if wrap != nil {
			ln = wrap(ln)
		}
		return srv.Serve(ln)
	}
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), bound)
		defer cancel()
		srv.Shutdown(ctx)
	}
	return loopback.StartOn(t, ln, serve, stop, loopback.WithExpected(tcp.ErrServerClosed))
}

func dial(t *testing.T, addr string) *loopback.Conn {
	t.Helper()
	c, err := loopback.Dial(t, addr)
	require.NoError(t, err, "dialling the server: is Serve accepting connections?")
	return c
}

// Task 1: Send.

func TestSend_WritesTheMessageAndANewlineThenCloses(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		got := make(chan string, 1)
		s := loopback.Start(t, func(ln net.Listener) error {
			c, err := ln.Accept()
			if err != nil {
				return err
			}
			defer c.Close()
			c.SetReadDeadline(time.Now().Add(bound))
			b, err := io.ReadAll(c)
			if err != nil {
				return fmt.Errorf("the test server read %q, then: %w (Send must close the connection)", b, err)
			}
			got <- string(b)
			return nil
		}, nil)
		msg := fmt.Sprintf("hello from the client! #%d", harness.Rand(t).IntN(1e6))
		require.NoError(t, tcp.Send(context.Background(), s.Addr, msg), "Send(ctx, %s, %q)", s.Addr, msg)
		require.NoError(t, s.Wait(), "the test server reading what Send wrote")
		assert.Equal(t, msg+"\n", <-got, "Send(%q): the server should read the message, a newline, then EOF", msg)
	})
}

func TestSend_HonoursTheContext(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		t.Run("already cancelled", func(t *testing.T) {
			addr := loopback.NeverAnswers(t)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err := tcp.Send(ctx, addr, "too late")
			assert.ErrorIs(t, err, context.Canceled, "Send with a cancelled ctx: the error must match ctx.Err()")
		})
		t.Run("deadline while the server does not read", func(t *testing.T) {
			addr := loopback.NeverAnswers(t)
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			// Far more than the kernel's buffers hold: the write blocks until ctx ends it.
			msg := strings.Repeat("x", 16<<20)
			errc := make(chan error, 1)
			go func() { errc <- tcp.Send(ctx, addr, msg) }()
			select {
			case err := <-errc:
				assert.ErrorIs(t, err, context.DeadlineExceeded,
					"Send of 16 MiB to a server that never reads, ctx deadline 50ms: the error must match ctx.Err()")
			case <-time.After(bound):
				t.Fatalf("Send of 16 MiB to a server that never reads was still blocked %v after its ctx deadline (50ms): the write must stop when ctx is done", bound)
			}
		})
		t.Run("nobody listening", func(t *testing.T) {
			err := tcp.Send(context.Background(), loopback.ClosedAddr(t), "hello?")
			assert.Error(t, err, "Send to a port nobody listens on")
		})
	})
}

// Task 2: Serve delivers lines.

func TestServe_DeliversEveryLineExactlyOnce(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		rnd := harness.Rand(t)
		const clients = 50
		var sent [][]string // per client, in order
		total := 0
		for i := range clients {
			n := 3 + rnd.IntN(10)
			var lines []string
			for j := range n {
				pad := strings.Repeat("abcdefghij", rnd.IntN(3)*rnd.IntN(300)) // sometimes several KiB
				lines = append(lines, fmt.Sprintf("client %d line %d %s", i, j, pad))
			}
			sent = append(sent, lines)
			total += n
		}
		got := newReceived(total)
		s := start(t, &tcp.Server{Handle: got.handle}, nil)

		errs := make(chan error, clients)
		var wg sync.WaitGroup
		for i, lines := range sent {
			noFinalNewline := i%3 == 0
			wg.Go(func() {
				c, err := loopback.Dial(t, s.Addr)
				if err != nil {
					errs <- err
					return
				}
				defer c.Close()
				for j, line := range lines {
					if j == len(lines)-1 && noFinalNewline {
						err = c.WriteString(line)
					} else {
						err = c.WriteLine(line)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err, "a client sending its lines")
		}
		if problem := got.await(s); problem != "" {
			t.Error(problem)
		}
		require.NoError(t, s.Close(), "shutting the server down")

		lines := got.snapshot()
		var want []string
		for _, l := range sent {
			want = append(want, l...)
		}
		missing, extra := multisetDiff(want, lines)
		if len(missing)+len(extra) > 0 {
			t.Errorf("%d clients sent %d lines (every third client's last line without a newline) and Handle got %d: "+
				"%d never arrived (first ones: %s), %d arrived but were not sent or came twice (first ones: %s); Handle must get each line exactly once",
				clients, total, len(lines), len(missing), shortList(missing), len(extra), shortList(extra))
			return
		}
		order := make([][]int, clients)
		for _, line := range lines {
			var i, j int
			if _, err := fmt.Sscanf(line, "client %d line %d", &i, &j); err == nil && i >= 0 && i < clients {
				order[i] = append(order[i], j)
			}
		}
		for i := range clients {
			want := make([]int, len(sent[i]))
			for j := range want {
				want[j] = j
			}
			if !assert.Equal(t, want, order[i], "the order in which client %d's lines reached Handle: one connection's lines are handled one at a time, in order", i) {
				break
			}
		}
	})
}

func TestServe_FinalLineWithoutNewlineIsALine(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		got := newReceived(5)
		s := start(t, &tcp.Server{Handle: got.handle}, nil)

		c := dial(t, s.Addr)
		require.NoError(t, c.WriteString("first\n\nlast, no newline"))
		require.NoError(t, c.Close())
		d := dial(t, s.Addr)
		require.NoError(t, d.WriteString("ends with a newline\n"))
		require.NoError(t, d.Close())
		e := dial(t, s.Addr)
		require.NoError(t, e.WriteString("half-closed, no newline"))
		require.NoError(t, e.CloseWrite())

		got.wait(t, s)
		require.NoError(t, s.Close(), "shutting the server down")
		assert.ElementsMatch(t, []string{"first", "", "last, no newline", "ends with a newline", "half-closed, no newline"}, got.snapshot(),
			"lines handled: an empty line ended by \\n is a line; a non-empty final line ended by the client closing is a line; nothing after a final \\n is")
	})
}

func TestServe_HandlesConnectionsAtTheSameTime(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		bEntered := make(chan struct{})
		var mu sync.Mutex
		var problems []string
		got := newReceived(2)
		handle := func(line string) {
			switch line {
			case "a":
				select {
				case <-bEntered:
				case <-time.After(bound):
					mu.Lock()
					problems = append(problems, "Handle(\"b\") from a second connection did not start while Handle(\"a\") was running")
					mu.Unlock()
				}
			case "b":
				close(bEntered)
			}
			got.handle(line)
		}
		s := start(t, &tcp.Server{Handle: handle}, nil)
		a := dial(t, s.Addr)
		require.NoError(t, a.WriteLine("a"))
		b := dial(t, s.Addr)
		require.NoError(t, b.WriteLine("b"))
		got.wait(t, s)
		mu.Lock()
		defer mu.Unlock()
		assert.Empty(t, problems, "each connection must be served by a goroutine of its own")
	})
}

func TestServe_PanicsWithoutHandle(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		ln := loopback.Listen(t)
		var srv tcp.Server
		var msg any
		func() {
			defer func() { msg = recover() }()
			done := make(chan struct{})
			defer close(done)
			go func() {
				// A Serve that does not panic must not keep the test waiting.
				select {
				case <-done:
				case <-time.After(bound):
					ln.Close()
				}
			}()
			srv.Serve(ln)
		}()
		require.NotNil(t, msg, "Serve on a Server whose Handle is nil should panic")
		assert.Contains(t, fmt.Sprint(msg), "tcp:", "Serve's panic message should start with the package name")
		assert.Contains(t, fmt.Sprint(msg), "Handle", "Serve's panic message should name the field")
	})
}

// Task 3: a robust server.

func TestServe_BadClientsDoNotHoldUpTheOthers(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		got := newReceived(3)
		s := start(t, &tcp.Server{Handle: got.handle}, nil)

		silent, err := loopback.Silent(t, s.Addr)
		require.NoError(t, err, "a silent client connecting")
		require.NoError(t, loopback.HalfLineThenReset(t, s.Addr, "a line that is never finished"), "a client sending half a line, then a reset")
		flood, err := loopback.Flood(t, s.Addr, 192<<10)
		require.NoError(t, err, "a client sending 192 KiB without a newline")

		good := dial(t, s.Addr)
		for _, line := range []string{"still", "being", "served"} {
			require.NoError(t, good.WriteLine(line))
		}
		got.wait(t, s)
		assert.Equal(t, []string{"still", "being", "served"}, got.snapshot(),
			"a well-behaved client after a silent one, a reset and a flood")
		assert.NoError(t, flood.WaitClosed(), "the flooding client's line is over the 64 KiB default limit: its connection must be closed")
		require.NoError(t, silent.Close())
	})
}

func TestServe_LongLineClosesOnlyThatConnection(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		limit := 200 + harness.Rand(t).IntN(1800)
		logger, logs := newLogger()
		atLimit := strings.Repeat("y", limit)
		got := newReceived(3)
		s := start(t, &tcp.Server{Handle: got.handle, MaxLineBytes: limit, Logger: logger}, nil)

		other := dial(t, s.Addr)
		require.NoError(t, other.WriteLine("before"))
		exact := dial(t, s.Addr)
		require.NoError(t, exact.WriteLine(atLimit))
		long := dial(t, s.Addr)
		require.NoError(t, long.WriteLine(atLimit+"z"))
		assert.NoError(t, long.WaitClosed(), "a %d-byte line with MaxLineBytes %d: its connection must be closed", limit+1, limit)
		flood, err := loopback.Flood(t, s.Addr, limit+128<<10)
		require.NoError(t, err)
		assert.NoError(t, flood.WaitClosed(), "%d bytes without a newline with MaxLineBytes %d: the connection must be closed", limit+128<<10, limit)

		require.NoError(t, other.WriteLine("after"), "the other connection must stay open")
		got.wait(t, s)
		require.NoError(t, s.Close(), "shutting the server down: one long line must not stop the server")
		assert.ElementsMatch(t, []string{"before", atLimit, "after"}, got.snapshot(),
			"with MaxLineBytes %d: a line of exactly %d bytes is handled, a longer one is not, and other connections go on", limit, limit)
		assert.NotEmpty(t, logs.String(), "a line over MaxLineBytes must be logged on the Server's Logger")
	})
}

func TestServe_DefaultLineLimitIs64KiB(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		got := newReceived(1)
		s := start(t, &tcp.Server{Handle: got.handle}, nil)
		ok := dial(t, s.Addr)
		require.NoError(t, ok.WriteLine(strings.Repeat("k", 64<<10)))
		got.wait(t, s)
		over := dial(t, s.Addr)
		require.NoError(t, over.WriteLine(strings.Repeat("k", 64<<10+1)))
		assert.NoError(t, over.WaitClosed(), "a line of 64 KiB + 1 byte with MaxLineBytes 0 (64 KiB): its connection must be closed")
		require.NoError(t, s.Close())
		assert.Len(t, got.snapshot(), 1, "with MaxLineBytes 0 a 64 KiB line is handled and a longer one is not")
	})
}

func TestServe_NilLoggerLogsToSlogDefault(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		// slog.Default() writes through the log package's output while nobody replaced it.
		var logs logBuffer
		oldOut, oldFlags := log.Writer(), log.Flags()
		log.SetOutput(&logs)
		t.Cleanup(func() { log.SetOutput(oldOut); log.SetFlags(oldFlags) })

		srv := &tcp.Server{Handle: func(string) {}, MaxLineBytes: 10}
		s := startOn(t, loopback.Listen(t), srv, nil)
		c := dial(t, s.Addr)
		require.NoError(t, c.WriteLine("eleven bytes"))
		assert.NoError(t, c.WaitClosed(), "a 12-byte line with MaxLineBytes 10: its connection must be closed")
		require.NoError(t, s.Close())
		assert.NotEmpty(t, logs.String(), "with a nil Logger, the long line must be logged through slog.Default()")
	})
}

func TestServe_IdleTimeoutClosesSilentConnections(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		got := newReceived(2)
		s := start(t, &tcp.Server{Handle: got.handle, IdleTimeout: 50 * time.Millisecond}, nil)

		silent, err := loopback.Silent(t, s.Addr)
		require.NoError(t, err)
		half := dial(t, s.Addr)
		require.NoError(t, half.WriteString("half a line"))
		talker := dial(t, s.Addr)
		require.NoError(t, talker.WriteLine("hello"))

		assert.NoError(t, silent.WaitClosed(), "a client that sends nothing, IdleTimeout 50ms: its connection must be closed")
		assert.NoError(t, half.WaitClosed(), "a client that sent half a line then nothing, IdleTimeout 50ms: its connection must be closed")
		late := dial(t, s.Addr)
		require.NoError(t, late.WriteLine("still accepting"))
		got.wait(t, s)
		assert.ElementsMatch(t, []string{"hello", "still accepting"}, got.snapshot(), "lines handled")
	})
}

func TestServe_SurvivesTemporaryAcceptErrors(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		failures := 2 + harness.Rand(t).IntN(4)
		got := newReceived(1)
		s := start(t, &tcp.Server{Handle: got.handle}, func(ln net.Listener) net.Listener {
			return loopback.FlakyListener(ln, failures)
		})
		c, err := loopback.Dial(t, s.Addr)
		require.NoError(t, err)
		require.NoError(t, c.WriteLine("made it"))
		timer := time.NewTimer(bound)
		defer timer.Stop()
		select {
		case <-got.full:
		case <-s.Done():
			t.Fatalf("Serve returned %v after a temporary Accept error; it must pause and accept again (%d temporary errors came first)", s.Wait(), failures)
		case <-timer.C:
			t.Fatalf("after %d temporary Accept errors the line did not reach Handle within %v", failures, bound)
		}
	})
}

// Task 4: Shutdown.

func TestShutdown_ClosesIdleConnectionsAndWaitsForTheirGoroutines(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		const talkers = 5
		got := newReceived(talkers)
		srv := &tcp.Server{Handle: got.handle}
		srv.Logger, _ = newLogger()
		tl := loopback.Track(loopback.Listen(t), 100*time.Millisecond)
		s := startOn(t, tl, srv, nil)

		var clients []*loopback.Conn
		for i := range talkers {
			c := dial(t, s.Addr)
			require.NoError(t, c.WriteLine(fmt.Sprint("line ", i)))
			clients = append(clients, c)
		}
		got.wait(t, s)
		half := dial(t, s.Addr)
		require.NoError(t, half.WriteString("half a line"))
		clients = append(clients, half, dial(t, s.Addr))

		ctx, cancel := context.WithTimeout(context.Background(), bound)
		defer cancel()
		err := srv.Shutdown(ctx)
		require.NoError(t, err, "Shutdown with only idle connections (and one partial line) should close them and return nil")
		assert.Zero(t, tl.Busy(), "Shutdown returned while connection goroutines were still reading or writing: it must wait for them")
		assert.ErrorIs(t, s.Wait(), tcp.ErrServerClosed, "Serve after Shutdown")
		for i, c := range clients {
			assert.NoError(t, c.WaitClosed(), "client %d after Shutdown: its connection must be closed", i)
		}
		_, err = net.DialTimeout("tcp", s.Addr, bound)
		assert.Error(t, err, "dialling after Shutdown returned: the listener must be closed")
	})
}

// blockingServer's Handle blocks on the line "block" until release is called (at the latest
// at cleanup); entered is closed when it starts blocking.
func blockingServer(t *testing.T) (srv *tcp.Server, entered chan struct{}, release func()) {
	entered, gate := make(chan struct{}), make(chan struct{})
	release = sync.OnceFunc(func() { close(gate) })
	t.Cleanup(release)
	srv = &tcp.Server{Handle: func(line string) {
		if line == "block" {
			close(entered)
			<-gate
		}
	}}
	srv.Logger, _ = newLogger()
	return srv, entered, release
}

func waitFor(t *testing.T, ch <-chan struct{}, s *loopback.Server, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-s.Done():
		t.Fatalf("Serve returned %v before %s", s.Wait(), what)
	case <-time.After(bound):
		t.Fatalf("%s did not happen within %v", what, bound)
	}
}

func TestShutdown_WaitsForHandleUntilTheContextEnds(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		srv, entered, release := blockingServer(t)
		defer release()
		s := start(t, srv, nil)
		busy := dial(t, s.Addr)
		require.NoError(t, busy.WriteLine("block"))
		waitFor(t, entered, s, "Handle(\"block\")")
		idle := dial(t, s.Addr)

		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- srv.Shutdown(ctx) }()
		select {
		case err := <-done:
			assert.ErrorIs(t, err, context.DeadlineExceeded,
				"Shutdown(ctx with a 100ms deadline) while Handle is running: it must wait for Handle until ctx is done, then return ctx.Err()")
		case <-time.After(bound):
			t.Fatalf("Shutdown(ctx with a 100ms deadline) was still waiting %v later: when ctx is done it must close every connection and return", bound)
		}
		assert.NoError(t, idle.WaitClosed(), "the idle connection after Shutdown")
		assert.NoError(t, busy.WaitClosed(), "the busy connection after Shutdown's ctx was done: every connection must be closed")
		select {
		case <-s.Done():
			t.Errorf("Serve returned %v while a Handle call was still running: it must wait for every goroutine it started", s.Wait())
		default:
		}
		release()
		assert.ErrorIs(t, s.Wait(), tcp.ErrServerClosed, "Serve after Shutdown, once Handle returned")
	})
}

func TestShutdown_WithDoneContextClosesEverythingAndReturnsItsError(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		srv, entered, release := blockingServer(t)
		defer release()
		s := start(t, srv, nil)
		busy := dial(t, s.Addr)
		require.NoError(t, busy.WriteLine("block"))
		waitFor(t, entered, s, "Handle(\"block\")")
		idle := dial(t, s.Addr)

		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan error, 1)
		go func() { done <- srv.Shutdown(ctx) }()
		select {
		case err := <-done:
			assert.ErrorIs(t, err, context.Canceled, "Shutdown(cancelled ctx) while Handle is running must return ctx.Err()")
		case <-time.After(bound):
			t.Fatalf("Shutdown(cancelled ctx) was still waiting after %v: a done ctx means close everything and return", bound)
		}
		assert.NoError(t, busy.WaitClosed(), "the busy connection after Shutdown(cancelled ctx)")
		assert.NoError(t, idle.WaitClosed(), "the idle connection after Shutdown(cancelled ctx)")
		release()
		assert.ErrorIs(t, s.Wait(), tcp.ErrServerClosed, "Serve after Shutdown")
	})
}

func TestServe_AfterShutdownReturnsErrServerClosed(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		srv := &tcp.Server{Handle: func(string) {}}
		srv.Logger, _ = newLogger()
		require.NoError(t, srv.Shutdown(context.Background()), "Shutdown of a server that never served")
		ln := loopback.Listen(t)
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(ln) }()
		select {
		case err := <-errc:
			assert.ErrorIs(t, err, tcp.ErrServerClosed, "Serve after Shutdown")
		case <-time.After(bound):
			ln.Close()
			<-errc
			t.Fatalf("Serve after Shutdown was still running after %v: it must return ErrServerClosed at once", bound)
		}
		_, err := net.DialTimeout("tcp", ln.Addr().String(), bound)
		assert.Error(t, err, "dialling the listener given to Serve after Shutdown: Serve must close it")
		if err == nil {
			ln.Close()
		}
	})
}
