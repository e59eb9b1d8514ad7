package collector_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	collector "github.com/kata-go/concurrency/exercises/13_collector"
	"github.com/kata-go/concurrency/harness"
	"github.com/kata-go/concurrency/harness/loopback"
)

func TestMain(m *testing.M) { harness.Main(m) }

// Task 1: the protocol.

func TestServe_StatusThenQuery(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		svc := fmt.Sprintf("web-%d", harness.Rand(t).IntN(1000))
		s := start(t, collector.New())
		conn := dial(t, s.Addr)

		assert.Equal(t, "ERR unknown service", ask(t, conn, "QUERY "+svc), "QUERY of a service that never reported")
		assert.Equal(t, "OK", ask(t, conn, "STATUS "+svc+" up all good"), "STATUS %s up all good", svc)
		assert.Equal(t, "STATE up 1 all good", ask(t, conn, "QUERY "+svc), "QUERY %s after one STATUS", svc)
		assert.Equal(t, "OK", ask(t, conn, "STATUS "+svc+" degraded"), "STATUS %s degraded (no detail)", svc)
		assert.Equal(t, "STATE degraded 2", ask(t, conn, "QUERY "+svc), "QUERY %s after a STATUS without detail: no detail, no trailing space", svc)
		assert.Equal(t, "OK", ask(t, conn, "STATUS db down disk full: 100% of /var"), "STATUS db down with a detail of several words")
		assert.Equal(t, "STATE down 1 disk full: 100% of /var", ask(t, conn, "QUERY db"), "QUERY db")
		assert.Equal(t, "STATE degraded 2", ask(t, conn, "QUERY "+svc), "QUERY %s after another service reported", svc)
	})
}

func TestServe_UpdatesCountsEveryStatusLineEvenWithTheSameState(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := collector.New()
		s := start(t, c)
		conn := dial(t, s.Addr)
		for i := range 3 {
			require.Equal(t, "OK", ask(t, conn, "STATUS queue up"), "STATUS queue up, number %d", i+1)
		}
		require.Equal(t, "OK", ask(t, conn, "STATUS cron up nightly run done"))
		require.Equal(t, "OK", ask(t, conn, "STATUS cron up nightly run done"))
		assert.Equal(t, "STATE up 3", ask(t, conn, "QUERY queue"), "QUERY queue after three identical STATUS lines: <updates> counts every STATUS line, not changes of state")
		assert.Equal(t, "STATE up 2 nightly run done", ask(t, conn, "QUERY cron"), "QUERY cron after two identical STATUS lines")
		assert.Equal(t, map[string]collector.Status{
			"queue": {State: "up", Updates: 3},
			"cron":  {State: "up", Detail: "nightly run done", Updates: 2},
		}, c.Snapshot(), "Snapshot after STATUS queue up three times and STATUS cron up twice")
	})
}

func TestServe_DetailIsTheRestOfTheLineAsItCame(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := collector.New()
		s := start(t, c)
		conn := dial(t, s.Addr)
		const detail = "disk  full:\t100%  of /var "
		require.Equal(t, "OK", ask(t, conn, "STATUS db down "+detail), "STATUS db down %q", detail)
		assert.Equal(t, "STATE down 1 "+detail, ask(t, conn, "QUERY db"), "QUERY db after a detail with double spaces, a tab and a trailing space: the detail is the rest of the line, every byte of it")
		assert.Equal(t, collector.Status{State: "down", Detail: detail, Updates: 1}, c.Snapshot()["db"], "Snapshot()[\"db\"]")
	})
}

func TestServe_BadLinesGetERRAndTheConnectionStaysOpen(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := collector.New()
		s := start(t, c)
		conn := dial(t, s.Addr)
		require.Equal(t, "OK", ask(t, conn, "STATUS api up"), "STATUS api up")
		for _, bad := range []string{
			"HELLO there", "", "STATUS", "STATUS lonely", "QUERY", "PING", "OK",
			"STATUS  api down", // two spaces: an empty service
			"QUERY api now",    // QUERY takes one word
		} {
			reply := ask(t, conn, bad)
			assert.Regexp(t, `^ERR \S`, reply, "the reply to %q should be ERR and a reason", bad)
		}
		assert.Equal(t, "OK", ask(t, conn, "STATUS api degraded"), "STATUS on the same connection after bad lines: the connection must stay usable")
		assert.Equal(t, map[string]collector.Status{"api": {State: "degraded", Updates: 2}}, c.Snapshot(),
			"Snapshot after two STATUS lines with bad lines between them: bad lines change nothing")
	})
}

