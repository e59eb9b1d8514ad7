package tcp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	tcp "github.com/kata-go/concurrency/exercises/11_tcp"
	"github.com/kata-go/concurrency/harness"
	"github.com/kata-go/concurrency/harness/loopback"
)

func TestMain(m *testing.M) { harness.Main(m) }

// Two kinds of tests. Those about sockets (Send, resets, floods, the line limit) run on real
// loopback TCP. Those about time and order (IdleTimeout, Shutdown, Accept errors, where lines
// begin and end) run in a testing/synctest bubble on a listener whose connections are net.Pipe
// ends (see pipeNet at the bottom): time there is virtual, so a 100ms IdleTimeout takes no real
// time and expires exactly when it should, and synctest.Wait returns once every goroutine of
// the test is blocked, so a test knows that Shutdown has done what it does before it looks.
// No test sleeps to wait for something; bounds only end a test that has already gone wrong.

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
			c.SetReadDeadline(time.Now().Add(harness.Bound()))
			b, err := io.ReadAll(c)
			if err != nil {
				return fmt.Errorf("the test server read %q, then: %w (Send must close the connection)", b, err)
			}
			got <- string(b)
			return nil
		}, nil /* stop */)
		// It ends in white space, which Send must not trim.
		msg := fmt.Sprintf("hello from the client! #%d \t", harness.Rand(t).IntN(1e6))
		require.NoError(t, tcp.Send(context.Background(), s.Addr, msg), "Send(ctx, %s, %q)", s.Addr, msg)
		require.NoError(t, s.Wait(), "the test server reading what Send wrote")
		assert.Equal(t, msg+"\n", <-got, "Send(%q): the server should read the message as it is, a newline, then EOF", msg)
	})
}

// Task 2: Send gives up when ctx is done.

func TestSend_HonoursTheContext(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		t.Run("already cancelled", func(t *testing.T) {
			addr := loopback.NeverAnswers(t)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err := tcp.Send(ctx, addr, "too late")
			require.Error(t, err, "Send with a cancelled ctx")
			assert.ErrorIs(t, err, context.Canceled, "Send with a cancelled ctx: the error must match ctx.Err()")
		})
		t.Run("deadline already passed", func(t *testing.T) {
			addr := loopback.NeverAnswers(t)
			ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
			defer cancel()
			err := tcp.Send(ctx, addr, "too late")
			require.Error(t, err, "Send with a ctx whose deadline has passed")
			assert.ErrorIs(t, err, context.DeadlineExceeded, "Send with a ctx whose deadline has passed: the error must match ctx.Err()")
		})
		t.Run("cancelled while the write blocks", func(t *testing.T) {
			addr := loopback.NeverAnswers(t)
			// Far more than the kernel's buffers hold, built before Send starts: the write blocks.
			msg := strings.Repeat("x", 16<<20)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			errc := make(chan error, 1)
			go func() { errc <- tcp.Send(ctx, addr, msg) }()
			// Cancel only once Send is blocked in its write, which the task is about. Copying
			// 16 MiB under the race detector can take seconds on a busy machine: be patient.
			inWrite := func() bool { return len(errc) > 0 || len(harness.Blocked("11_tcp.Send", "poll.(*FD).Write")) > 0 }
			blocked := harness.Poll(inWrite)
			for patient := time.Now().Add(20 * time.Second); !blocked && time.Now().Before(patient); {
				blocked = harness.Poll(inWrite)
			}
			select {
			case err := <-errc:
				t.Fatalf("Send of 16 MiB to a server that never reads returned %v before ctx was cancelled: it must block in the write", err)
			default:
			}
			if !blocked {
				harness.FatalStuck(t, "Send of 16 MiB to a server that never reads was not blocked in a write within 20s")
			}
			cancel()
			err := harness.Receive(t, errc, "Send of 16 MiB to a server that never reads was still blocked %v after ctx was cancelled: the write must stop when ctx is done", harness.Bound())
			require.Error(t, err, "Send of 16 MiB to a server that never reads, ctx cancelled during the write")
			assert.ErrorIs(t, err, context.Canceled,
				"Send of 16 MiB to a server that never reads, ctx cancelled during the write: the error must match ctx.Err(), not the socket's own")
		})
		t.Run("nobody listening", func(t *testing.T) {
			err := tcp.Send(context.Background(), loopback.ClosedAddr(t), "hello?")
			assert.Error(t, err, "Send to a port nobody listens on")
		})
	}, harness.WithTimeout(30*time.Second)) // see "cancelled while the write blocks"
}

// Task 3: Serve delivers lines.

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
		// next[i] is the number of client i's lines handled so far. Handle reads and writes it
		// without a lock, before anything else: when two Handle calls of one connection are
		// not one after the other (a goroutine per line, say), the race detector reports it,
		// whichever order they happen to run in.
		var next [clients]int
		var mu sync.Mutex
		var disorder []string
		handle := func(line string) {
			if i, j, ok := clientLine(line); ok && i < clients {
				if next[i] != j {
					mu.Lock()
					disorder = append(disorder, fmt.Sprintf("client %d: line %d came when line %d was due", i, j, next[i]))
					mu.Unlock()
				}
				next[i] = j + 1
			}
			got.handle(line)
		}
		s := start(t, &tcp.Server{Handle: handle})

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
		}
		mu.Lock()
		defer mu.Unlock()
		assert.Empty(t, disorder, "the order in which each client's lines reached Handle: one connection's lines are handled one at a time, in order")
	})
}

