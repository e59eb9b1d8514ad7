package collector_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	collector "github.com/kata-go/concurrency/exercises/13_collector"
	"github.com/kata-go/concurrency/harness"
	"github.com/kata-go/concurrency/harness/loopback"
)

func TestMain(m *testing.M) { harness.Main(m) }

// bound is how long a test waits for something that a correct solution does at once. It is
// only ever reached by a wrong solution.
const bound = 3 * time.Second

// start runs c.Serve on ln (a new loopback listener when nil) with a context that cleanup
// cancels; Serve must then return nil.
func start(t *testing.T, c *collector.Collector, ln net.Listener) (s *loopback.Server, cancel context.CancelFunc) {
	t.Helper()
	require.NotNil(t, c, "New() returned nil")
	if ln == nil {
		ln = loopback.Listen(t)
	}
	// Not t.Context(): it ends with the test, and would hide a Serve that leaks.
	ctx, cancel := context.WithCancel(context.Background())
	s = loopback.StartOn(t, ln, func(ln net.Listener) error { return c.Serve(ctx, ln) }, cancel)
	return s, cancel
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

// Task 1: the protocol.

func TestServe_StatusThenQuery(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		svc := fmt.Sprintf("web-%d", harness.Rand(t).IntN(1000))
		s, _ := start(t, collector.New(), nil)
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

func TestServe_BadLinesGetERRAndTheConnectionStaysOpen(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := collector.New()
		s, _ := start(t, c, nil)
		conn := dial(t, s.Addr)
		for _, bad := range []string{"HELLO there", "", "STATUS", "STATUS lonely", "QUERY", "PING", "OK"} {
			reply := ask(t, conn, bad)
			assert.Regexp(t, `^ERR \S`, reply, "the reply to %q should be ERR and a reason", bad)
		}
		assert.Equal(t, "OK", ask(t, conn, "STATUS api up"), "STATUS on the same connection after bad lines: the connection must stay usable")
		assert.Equal(t, map[string]collector.Status{"api": {State: "up", Updates: 1}}, c.Snapshot(),
			"Snapshot after bad lines and one STATUS: bad lines change nothing")
	})
}

func TestServe_LineOverMaxLineBytesClosesOnlyThatConnection(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := collector.New()
		s, _ := start(t, c, nil)
		other := dial(t, s.Addr)
		assert.Equal(t, "OK", ask(t, other, "STATUS cache up"), "STATUS cache up")

		prefix := "STATUS big up "
		longest := prefix + strings.Repeat("d", collector.MaxLineBytes-len(prefix))
		exact := dial(t, s.Addr)
		assert.Equal(t, "OK", ask(t, exact, longest), "a STATUS line of exactly MaxLineBytes (%d) bytes", collector.MaxLineBytes)

		long := dial(t, s.Addr)
		require.NoError(t, long.WriteLine(longest+"d"), "sending a line one byte over MaxLineBytes")
		assert.NoError(t, long.WaitClosed(), "a line of MaxLineBytes+1 bytes: its connection must be closed (with no reply)")

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
		s, cancel := start(t, c, nil)
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

		cancel()
		require.NoError(t, s.Wait(), "Serve after cancel")
		assert.Equal(t, want, c.Snapshot(), "Snapshot after Serve returned")
	})
}

// Task 2: Report.

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
		conn.SetDeadline(time.Now().Add(2 * bound))
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

func TestReport_ReturnsOnlyAfterOK(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		for _, tc := range []struct{ service, state, detail, line string }{
			{"billing", "up", "all invoices sent", "STATUS billing up all invoices sent\n"},
			{"search", "degraded", "", "STATUS search degraded\n"},
		} {
			s, lines, answer := oneLineServer(t)
			done := make(chan error, 1)
			go func() { done <- collector.Report(context.Background(), s.Addr, tc.service, tc.state, tc.detail) }()
			var line string
			select {
			case line = <-lines:
			case err := <-done:
				t.Fatalf("Report(%q, %q, %q) returned %v before the server read a line", tc.service, tc.state, tc.detail, err)
			case <-time.After(bound):
				t.Fatalf("Report(%q, %q, %q): the server read no line within %v", tc.service, tc.state, tc.detail, bound)
			}
			assert.Equal(t, tc.line, line, "the line Report(%q, %q, %q) sent", tc.service, tc.state, tc.detail)
			select {
			case err := <-done:
				t.Errorf("Report returned %v before the server answered: it must wait for OK", err)
			default:
			}
			answer <- "OK\n"
			select {
			case err := <-done:
				assert.NoError(t, err, "Report after the server answered OK")
			case <-time.After(bound):
				t.Fatalf("Report was still waiting %v after the server answered OK (it should read one line, not wait for EOF)", bound)
			}
		}
	})
}