func TestServe_LineOverMaxLineBytesClosesOnlyThatConnection(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := collector.New()
		s := start(t, c)
		other := dial(t, s.Addr)
		assert.Equal(t, "OK", ask(t, other, "STATUS cache up"), "STATUS cache up")

		prefix := "STATUS big up "
		longest := prefix + strings.Repeat("d", collector.MaxLineBytes-len(prefix))
		exact := dial(t, s.Addr)
		assert.Equal(t, "OK", ask(t, exact, longest), "a STATUS line of exactly MaxLineBytes (%d) bytes", collector.MaxLineBytes)

		// MaxLineBytes+1 bytes and no "\n" yet: the line is already too long.
		long := dial(t, s.Addr)
		require.NoError(t, long.WriteString(longest+"d"), "sending MaxLineBytes+1 bytes of a line")
		got, err := long.ReadAll()
		if err != nil && !loopback.ClosedByPeer(err) {
			t.Errorf("after MaxLineBytes+1 bytes of a line without \"\\n\": the connection must be closed, without waiting for the rest of the line: %v", err)
		}
		assert.Empty(t, got, "what came back on a connection that sent MaxLineBytes+1 bytes of a line: it must be closed without a reply")

		assert.Equal(t, "OK", ask(t, other, "STATUS cache warm"), "STATUS on another connection after one was closed for a long line")
		snap := c.Snapshot()
		assert.Equal(t, 1, snap["big"].Updates, "Snapshot()[\"big\"].Updates: the over-long line must not count")
		assert.Equal(t, 2, snap["cache"].Updates, "Snapshot()[\"cache\"].Updates")
	})
}

func TestSnapshot_IsACopy(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := collector.New()
		require.NotNil(t, c, "New() returned nil")
		assert.Empty(t, c.Snapshot(), "Snapshot of a new Collector")
		s := start(t, c)
		conn := dial(t, s.Addr)
		require.Equal(t, "OK", ask(t, conn, "STATUS mail up queue empty"))
		require.Equal(t, "OK", ask(t, conn, "STATUS dns up"))
		want := map[string]collector.Status{
			"mail": {State: "up", Detail: "queue empty", Updates: 1},
			"dns":  {State: "up", Updates: 1},
		}

		snap := c.Snapshot()
		require.Equal(t, want, snap, "Snapshot after two STATUS lines")
		snap["mail"] = collector.Status{State: "hacked", Updates: 99}
		delete(snap, "dns")
		snap["ghost"] = collector.Status{State: "boo"}
		assert.Equal(t, want, c.Snapshot(), "Snapshot after the caller changed an earlier Snapshot's map: it must be a copy")
		assert.Equal(t, "STATE up 1 queue empty", ask(t, conn, "QUERY mail"), "QUERY mail after the caller changed a Snapshot's map")

		s.cancel()
		require.NoError(t, s.Wait(), "Serve after cancel")
		assert.Equal(t, want, c.Snapshot(), "Snapshot after Serve returned")
	})
}

// Task 2: Report.

func TestReport_ReturnsOnlyAfterOK(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		for _, tc := range []struct{ service, state, detail, line string }{
			{"billing", "up", "all invoices sent", "STATUS billing up all invoices sent\n"},
			{"search", "degraded", "", "STATUS search degraded\n"},
		} {
			s, lines, answer := oneLineServer(t)
			r := goReport(context.Background(), s.Addr, tc.service, tc.state, tc.detail)
			var line string
			select {
			case line = <-lines:
			case <-r.done:
				t.Fatalf("Report(%q, %q, %q) returned %v before the server read a line", tc.service, tc.state, tc.detail, r.err)
			case <-time.After(harness.Bound()):
				harness.FatalStuck(t, "Report(%q, %q, %q): the server read no line within %v", tc.service, tc.state, tc.detail, harness.Bound())
			}
			assert.Equal(t, tc.line, line, "the line Report(%q, %q, %q) sent", tc.service, tc.state, tc.detail)
			select {
			case <-r.done:
				t.Errorf("Report returned %v before the server answered: it must wait for OK", r.err)
			default:
			}
			answer <- "OK\n"
			harness.Receive(t, r.done, "Report was still waiting %v after the server answered OK (it should read one line, not wait for EOF)", harness.Bound())
			assert.NoError(t, r.err, "Report after the server answered OK")
		}
	})
}