func TestServe_LinesKeepEveryByteButTheNewline(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		harness.Bubble(t, func(t *testing.T) {
			got := &recorder{}
			pn := newPipeNet(t)
			servePipes(t, &tcp.Server{Handle: got.handle}, pn)

			// One client at a time, each closing its connection; Handle's calls then come in
			// the order the lines were sent.
			clients := []struct{ send, why string }{
				{"trailing space \n\ttabs\t\ncarriage return\r\n\r\n\nends in n\n  \nlast, no newline, CR\r",
					`"\r" and white space are part of a line; an empty line ended by "\n" is a line; so is a final line without "\n"`},
				{"only line\n", `nothing after a final "\n" is a line`},
				{"x", `a final line of one byte`},
				{"", `a client that sends nothing sends no line`},
			}
			want := []string{"trailing space ", "\ttabs\t", "carriage return\r", "\r", "", "ends in n", "  ", "last, no newline, CR\r", "only line", "x"}
			for _, c := range clients {
				cl := pn.dial(t)
				if c.send != "" {
					require.NoError(t, cl.write(c.send), "a client writing %q", c.send)
				}
				require.NoError(t, cl.close())
				synctest.Wait()
			}
			assert.Equal(t, want, got.snapshot(), "Handle's lines, from clients that sent %q, %q, %q and %q, each then closing its connection: "+
				"a line is everything up to its \"\\n\", without it, byte for byte", clients[0].send, clients[1].send, clients[2].send, clients[3].send)
		})
	})
}

func TestServe_FinalLineWithoutNewlineIsALine(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		got := newReceived(5)
		s := start(t, &tcp.Server{Handle: got.handle})

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
			"lines handled: an empty line ended by \\n is a line; a non-empty final line ended by the client closing (or half-closing) is a line")
	})
}

func TestServe_HandlesConnectionsAtTheSameTime(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		aEntered, bEntered := make(chan struct{}), make(chan struct{})
		var mu sync.Mutex
		var problems []string
		got := newReceived(2)
		handle := func(line string) {
			switch line {
			case "a":
				close(aEntered)
				select {
				case <-bEntered:
				case <-time.After(harness.Bound()):
					mu.Lock()
					problems = append(problems, "Handle(\"b\") from a second connection did not start while Handle(\"a\") was running")
					mu.Unlock()
				}
			case "b":
				close(bEntered)
			}
			got.handle(line)
		}
		s := start(t, &tcp.Server{Handle: handle})
		a := dial(t, s.Addr)
		require.NoError(t, a.WriteLine("a"))
		waitFor(t, aEntered, s, "Handle(\"a\")")
		b := dial(t, s.Addr)
		require.NoError(t, b.WriteLine("b"))
		got.wait(t, s)
		mu.Lock()
		defer mu.Unlock()
		assert.Empty(t, problems, "each connection must be served by a goroutine of its own, and Handle called without a lock around it")
	})
}

func TestServe_PanicsWithoutHandle(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		ln := loopback.Listen(t)
		var srv tcp.Server
		done := make(chan struct{})
		go func() {
			// A Serve that does not panic must not keep the test waiting.
			select {
			case <-done:
			case <-time.After(harness.Bound()):
				ln.Close()
			}
		}()
		_, panicked := harness.Recover(func() { srv.Serve(ln) })
		close(done)
		assert.True(t, panicked, "Serve on a Server whose Handle is nil should panic")
	})
}

// Task 4: bad clients hold up nobody.

func TestServe_BadClientsDoNotHoldUpTheOthers(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		got := newReceived(3)
		s := start(t, &tcp.Server{Handle: got.handle})

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
		assert.NoError(t, flood.WaitClosed(), "the flooding client's line is over the 64 KiB default limit: its connection must be closed")
		require.NoError(t, silent.Close())
		require.NoError(t, s.Close(), "shutting the server down")
		assert.Equal(t, []string{"still", "being", "served"}, got.snapshot(),
			"a well-behaved client after a silent one, a reset and a flood (a partial line is dropped when its client resets)")
	})
}

func TestServe_PartialLineIsDroppedOnReset(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		harness.Bubble(t, func(t *testing.T) {
			got := &recorder{}
			logger, logs := newLogger()
			pn := newPipeNet(t)
			servePipes(t, &tcp.Server{Handle: got.handle, Logger: logger}, pn)

			c := pn.dial(t)
			require.NoError(t, c.write("whole\nhalf a li"), "a client writing a line and half of another")
			synctest.Wait()
			c.reset()
			synctest.Wait()
			assert.Equal(t, []string{"whole"}, got.snapshot(),
				"Handle's lines after a client sent \"whole\\nhalf a li\" and reset the connection: a partial line is dropped on a reset")
			assert.NotEmpty(t, logs.String(), "a connection reset by its client must be logged on the Server's Logger")
			other := pn.dial(t)
			require.NoError(t, other.writeLine("after the reset"), "another client")
			synctest.Wait()
			assert.Equal(t, []string{"whole", "after the reset"}, got.snapshot(), "Handle's lines: a reset ends only its own connection")
		})
	})
}

// Task 5: long lines.