func TestReport_FailsWithoutOK(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		report := func(ctx context.Context, addr string) error {
			errc := make(chan error, 1)
			go func() { errc <- collector.Report(ctx, addr, "svc", "up", "") }()
			select {
			case err := <-errc:
				return err
			case <-time.After(bound):
				t.Fatalf("Report was still running after %v", bound)
				return nil
			}
		}
		for _, tc := range []struct{ name, answer string }{
			{"closed without an answer", ""},
			{"ERR", "ERR not today\n"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s, lines, answer := oneLineServer(t)
				errc := make(chan error, 1)
				go func() { errc <- collector.Report(context.Background(), s.Addr, "svc", "up", "") }()
				select {
				case <-lines:
					answer <- tc.answer
					select {
					case err := <-errc:
						assert.Error(t, err, "Report when the collector answers %q: only OK is a success", tc.answer)
					case <-time.After(bound):
						t.Fatalf("Report was still running %v after the collector answered %q", bound, tc.answer)
					}
				case err := <-errc:
					assert.Error(t, err, "Report returned before the collector read its line")
				case <-time.After(bound):
					t.Fatalf("Report sent no line within %v", bound)
				}
			})
		}
		t.Run("ctx deadline against a collector that never answers", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			err := report(ctx, loopback.NeverAnswers(t))
			assert.ErrorIs(t, err, context.DeadlineExceeded, "Report to a collector that never answers, ctx deadline 50ms: the error must match ctx.Err()")
		})
		t.Run("nobody listening", func(t *testing.T) {
			assert.Error(t, report(context.Background(), loopback.ClosedAddr(t)), "Report to a port nobody listens on")
		})
	})
}

func TestReport_PanicsOnFieldsTheProtocolCannotCarry(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		addr := loopback.NeverAnswers(t)
		for _, tc := range []struct{ service, state, detail string }{
			{"", "up", ""},
			{"two words", "up", ""},
			{"svc", "", ""},
			{"svc", "up\tdown", ""},
			{"svc", "up", "line one\nline two"},
		} {
			msg := func() (msg any) {
				defer func() { msg = recover() }()
				ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
				defer cancel()
				collector.Report(ctx, addr, tc.service, tc.state, tc.detail)
				return nil
			}()
			if assert.NotNil(t, msg, "Report(ctx, addr, %q, %q, %q) should panic: the line could not be parsed back", tc.service, tc.state, tc.detail) {
				assert.True(t, strings.HasPrefix(fmt.Sprint(msg), "collector: "), "the panic message %q should start with \"collector: \"", msg)
			}
		}
	})
}

// Task 3: many reporters at once.

func TestCollector_CountsEveryUpdateOnceFromManyReporters(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		const services, updates = 16, 8
		r := harness.Rand(t)
		names := make([]string, services)
		for i := range names {
			names[i] = fmt.Sprintf("svc%d-%d", i, r.IntN(1e6))
		}
		c := collector.New()
		s, _ := start(t, c, nil)

		// While the reporters run, a goroutine that touches no socket reads Snapshot again and
		// again, paced so as to look, not to spin: no update may go backwards.
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
				time.Sleep(time.Millisecond)
			}
		}()

		ctx, cancel := context.WithTimeout(context.Background(), bound)
		defer cancel()
		errs := make(chan error, services*updates)
		var wg sync.WaitGroup
		for _, name := range names {
			wg.Go(func() {
				for i := range updates {
					err := collector.Report(ctx, s.Addr, name, fmt.Sprint("state-", i), fmt.Sprintf("update %d of %d", i+1, updates))
					if err != nil {
						errs <- fmt.Errorf("Report(%s, state-%d): %w", name, i, err)
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
		for _, name := range names {
			want := collector.Status{State: fmt.Sprint("state-", updates-1), Detail: fmt.Sprintf("update %d of %d", updates, updates), Updates: updates}
			assert.Equal(t, want, snap[name], "Snapshot()[%q] after %d acknowledged updates from one reporter, in order", name, updates)
			assert.Equal(t, fmt.Sprintf("STATE state-%d %d update %d of %d", updates-1, updates, updates, updates), ask(t, conn, "QUERY "+name), "QUERY %s", name)
		}
	})
}

// Task 4: a clean shutdown.

func TestServe_CancelClosesEverythingAndWaitsForItsGoroutines(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		c := collector.New()
		tl := loopback.Track(loopback.Listen(t), 100*time.Millisecond)
		s, cancel := start(t, c, tl)

		idle := dial(t, s.Addr)
		require.Equal(t, "OK", ask(t, idle, "STATUS backup running"))
		half := dial(t, s.Addr)
		require.NoError(t, half.WriteString("STATUS half"))
		silent, err := loopback.Silent(t, s.Addr)
		require.NoError(t, err)

		cancel()
		require.NoError(t, s.Wait(), "Serve after its ctx was cancelled: it must close everything and return nil")
		assert.Zero(t, tl.Busy(), "Serve returned while its connection goroutines were still reading or writing: it must wait for every goroutine it started")
		for name, conn := range map[string]*loopback.Conn{"idle": idle, "half-line": half, "silent": silent} {
			assert.NoError(t, conn.WaitClosed(), "the %s client after ctx was cancelled: its connection must be closed", name)
		}
		_, err = net.DialTimeout("tcp", s.Addr, bound)
		assert.Error(t, err, "dialling after Serve returned: the listener must be closed")
		assert.Equal(t, map[string]collector.Status{"backup": {State: "running", Updates: 1}}, c.Snapshot(), "Snapshot after Serve returned")
	})
}

func TestServe_ReturnsTheErrorWhenAcceptFails(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		ln := loopback.Listen(t)
		s, _ := start(t, collector.New(), ln)
		conn := dial(t, s.Addr)
		require.Equal(t, "OK", ask(t, conn, "STATUS ln up"))

		ln.Close() // not through ctx: Accept fails
		select {
		case <-s.Done():
			assert.Error(t, s.Wait(), "Serve after its listener was closed under it (ctx not done): it must return Accept's error")
		case <-time.After(bound):
			t.Fatalf("Serve was still running %v after its listener was closed under it", bound)
		}
		assert.NoError(t, conn.WaitClosed(), "a client's connection after Serve returned: it must be closed")
		s.Close() // the error was checked above
	})
}