func TestReport_FailsWithoutOK(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		for _, tc := range []struct{ name, answer string }{
			{"closed without an answer", ""},
			{"ERR", "ERR not today\n"},
			{"OKAY", "OKAY\n"},
			{"OK and more", "OK but not recorded\n"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s, lines, answer := oneLineServer(t)
				r := goReport(context.Background(), s.Addr, "svc", "up", "")
				select {
				case <-lines:
					answer <- tc.answer
					harness.Receive(t, r.done, "Report was still running %v after the collector answered %q", harness.Bound(), tc.answer)
					assert.Error(t, r.err, "Report when the collector answers %q: only OK is a success", tc.answer)
				case <-r.done:
					t.Errorf("Report returned %v before the collector read its line", r.err)
				case <-time.After(harness.Bound()):
					harness.FatalStuck(t, "Report sent no line within %v", harness.Bound())
				}
			})
		}
		t.Run("nobody listening", func(t *testing.T) {
			r := goReport(context.Background(), loopback.ClosedAddr(t), "svc", "up", "")
			harness.Receive(t, r.done, "Report to a port nobody listens on was still running after %v", harness.Bound())
			assert.Error(t, r.err, "Report to a port nobody listens on")
		})
	})
}

func TestReport_GivesUpAtItsDeadline(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		r := goReport(ctx, loopback.NeverAnswers(t), "svc", "up", "")
		harness.Receive(t, r.done, "Report to a collector that never answers was still waiting %v after its ctx deadline (50ms)", harness.Bound())
		require.Error(t, r.err, "Report to a collector that never answers, ctx deadline 50ms")
		assert.ErrorIs(t, r.err, context.DeadlineExceeded, "Report to a collector that never answers, ctx deadline 50ms: the error must match ctx.Err()")
	})
}

// The tests below prove that Report is blocked where they say before they cancel its ctx.

func TestReport_CancelledWhileDialling(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		cancelWhileBlocked(t, loopback.FullQueue(t), "", "dialling a collector whose queue of connections is full", loopback.DialFunc, loopback.ReadFunc, loopback.WriteFunc)
	})
}

func TestReport_CancelledWhileWriting(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		// A 16 MiB detail that the collector never reads: the write cannot finish.
		cancelWhileBlocked(t, loopback.NeverAnswers(t), strings.Repeat("w", 16<<20), "writing 16 MiB to a collector that never reads", loopback.WriteFunc)
	})
}

func TestReport_CancelledWhileWaitingForOK(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		s, lines, _ := oneLineServer(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := goReport(ctx, s.Addr, "svc", "up", "")
		select {
		case <-lines:
		case <-r.done:
			t.Fatalf("Report returned %v before the collector read its line", r.err)
		case <-time.After(harness.Bound()):
			harness.FatalStuck(t, "Report sent no line within %v", harness.Bound())
		}
		cancelBlocked(t, r, cancel, "waiting for the answer of a collector that read the line and never answers", loopback.ReadFunc)
	})
}

func TestReport_PanicsOnFieldsTheProtocolCannotCarry(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		addr := loopback.NeverAnswers(t)
		for _, tc := range []struct{ service, state, detail string }{
			{"", "up", ""},
			{"two words", "up", ""},
			{"svc\nQUERY", "up", ""},
			{"svc", "", ""},
			{"svc", "up\tdown", ""},
			{"svc", "up now", ""},
			{"svc", "up", "line one\nline two"},
		} {
			msg, panicked := harness.Recover(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
				defer cancel()
				collector.Report(ctx, addr, tc.service, tc.state, tc.detail)
			})
			if assert.True(t, panicked, "Report(ctx, addr, %q, %q, %q) should panic: the line could not be parsed back", tc.service, tc.state, tc.detail) {
				assert.True(t, strings.HasPrefix(fmt.Sprint(msg), "collector: "), "the panic message %q should start with \"collector: \"", msg)
			}
		}
	})
}