func TestServe_LongLineClosesOnlyThatConnection(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		limit := 200 + harness.Rand(t).IntN(1800)
		logger, logs := newLogger()
		atLimit := strings.Repeat("y", limit)
		got := newReceived(4)
		s := start(t, &tcp.Server{Handle: got.handle, MaxLineBytes: limit, Logger: logger})

		other := dial(t, s.Addr)
		require.NoError(t, other.WriteLine("before"))
		exact := dial(t, s.Addr)
		require.NoError(t, exact.WriteLine(atLimit))
		exactFinal := dial(t, s.Addr)
		require.NoError(t, exactFinal.WriteString(strings.Repeat("w", limit)))
		require.NoError(t, exactFinal.CloseWrite())
		long := dial(t, s.Addr)
		require.NoError(t, long.WriteLine(atLimit+"z"))
		assert.NoError(t, long.WaitClosed(), "a %d-byte line with MaxLineBytes %d: its connection must be closed", limit+1, limit)
		flood, err := loopback.Flood(t, s.Addr, limit+128<<10)
		require.NoError(t, err)
		assert.NoError(t, flood.WaitClosed(), "%d bytes without a newline with MaxLineBytes %d: the connection must be closed", limit+128<<10, limit)

		require.NoError(t, other.WriteLine("after"), "the other connection must stay open")
		got.wait(t, s)
		require.NoError(t, s.Close(), "shutting the server down: one long line must not stop the server")
		assert.ElementsMatch(t, []string{"before", atLimit, strings.Repeat("w", limit), "after"}, got.snapshot(),
			"with MaxLineBytes %d: a line of exactly %d bytes is handled (with or without its \"\\n\"), a longer one is not, and other connections go on", limit, limit)
		assert.NotEmpty(t, logs.String(), "a line over MaxLineBytes must be logged on the Server's Logger")
	})
}

func TestServe_DefaultLineLimitIs64KiB(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		got := newReceived(1)
		s := start(t, &tcp.Server{Handle: got.handle})
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

func TestServe_MaxLineBytesAbove64KiB(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		limit := 64<<10 + 1 + harness.Rand(t).IntN(128<<10)
		got := newReceived(1)
		s := start(t, &tcp.Server{Handle: got.handle, MaxLineBytes: limit})
		c := dial(t, s.Addr)
		require.NoError(t, c.WriteLine(strings.Repeat("m", limit)))
		got.wait(t, s)
		over := dial(t, s.Addr)
		require.NoError(t, over.WriteLine(strings.Repeat("m", limit+1)))
		assert.NoError(t, over.WaitClosed(), "a line of %d bytes with MaxLineBytes %d: its connection must be closed", limit+1, limit)
		require.NoError(t, s.Close())
		lines := got.snapshot()
		require.Len(t, lines, 1, "with MaxLineBytes %d, Handle's lines: a %d-byte line is handled, a longer one is not", limit, limit)
		assert.Len(t, lines[0], limit, "with MaxLineBytes %d, the line Handle was given", limit)
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
		s := startOn(t, loopback.Listen(t), srv) // not start: it would give srv a Logger
		c := dial(t, s.Addr)
		require.NoError(t, c.WriteLine("eleven bytes"))
		assert.NoError(t, c.WaitClosed(), "a 12-byte line with MaxLineBytes 10: its connection must be closed")
		require.NoError(t, s.Close())
		assert.NotEmpty(t, logs.String(), "with a nil Logger, the long line must be logged through slog.Default()")
	})
}

// Task 6: the idle timeout.

func TestServe_IdleTimeoutClosesSilentConnections(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		harness.Bubble(t, func(t *testing.T) {
			const idle = 100 * time.Millisecond
			got := &recorder{}
			logger, logs := newLogger()
			pn := newPipeNet(t)
			servePipes(t, &tcp.Server{Handle: got.handle, IdleTimeout: idle, Logger: logger}, pn)

			silent := pn.dial(t)
			half := pn.dial(t)
			require.NoError(t, half.write("half a line"))
			talker := pn.dial(t)
			// The talker sends a line every 60ms, for longer than IdleTimeout in all. (Virtual
			// time: the pauses are the client's, and take no real time.)
			for i := range 4 {
				require.NoError(t, talker.writeLine(fmt.Sprint("line ", i)),
					"a client sending a line every 60ms, IdleTimeout 100ms: its connection must stay open")
				time.Sleep(idle * 6 / 10)
			}
			synctest.Wait()
			assert.True(t, silent.closed(), "a client that sent nothing for 240ms, IdleTimeout 100ms: its connection must be closed")
			assert.True(t, half.closed(), "a client that sent half a line then nothing for 240ms, IdleTimeout 100ms: its connection must be closed")
			assert.NotEmpty(t, logs.String(), "connections closed by IdleTimeout: the timeouts must be logged on the Server's Logger")
			// One line in three pieces, 60ms apart: 120ms for the line, never 100ms of silence.
			for _, piece := range []string{"in ", "three ", "pieces\n"} {
				require.NoError(t, talker.write(piece),
					"a client sending a line in pieces 60ms apart, IdleTimeout 100ms: the idle time counts from the last byte that arrived, not from the start of the line")
				time.Sleep(idle * 6 / 10)
			}
			synctest.Wait()
			assert.False(t, talker.closed(), "a client that sent its last byte 60ms ago, IdleTimeout 100ms: its connection must stay open")
			assert.NoError(t, talker.waitClosed(), "a client that then says nothing, IdleTimeout 100ms: its connection must be closed")
			assert.Equal(t, []string{"line 0", "line 1", "line 2", "line 3", "in three pieces"}, got.snapshot(),
				"Handle's lines (the partial line of a connection closed by IdleTimeout is dropped)")
		})
	})
}