// Task 3: many reporters at once.

func TestCollector_CountsEveryUpdateOnceFromManyReporters(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		const services = 16
		r := harness.Rand(t)
		names := make([]string, services)
		updates := make([]int, services) // different counts, so that no count stands for another
		for i := range names {
			names[i] = fmt.Sprintf("svc%d-%d", i, r.IntN(1e6))
			updates[i] = 4 + i%5
		}
		c := collector.New()
		s := start(t, c)

		// While the reporters run, a goroutine that touches no socket reads Snapshot again and
		// again: no update may go backwards.
		stopPolling := make(chan struct{})
		polled := make(chan string, 1)
		go func() {
			last := map[string]int{}
			problem := ""
			for {
				select {
				case <-stopPolling:
					polled <- problem
					return
				default:
				}
				for name, st := range c.Snapshot() {
					if st.Updates < last[name] && problem == "" {
						problem = fmt.Sprintf("Snapshot()[%q].Updates went from %d back to %d", name, last[name], st.Updates)
					}
					last[name] = st.Updates
				}
				runtime.Gosched()
			}
		}()

		ctx, cancel := context.WithTimeout(context.Background(), harness.Bound())
		defer cancel()
		errs := make(chan error, services)
		var wg sync.WaitGroup
		for k, name := range names {
			wg.Go(func() {
				for i := range updates[k] {
					// Each state is reported twice in a row: every STATUS line counts.
					err := collector.Report(ctx, s.Addr, name, state(i), fmt.Sprintf("update %d of %d", i+1, updates[k]))
					if err != nil {
						errs <- fmt.Errorf("Report(%s, %s): %w", name, state(i), err)
						return
					}
					// While the others report: an acknowledged update is recorded.
					if got := c.Snapshot()[name].Updates; got != i+1 {
						errs <- fmt.Errorf("Snapshot()[%q].Updates = %d right after Report number %d returned, want %d: OK must come after the update is recorded", name, got, i+1, i+1)
						return
					}
				}
			})
		}
		wg.Wait()
		close(stopPolling)
		assert.Empty(t, <-polled, "Snapshot while the reporters ran")
		close(errs)
		for err := range errs {
			require.NoError(t, err, "every Report must be acknowledged")
		}

		snap := c.Snapshot()
		assert.Len(t, snap, services, "Snapshot after %d services reported: one entry per service", services)
		conn := dial(t, s.Addr)
		for k, name := range names {
			n := updates[k]
			want := collector.Status{State: state(n - 1), Detail: fmt.Sprintf("update %d of %d", n, n), Updates: n}
			assert.Equal(t, want, snap[name], "Snapshot()[%q] after %d acknowledged updates from one reporter, in order", name, n)
			assert.Equal(t, fmt.Sprintf("STATE %s %d update %d of %d", state(n-1), n, n, n), ask(t, conn, "QUERY "+name), "QUERY %s", name)
		}
	})
}

// Task 4: a clean shutdown.

func TestServe_CancelClosesEverythingAndWaitsForItsGoroutines(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := collector.New()
		// The second connection's writes never finish, as if its client never read.
		tl := loopback.Track(loopback.StuckWrites(loopback.Listen(t), 2), 100*time.Millisecond)
		s := startOn(t, c, tl)

		idle := dial(t, s.Addr)
		require.Equal(t, "OK", ask(t, idle, "STATUS backup running"))
		stuck := dial(t, s.Addr)
		require.NoError(t, stuck.WriteLine("QUERY backup"), "a client that never reads the answer")
		half := dial(t, s.Addr)
		require.NoError(t, half.WriteString("STATUS half"))
		silent, err := loopback.Silent(t, s.Addr)
		require.NoError(t, err)
		// The collector must be stuck writing to the client that never reads before ctx ends:
		// only closing that connection wakes it.
		require.NotEmpty(t, harness.PollBlocked(s.Done(), collectorCode, loopback.StuckWriteFunc), "the collector never started to answer a client that never reads its answers")

		s.cancel()
		require.NoError(t, s.Wait(), "Serve after its ctx was cancelled: it must close everything and return nil")
		assert.Zero(t, tl.Busy(), "Serve returned while its connection goroutines were still reading or writing: it must wait for every goroutine it started")
		for name, conn := range map[string]*loopback.Conn{"idle": idle, "half-line": half, "silent": silent, "never-reading": stuck} {
			assert.NoError(t, conn.WaitClosed(), "the %s client after ctx was cancelled: its connection must be closed", name)
		}
		assert.Equal(t, map[string]collector.Status{"backup": {State: "running", Updates: 1}}, c.Snapshot(), "Snapshot after Serve returned")
	})
}