func TestServe_ZeroIdleTimeoutMeansNoLimit(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		harness.Bubble(t, func(t *testing.T) {
			got := &recorder{}
			pn := newPipeNet(t)
			servePipes(t, &tcp.Server{Handle: got.handle}, pn)
			c := pn.dial(t)
			require.NoError(t, c.write("a line begun, "))
			time.Sleep(24 * time.Hour) // virtual time
			synctest.Wait()
			require.False(t, c.closed(), "a client silent for 24h, IdleTimeout 0 (no limit): its connection must stay open")
			require.NoError(t, c.writeLine("finished a day later"))
			synctest.Wait()
			assert.Equal(t, []string{"a line begun, finished a day later"}, got.snapshot(), "Handle's lines with IdleTimeout 0")
		})
	})
}

// Task 7: Accept errors.

func TestServe_SurvivesTemporaryAcceptErrors(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		for _, tc := range []struct {
			name string
			err  error
		}{
			{"a net.Error whose Timeout reports true (and Temporary false)", timeoutError{}},
			{"an error whose Temporary method reports true (not a net.Error)", temporaryError{}},
			{"loopback.FlakyListener's error (wrapped in a *net.OpError)", nil},
		} {
			harness.Bubble(t, func(t *testing.T) {
				failures := 2 + harness.Rand(t).IntN(4)
				logger, logs := newLogger()
				got := &recorder{}
				pn := newPipeNet(t)
				var ln net.Listener = &failingListener{Listener: pn, err: tc.err, left: failures}
				if tc.err == nil {
					ln = loopback.FlakyListener(pn, failures)
				}
				sv := servePipes(t, &tcp.Server{Handle: got.handle, Logger: logger}, ln)
				c, err := pn.tryDial()
				if err != nil {
					sv.requireRunning(t, fmt.Sprintf("after %d Accept errors, each %s", failures, tc.name))
					t.Fatal(err)
				}
				require.NoError(t, c.writeLine("made it"))
				synctest.Wait()
				assert.Equal(t, []string{"made it"}, got.snapshot(), "Handle's lines after %d Accept errors, each %s", failures, tc.name)
				assert.NotEmpty(t, logs.String(), "after %d Accept errors, each %s: they must be logged on the Server's Logger", failures, tc.name)
			})
		}
	})
}

func TestServe_ReturnsOtherAcceptErrors(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		harness.Bubble(t, func(t *testing.T) {
			broken := errors.New("the listener broke for good")
			pn := newPipeNet(t)
			sv := servePipes(t, &tcp.Server{Handle: func(string) {}}, &failingListener{Listener: pn, err: broken, left: 1 << 30})
			synctest.Wait()
			select {
			case <-sv.done:
				require.Error(t, sv.err, "Serve after an Accept error that is neither a timeout nor temporary")
				assert.ErrorIs(t, sv.err, broken, "Serve after an Accept error that is neither a timeout nor temporary must return it")
			default:
				t.Fatalf("Serve was still running after Accept failed with %q, which is neither a timeout nor temporary: it must return that error", broken)
			}
		})
	})
}

// Task 8: Shutdown.

func TestShutdown_ClosesIdleConnectionsAndWaitsForTheirGoroutines(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		const talkers = 5
		got := newReceived(talkers)
		srv := &tcp.Server{Handle: got.handle}
		srv.Logger, _ = newLogger()
		tl := loopback.Track(loopback.Listen(t), 100*time.Millisecond)
		s := startOn(t, tl, srv)

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

		ctx, cancel := context.WithTimeout(context.Background(), harness.Bound())
		defer cancel()
		err := srv.Shutdown(ctx)
		require.NoError(t, err, "Shutdown with only idle connections (and one partial line) should close them and return nil")
		assert.Zero(t, tl.Busy(), "Shutdown returned while connection goroutines were still reading or writing: it must wait for them")
		requireServerClosed(t, s.Wait(), "Serve after Shutdown")
		for i, c := range clients {
			assert.NoError(t, c.WaitClosed(), "client %d after Shutdown: its connection must be closed", i)
		}
		_, err = net.DialTimeout("tcp", s.Addr, harness.Bound())
		assert.Error(t, err, "dialling after Shutdown returned: the listener must be closed")
	})
}

func TestShutdown_ClosesIdleConnectionsWaitsForHandleThenClosesItsConnection(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		harness.Bubble(t, func(t *testing.T) {
			h := newGate(t)
			pn := newPipeNet(t)
			pn.holdFailedReads() // a connection's goroutine, once its connection is closed, waits for pn.releaseFailedReads
			server := &tcp.Server{Handle: h.handle}
			sv := servePipes(t, server, pn)

			busy := pn.dial(t)
			require.NoError(t, busy.writeLine("block"))
			talker := pn.dial(t)
			require.NoError(t, talker.writeLine("hello"))
			half := pn.dial(t)
			require.NoError(t, half.write("partial"))
			silent := pn.dial(t)
			synctest.Wait()
			require.True(t, h.inside(), "Handle(\"block\") was not called")
			// A line sent while Handle("block") runs: Shutdown comes before it is handled.
			more := make(chan error, 1)
			go func() { more <- busy.writeLine("more") }()

			shut := make(chan error, 1)
			go func() { shut <- server.Shutdown(context.Background()) }()
			synctest.Wait()
			assertNotReturned(t, shut, "Shutdown, while the goroutines of the idle connections have not finished")
			sv.assertRunning(t, "while the goroutines of the idle connections have not finished")
			_, err := pn.tryDial()
			assert.Error(t, err, "dialling after Shutdown began: the listener must be closed")

			pn.releaseFailedReads()
			synctest.Wait()
			for name, c := range map[string]*pipeClient{"a client whose line was handled": talker, "a client with half a line": half, "a silent client": silent} {
				assert.True(t, c.closed(), "%s, after Shutdown began: its connection is idle (not in Handle) and must be closed", name)
			}
			assert.False(t, busy.closed(), "the connection in Handle(\"block\"), after Shutdown began: it must stay open until Handle returns")
			assertNotReturned(t, shut, "Shutdown, while Handle(\"block\") runs")
			sv.assertRunning(t, "while Handle(\"block\") runs")
			assert.False(t, busy.closed(), "the connection in Handle(\"block\"): it must stay open until Handle returns")

			h.release()
			synctest.Wait()
			select {
			case err := <-shut:
				assert.NoError(t, err, "Shutdown, once every connection is closed and its goroutine has finished")
			default:
				t.Errorf("Shutdown had not returned once Handle(\"block\") returned: it must then close that connection and return nil")
			}
			assert.True(t, busy.closed(), "the connection that was in Handle(\"block\"), once Handle returned: Shutdown must close it")
			sv.assertClosed(t, "Serve after Shutdown", "Serve had not returned after Shutdown, once every connection goroutine had finished")
			assert.ElementsMatch(t, []string{"block", "hello"}, h.snapshot(),
				"Handle's lines: a partial line is dropped at Shutdown, and a line that arrives while Handle runs is not handled after Shutdown began")
			<-more
		})
	})
}

func TestShutdown_WaitsForHandleUntilTheContextEnds(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		harness.Bubble(t, func(t *testing.T) {
			h := newGate(t)
			pn := newPipeNet(t)
			server := &tcp.Server{Handle: h.handle}
			sv := servePipes(t, server, pn)
			busy := pn.dial(t)
			require.NoError(t, busy.writeLine("block"))
			idle := pn.dial(t)
			synctest.Wait()
			require.True(t, h.inside(), "Handle(\"block\") was not called")

			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			shut := make(chan error, 1)
			go func() { shut <- server.Shutdown(ctx) }()
			synctest.Wait()
			assertNotReturned(t, shut, "Shutdown(ctx with a 1s deadline), while Handle runs and before the deadline")
			assert.True(t, idle.closed(), "the idle connection after Shutdown began")
			assert.False(t, busy.closed(), "the connection in Handle, before Shutdown's deadline: it must stay open")

			<-ctx.Done() // virtual time: the second passes at once
			synctest.Wait()
			select {
			case err := <-shut:
				require.Error(t, err, "Shutdown(ctx with a 1s deadline) while Handle runs past it")
				assert.ErrorIs(t, err, context.DeadlineExceeded, "Shutdown(ctx with a 1s deadline) while Handle runs past it must return ctx.Err()")
			default:
				t.Fatalf("Shutdown(ctx with a 1s deadline) was still waiting after the deadline: when ctx is done it must close every connection and return")
			}
			assert.True(t, busy.closed(), "the connection in Handle after Shutdown's ctx was done: every connection must be closed at once")
			sv.assertRunning(t, "while a Handle call was still running (it must wait for every goroutine it started)")
			h.release()
			synctest.Wait()
			sv.assertClosed(t, "Serve after Shutdown, once Handle returned", "Serve had not returned once the last Handle call returned, after Shutdown")
		})
	})
}

func TestShutdown_WithDoneContextClosesEverythingAndReturnsItsError(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		h := newGate(t)
		defer h.release()
		srv := &tcp.Server{Handle: h.handle}
		s := start(t, srv)
		busy := dial(t, s.Addr)
		require.NoError(t, busy.WriteLine("block"))
		waitFor(t, h.entered, s, "Handle(\"block\")")
		idle := dial(t, s.Addr)

		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		done := make(chan error, 1)
		go func() { done <- srv.Shutdown(ctx) }()
		err := harness.Receive(t, done, "Shutdown(cancelled ctx) was still waiting after %v: a done ctx means close everything and return", harness.Bound())
		require.Error(t, err, "Shutdown(cancelled ctx) while Handle is running")
		assert.ErrorIs(t, err, context.Canceled, "Shutdown(cancelled ctx) while Handle is running must return ctx.Err()")
		assert.NoError(t, busy.WaitClosed(), "the busy connection after Shutdown(cancelled ctx)")
		assert.NoError(t, idle.WaitClosed(), "the idle connection after Shutdown(cancelled ctx)")
		h.release()
		requireServerClosed(t, s.Wait(), "Serve after Shutdown")
	})
}

// Task 9: Shutdown from every side.

func TestServe_AfterShutdownReturnsErrServerClosed(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		require.Error(t, tcp.ErrServerClosed, "ErrServerClosed must be a non-nil error, or errors.Is(nil, ErrServerClosed) holds")
		for _, other := range []error{context.Canceled, context.DeadlineExceeded, net.ErrClosed, io.EOF} {
			assert.NotErrorIs(t, tcp.ErrServerClosed, other, "ErrServerClosed must be an error of its own")
		}
		srv := &tcp.Server{Handle: func(string) {}}
		srv.Logger, _ = newLogger()
		require.NoError(t, srv.Shutdown(context.Background()), "Shutdown of a server that never served")
		ln := loopback.Listen(t)
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(ln) }()
		select {
		case err := <-errc:
			requireServerClosed(t, err, "Serve after Shutdown")
		case <-time.After(harness.Bound()):
			ln.Close()
			<-errc
			t.Fatalf("Serve after Shutdown was still running after %v: it must return ErrServerClosed at once", harness.Bound())
		}
		_, err := net.DialTimeout("tcp", ln.Addr().String(), harness.Bound())
		assert.Error(t, err, "dialling the listener given to Serve after Shutdown: Serve must close it")
		if err == nil {
			ln.Close()
		}
	})
}