func TestServe_ReturnsOnlyAfterItsConnectionGoroutinesFinished(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		// Every connection's Read, once Serve has closed the connection, waits for the test
		// before it returns its error: its goroutine is then certainly still running.
		hl := loopback.HoldFailedRead(t, loopback.Listen(t))
		s := startOn(t, collector.New(), hl)
		conn := dial(t, s.Addr)
		require.Equal(t, "OK", ask(t, conn, "STATUS held up"))

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

func TestServe_AnswersALineInFlightWhileStopping(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		// The connection's first Read gets the line and then waits for the test: the line
		// reaches the connection goroutine only after ctx was cancelled. The aggregating
		// goroutine must still be there to take it, or the connection goroutine waits for ever.
		hl := loopback.HoldDataRead(t, loopback.Listen(t))
		c := collector.New()
		s := startOn(t, c, hl)
		conn := dial(t, s.Addr)
		require.NoError(t, conn.WriteLine("STATUS late up"))
		select {
		case <-hl.Held():
		case <-s.Done():
			t.Fatalf("Serve returned %v before it read a line", s.Wait())
		case <-time.After(harness.Bound()):
			harness.FatalStuck(t, "Serve read no line within %v", harness.Bound())
		}
		s.cancel()
		hl.Release()
		require.NoError(t, s.Wait(), "Serve after its ctx was cancelled while a connection goroutine had a line in hand: every goroutine it started, the aggregating one too, must finish, and Serve return nil")
		assert.NoError(t, conn.WaitClosed(), "the client after ctx was cancelled: its connection must be closed")
	})
}

func TestServe_ClosesAConnectionAcceptedJustAsCtxIsCancelled(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		// Accept gets a connection, then waits until the test has cancelled ctx and Serve has
		// closed the listener: the connection arrives after Serve started to stop.
		al := loopback.HoldAccept(t, loopback.Listen(t))
		s := startOn(t, collector.New(), al)
		conn := dial(t, s.Addr)
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
		assert.NoError(t, conn.WaitClosed(), "a connection that Accept returned just after ctx was cancelled: Serve must close it too")
		assert.NoError(t, s.Wait(), "Serve after its ctx was cancelled: it must close everything and return nil")
	})
}

func TestServe_ReturnsTheErrorWhenAcceptFails(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		ln := loopback.Listen(t)
		s := startOn(t, collector.New(), ln)
		conn := dial(t, s.Addr)
		require.Equal(t, "OK", ask(t, conn, "STATUS ln up"))

		ln.Close() // not through ctx: Accept fails
		harness.Receive(t, s.Done(), "Serve was still running %v after its listener was closed under it", harness.Bound())
		assert.Error(t, s.Wait(), "Serve after its listener was closed under it (ctx not done): it must return Accept's error")
		assert.NoError(t, conn.WaitClosed(), "a client's connection after Serve returned: it must be closed")
		s.Close() // the error was checked above
	})
}

// Helpers.

// collectorCode is on the stack of every goroutine running package collector's code, as
// harness.Blocked matches it.
const collectorCode = "/exercises/13_collector."

// server is c.Serve running on a loopback listener.
type server struct {
	*loopback.Server
	cancel    context.CancelFunc // cancels Serve's ctx
	goroutine atomic.Int64       // the goroutine that runs Serve
}