func TestShutdown_CalledTwiceAtOnce(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		harness.Bubble(t, func(t *testing.T) {
			h := newGate(t)
			pn := newPipeNet(t)
			server := &tcp.Server{Handle: h.handle}
			sv := servePipes(t, server, pn)
			busy := pn.dial(t)
			require.NoError(t, busy.writeLine("block"))
			synctest.Wait()
			require.True(t, h.inside(), "Handle(\"block\") was not called")

			first, second := make(chan error, 1), make(chan error, 1)
			go func() { first <- server.Shutdown(context.Background()) }()
			synctest.Wait()
			go func() { second <- server.Shutdown(context.Background()) }()
			synctest.Wait()
			assertNotReturned(t, first, "the first Shutdown, while Handle runs")
			assertNotReturned(t, second, "a second Shutdown called while the first waits, while Handle runs")
			h.release()
			synctest.Wait()
			for name, ch := range map[string]chan error{"the first Shutdown": first, "the second Shutdown": second} {
				select {
				case err := <-ch:
					assert.NoError(t, err, "%s, once the last Handle returned", name)
				default:
					t.Errorf("%s had not returned once the last Handle returned: every Shutdown call must return nil then", name)
				}
			}
			sv.assertClosed(t, "Serve after two Shutdowns", "Serve had not returned after two Shutdowns")
		})
	})
}

func TestShutdown_ClosesEveryListener(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		harness.Bubble(t, func(t *testing.T) {
			got := &recorder{}
			srv := &tcp.Server{Handle: got.handle}
			srv.Logger, _ = newLogger()
			pa, pb := newPipeNet(t), newPipeNet(t)
			a, b := servePipes(t, srv, pa), servePipes(t, srv, pb)
			ca, cb := pa.dial(t), pb.dial(t)
			require.NoError(t, ca.writeLine("on the first listener"))
			require.NoError(t, cb.writeLine("on the second listener"))
			synctest.Wait()
			require.NoError(t, srv.Shutdown(context.Background()), "Shutdown of a server serving two listeners")
			synctest.Wait()
			for name, sv := range map[string]*serving{"the first Serve": a, "the second Serve": b} {
				sv.assertClosed(t, name+" after Shutdown", "%s (one Server, two listeners, two Serve calls) had not returned after Shutdown: Shutdown must close every listener", name)
			}
			assert.True(t, ca.closed(), "a connection of the first listener after Shutdown")
			assert.True(t, cb.closed(), "a connection of the second listener after Shutdown")
		})
	})
}

func TestShutdown_WhileAConnectionIsBeingAccepted(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		harness.Bubble(t, func(t *testing.T) {
			got := &recorder{}
			srv := &tcp.Server{Handle: got.handle}
			srv.Logger, _ = newLogger()
			pn := newPipeNet(t)
			pn.holdAccepts() // Accept takes a connection, then waits for pn.releaseAccepts to return it
			sv := servePipes(t, srv, pn)
			late := pn.dial(t)
			synctest.Wait()

			shut := make(chan error, 1)
			go func() { shut <- srv.Shutdown(context.Background()) }()
			synctest.Wait()
			pn.releaseAccepts() // Accept returns the connection now, after Shutdown began
			synctest.Wait()
			assert.True(t, late.closed(), "a connection that Accept returned after Shutdown began: it must be closed, not served")
			select {
			case err := <-shut:
				assert.NoError(t, err, "Shutdown")
			default:
				t.Errorf("Shutdown had not returned: a connection accepted after it began must be closed at once")
			}
			sv.assertClosed(t, "Serve after Shutdown", "Serve had not returned after Shutdown: a connection accepted after Shutdown began must be closed at once, not served")
		})
	})
}

// Helpers.

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
// Serve returns first or the lines do not arrive within harness.Bound.
func (r *received) wait(t *testing.T, s *loopback.Server) {
	t.Helper()
	if problem := r.await(s); problem != "" {
		t.Fatal(problem)
	}
}

// await is wait that returns the problem instead of failing t.
func (r *received) await(s *loopback.Server) string {
	timer := time.NewTimer(harness.Bound())
	defer timer.Stop()
	select {
	case <-r.full:
		return ""
	case <-s.Done():
		return fmt.Sprintf("Serve returned before Handle was given %d lines (it got %d): Serve returned %v",
			r.want, len(r.snapshot()), s.Wait())
	case <-timer.C:
		return fmt.Sprintf("Handle was given %d lines within %v, want %d. The first lines that did arrive: %s",
			len(r.snapshot()), harness.Bound(), r.want, shortList(r.snapshot()))
	}
}

// recorder collects the lines Handle is given, in a synctest bubble. It is safe for
// concurrent use.
type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) handle(line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, line)
}

func (r *recorder) snapshot() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.lines)
}

// gate is a Handle that blocks on the line "block" until release (at the latest at cleanup).
type gate struct {
	recorder
	entered chan struct{}
	open    chan struct{}
	release func()
}

func newGate(t *testing.T) *gate {
	t.Helper()
	g := &gate{entered: make(chan struct{}), open: make(chan struct{})}
	g.release = sync.OnceFunc(func() { close(g.open) })
	t.Cleanup(g.release)
	return g
}

func (g *gate) handle(line string) {
	g.recorder.handle(line)
	if line == "block" {
		close(g.entered)
		<-g.open
	}
}

// inside reports whether Handle("block") has been called.
func (g *gate) inside() bool {
	select {
	case <-g.entered:
		return true
	default:
		return false
	}
}

// clientLine parses "client I line J ..." without fmt (whose scanner state comes from a
// sync.Pool, which the race detector counts as synchronization).
func clientLine(line string) (i, j int, ok bool) {
	f := strings.Fields(line)
	if len(f) < 4 || f[0] != "client" || f[2] != "line" {
		return 0, 0, false
	}
	i, err1 := strconv.Atoi(f[1])
	j, err2 := strconv.Atoi(f[3])
	return i, j, err1 == nil && err2 == nil && i >= 0
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
	for _, l := range lines[:min(len(lines), 3)] {
		if len(l) > 40 {
			l = l[:40] + "..."
		}
		out = append(out, fmt.Sprintf("%q", l))
	}
	return "[" + strings.Join(out, ", ") + "]"
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

// requireServerClosed checks that err, what Serve returned, is a non-nil error matching
// ErrServerClosed.
func requireServerClosed(t *testing.T, err error, what string) {
	t.Helper()
	require.Error(t, err, "%s: want ErrServerClosed", what)
	assert.ErrorIs(t, err, tcp.ErrServerClosed, "%s", what)
}

// assertNotReturned checks, in a synctest bubble after synctest.Wait, that the call sending
// on ch has not returned.
func assertNotReturned(t *testing.T, ch chan error, what string) {
	t.Helper()
	select {
	case err := <-ch:
		t.Errorf("%s returned %v; it must wait", what, err)
		ch <- err
	default:
	}
}

// start runs srv.Serve on a loopback listener, with a Logger of the test's own when srv has
// none. Cleanup shuts it down and joins Serve, which must then return ErrServerClosed.
func start(t *testing.T, srv *tcp.Server) *loopback.Server {
	t.Helper()
	if srv.Logger == nil {
		srv.Logger, _ = newLogger()
	}
	return startOn(t, loopback.Listen(t), srv)
}

// startOn runs srv.Serve on ln as it is; cleanup as start.
func startOn(t *testing.T, ln net.Listener, srv *tcp.Server) *loopback.Server {
	t.Helper()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), harness.Bound())
		defer cancel()
		srv.Shutdown(ctx)
	}
	return loopback.StartOn(t, ln, srv.Serve, stop, loopback.WithExpected(tcp.ErrServerClosed))
}

func dial(t *testing.T, addr string) *loopback.Conn {
	t.Helper()
	c, err := loopback.Dial(t, addr)
	require.NoError(t, err, "dialling the server: is Serve accepting connections?")
	return c
}

// waitFor waits until ch is closed, and fails t when Serve returns first or harness.Bound
// passes.
func waitFor(t *testing.T, ch <-chan struct{}, s *loopback.Server, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-s.Done():
		t.Fatalf("Serve returned %v before %s", s.Wait(), what)
	case <-time.After(harness.Bound()):
		harness.FatalStuck(t, "%s did not happen within %v", what, harness.Bound())
	}
}

// serving is a Serve call running in a synctest bubble.
type serving struct {
	done chan struct{}
	err  error // set before done is closed
	errc chan error
}

// assertClosed checks, after synctest.Wait, that Serve has returned ErrServerClosed (what
// names the call in that check's message), and fails t with notReturned when it has not
// returned. It reads Serve's result, so call it once.
func (s *serving) assertClosed(t *testing.T, what, notReturned string, args ...any) {
	t.Helper()
	select {
	case err := <-s.errc:
		requireServerClosed(t, err, what)
	default:
		t.Errorf(notReturned, args...)
	}
}

// assertRunning checks, after synctest.Wait, that Serve has not returned.
func (s *serving) assertRunning(t *testing.T, when string) {
	t.Helper()
	select {
	case <-s.done:
		t.Errorf("Serve returned %v %s", s.err, when)
	default:
	}
}

// requireRunning fails t when Serve has returned.
func (s *serving) requireRunning(t *testing.T, when string) {
	t.Helper()
	select {
	case <-s.done:
		t.Fatalf("Serve returned %v %s; it must go on accepting", s.err, when)
	default:
	}
}

// servePipes runs srv.Serve(ln) in the bubble (with a Logger of its own when srv has none).
// Cleanup shuts srv down and checks that Serve returns.
func servePipes(t *testing.T, srv *tcp.Server, ln net.Listener) *serving {
	t.Helper()
	if srv.Logger == nil {
		srv.Logger, _ = newLogger()
	}
	s := &serving{done: make(chan struct{}), errc: make(chan error, 1)}
	go func() {
		defer close(s.done)
		s.err = srv.Serve(ln)
		s.errc <- s.err
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), harness.Bound())
		defer cancel()
		srv.Shutdown(ctx)
		ln.Close()
		select {
		case <-s.done:
		case <-time.After(harness.Bound()):
			t.Errorf("Serve had not returned %v after Shutdown", harness.Bound())
		}
	})
	return s
}