// waiting reports whether the goroutine running Serve is blocked, and not merely on a mutex
// for a moment: Serve is waiting for something.
func (s *server) waiting() bool {
	id := s.goroutine.Load()
	return harness.Blocked(collectorCode)[id] && !harness.Blocked("Mutex).Lock")[id] && !harness.Blocked("Mutex).RLock")[id]
}

// start runs c.Serve on a new loopback listener, as startOn.
func start(t *testing.T, c *collector.Collector) *server {
	t.Helper()
	return startOn(t, c, loopback.Listen(t))
}

// startOn runs c.Serve on ln with a context that cleanup cancels; Serve must then return nil.
func startOn(t *testing.T, c *collector.Collector, ln net.Listener) *server {
	t.Helper()
	require.NotNil(t, c, "New() returned nil")
	// Not t.Context(): it ends with the test, and would hide a Serve that leaks.
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{cancel: cancel}
	s.Server = loopback.StartOn(t, ln, func(ln net.Listener) error {
		s.goroutine.Store(harness.GoroutineID())
		err := c.Serve(ctx, ln)
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
	conn, err := loopback.Dial(t, addr)
	require.NoError(t, err, "dialling the collector: is Serve accepting connections?")
	return conn
}

// ask sends line and returns the one-line reply.
func ask(t *testing.T, conn *loopback.Conn, line string) string {
	t.Helper()
	require.NoError(t, conn.WriteLine(line), "sending %q", line)
	reply, err := conn.ReadLine()
	require.NoError(t, err, "reading the reply to %q", line)
	return reply
}

// state is the state a reporter sends in its update number i (from 0): each one twice.
func state(i int) string { return fmt.Sprint("state-", i/2) }

// oneLineServer accepts one connection, reads one line and hands it to the test, then answers
// with what the test sends on answer ("" closes the connection without answering).
func oneLineServer(t *testing.T) (s *loopback.Server, lines <-chan string, answer chan<- string) {
	t.Helper()
	got, ans := make(chan string, 1), make(chan string, 1)
	s = loopback.Start(t, func(ln net.Listener) error {
		conn, err := ln.Accept()
		if err != nil {
			return err
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(2 * harness.Bound()))
		line, err := bufio.NewReader(conn).ReadString('\n')
		got <- line
		if err != nil {
			return nil
		}
		if a := <-ans; a != "" {
			fmt.Fprint(conn, a)
		}
		return nil
	}, func() {
		select {
		case ans <- "":
		default:
		}
	})
	return s, got, ans
}

// report is a call of collector.Report running in a goroutine of its own.
type report struct {
	done chan struct{} // closed when Report has returned
	err  error         // what Report returned, set before done is closed
}

// goReport starts Report(ctx, addr, service, state, detail) in a goroutine of its own.
func goReport(ctx context.Context, addr, service, state, detail string) *report {
	r := &report{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = collector.Report(ctx, addr, service, state, detail)
	}()
	return r
}

// cancelWhileBlocked runs Report(ctx, addr, "svc", "up", detail) and hands it to cancelBlocked.
func cancelWhileBlocked(t *testing.T, addr, detail, doing string, frames ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cancelBlocked(t, goReport(ctx, addr, "svc", "up", detail), cancel, doing, frames...)
}

// cancelBlocked waits until Report r is blocked in one of frames (the first is the one the
// case is about), cancels its ctx, and checks that Report gives up at once with an error that
// matches context.Canceled.
func cancelBlocked(t *testing.T, r *report, cancel context.CancelFunc, doing string, frames ...string) {
	t.Helper()
	at := harness.PollBlocked(r.done, collectorCode, frames...)
	select {
	case <-r.done:
		t.Fatalf("Report returned %v while %s, before its ctx was cancelled", r.err, doing)
	default:
	}
	require.NotEmpty(t, at, "Report never blocked while %s", doing)
	if at != frames[0] {
		t.Logf("Report blocked in %s, not in %s, on this system", at, frames[0])
	}
	cancel()
	harness.Receive(t, r.done, "Report was still %s %v after its ctx was cancelled: it must give up at once", doing, harness.Bound())
	require.Error(t, r.err, "Report cancelled while %s", doing)
	assert.ErrorIs(t, r.err, context.Canceled, "Report cancelled while %s: the error must match ctx.Err()", doing)
}