// pipeNet is a net.Listener whose connections are net.Pipe ends: whatever the server does with
// them blocks on channels, so that synctest.Wait sees it, and their deadlines run on the
// bubble's virtual clock. Make it and use it inside one synctest bubble.
type pipeNet struct {
	conns  chan net.Conn
	closed chan struct{}
	close  func()

	holdAccept chan struct{} // when not nil, Accept waits for it before returning a connection
	holdFailed chan struct{} // when not nil, a server-side Read that fails waits for it
	freeAccept func()
	freeFailed func()
}

func newPipeNet(t *testing.T) *pipeNet {
	p := &pipeNet{conns: make(chan net.Conn), closed: make(chan struct{})}
	p.close = sync.OnceFunc(func() { close(p.closed) })
	t.Cleanup(func() {
		if p.freeAccept != nil {
			p.freeAccept()
		}
		if p.freeFailed != nil {
			p.freeFailed()
		}
	})
	return p
}

func (p *pipeNet) holdAccepts() {
	p.holdAccept = make(chan struct{})
	p.freeAccept = sync.OnceFunc(func() { close(p.holdAccept) })
}

func (p *pipeNet) releaseAccepts() { p.freeAccept() }

func (p *pipeNet) holdFailedReads() {
	p.holdFailed = make(chan struct{})
	p.freeFailed = sync.OnceFunc(func() { close(p.holdFailed) })
}

func (p *pipeNet) releaseFailedReads() { p.freeFailed() }

func (p *pipeNet) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		if p.holdAccept != nil {
			<-p.holdAccept
		}
		return c, nil
	case <-p.closed:
		return nil, &net.OpError{Op: "accept", Net: "pipe", Addr: pipeAddr{}, Err: net.ErrClosed}
	}
}

func (p *pipeNet) Close() error   { p.close(); return nil }
func (p *pipeNet) Addr() net.Addr { return pipeAddr{} }

// tryDial connects, or returns an error when the listener is closed or nobody accepts within
// harness.Bound (virtual time).
func (p *pipeNet) tryDial() (*pipeClient, error) {
	server, client := net.Pipe()
	c := &pipeClient{conn: client}
	select {
	case p.conns <- &serverEnd{Conn: server, net: p, client: c}:
		return c, nil
	case <-p.closed:
		return nil, errors.New("dial: connection refused (the listener is closed)")
	case <-time.After(harness.Bound()):
		return nil, fmt.Errorf("dial: Serve did not accept the connection within %v", harness.Bound())
	}
}

func (p *pipeNet) dial(t *testing.T) *pipeClient {
	t.Helper()
	c, err := p.tryDial()
	require.NoError(t, err, "dialling the server: is Serve accepting connections?")
	t.Cleanup(func() { c.conn.Close() })
	return c
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// serverEnd is the server's side of a pipe: a Read after the client's reset fails with
// ECONNRESET, and a Read that fails waits for pn.releaseFailedReads when it was held.
type serverEnd struct {
	net.Conn
	net    *pipeNet
	client *pipeClient
}

func (s *serverEnd) Read(p []byte) (int, error) {
	n, err := s.Conn.Read(p)
	if err != nil {
		if s.client.wasReset.Load() && errors.Is(err, io.EOF) {
			err = &net.OpError{Op: "read", Net: "pipe", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
		}
		if s.net.holdFailed != nil {
			<-s.net.holdFailed
		}
	}
	return n, err
}

// pipeClient is the client's side of a pipe. A write returns once the server has read it all.
type pipeClient struct {
	conn     net.Conn
	wasReset atomic.Bool
}

func (c *pipeClient) write(s string) error {
	c.conn.SetWriteDeadline(time.Now().Add(harness.Bound()))
	_, err := io.WriteString(c.conn, s)
	return err
}

func (c *pipeClient) writeLine(s string) error { return c.write(s + "\n") }

func (c *pipeClient) close() error { return c.conn.Close() }

// reset ends the connection so that the server's next Read fails with ECONNRESET.
func (c *pipeClient) reset() {
	c.wasReset.Store(true)
	c.conn.Close()
}

// closed reports, without waiting, whether the server has closed its side.
func (c *pipeClient) closed() bool {
	c.conn.SetReadDeadline(time.Now())
	_, err := c.conn.Read(make([]byte, 1))
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe)
}

// waitClosed waits, up to harness.Bound (virtual time), for the server to close its side.
func (c *pipeClient) waitClosed() error {
	c.conn.SetReadDeadline(time.Now().Add(harness.Bound()))
	_, err := io.Copy(io.Discard, c.conn)
	if err == nil || errors.Is(err, io.ErrClosedPipe) {
		return nil
	}
	return fmt.Errorf("the connection was still open after %v: %w", harness.Bound(), err)
}

// failingListener's first left calls to Accept return err.
type failingListener struct {
	net.Listener
	err  error
	mu   sync.Mutex
	left int
}

func (f *failingListener) Accept() (net.Conn, error) {
	f.mu.Lock()
	fail := f.left > 0
	f.left--
	f.mu.Unlock()
	if fail {
		return nil, f.err
	}
	return f.Listener.Accept()
}

// timeoutError is a net.Error whose Timeout reports true and Temporary false.
type timeoutError struct{}

func (timeoutError) Error() string   { return "accept: injected timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return false }

// temporaryError is not a net.Error; its Temporary method reports true.
type temporaryError struct{}

func (temporaryError) Error() string   { return "accept: injected temporary error" }
func (temporaryError) Temporary() bool { return true }
