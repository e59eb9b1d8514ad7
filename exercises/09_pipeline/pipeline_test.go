package pipeline_test

import (
	"bufio"
	"context"
	"fmt"
	"iter"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	pipeline "github.com/kata-go/concurrency/exercises/09_pipeline"
	"github.com/kata-go/concurrency/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }

// Task 1: Map.

func TestMap_YieldsEveryResult(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		n, workers := 20+r.IntN(40), 1+r.IntN(8)
		inputs := r.Perm(n)
		var calls atomic.Int64
		f := func(x int) int { calls.Add(1); return square(x) }

		var got []int
		for v := range pipeline.Map(context.Background(), slices.Values(inputs), workers, f) {
			got = append(got, v)
		}
		if len(got) != n {
			t.Fatalf("Map(%d inputs, workers=%d, square) yielded %d values, want %d", n, workers, len(got), n)
		}
		want := make([]int, n)
		for i, x := range inputs {
			want[i] = square(x)
		}
		slices.Sort(got)
		slices.Sort(want)
		assert.Equal(t, want, got, "Map(%d inputs, workers=%d, square): every result once, in any order", n, workers)
		assert.EqualValues(t, n, calls.Load(), "Map(%d inputs, workers=%d): calls of f, want one per input", n, workers)
	})
}

func TestMap_RunsExactlyWorkersCallsAtOnce(t *testing.T) {
	testExactlyWorkers(t, "Map", mapInts)
}

func TestMap_YieldsInCompletionOrder(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		n := 4 + r.IntN(5)
		// Every input runs at once (workers == n) and blocks on its own gate; the test opens the
		// gates one at a time in an order of its choosing and expects that order back.
		gates := make([]chan struct{}, n)
		for i := range gates {
			gates[i] = make(chan struct{})
		}
		opened := make([]bool, n)
		entered := make(chan int, n)
		f := func(i int) int {
			entered <- i
			<-gates[i]
			return square(i)
		}
		out := make(chan int)
		finished := make(chan struct{})
		t.Cleanup(func() { // on failure, let everything run out
			for i, g := range gates {
				if !opened[i] {
					close(g)
				}
			}
			for {
				select {
				case <-out:
				case <-finished:
					return
				case <-time.After(harness.Bound()):
					return
				}
			}
		})
		go func() {
			defer close(finished)
			for v := range pipeline.Map(context.Background(), ints(n), n, f) {
				out <- v
			}
		}()
		for k := range n {
			select {
			case <-entered:
			case <-finished:
				t.Fatalf("Map(%d inputs, workers=%d): the range ended after %d calls of f", n, n, k)
			case <-time.After(harness.Bound()):
				harness.FatalStuck(t, "Map(%d inputs, workers=%d): only %d calls of f started; with workers == inputs all of them should run at once", n, n, k)
			}
		}
		order := r.Perm(n)
		if order[0] == 0 {
			slices.Reverse(order) // never the input order
		}
		for k, i := range order {
			close(gates[i])
			opened[i] = true
			select {
			case v := <-out:
				require.Equal(t, square(i), v, "Map: after f(%d) returned (the %d. to return), the next value yielded should be its result %d: results come in completion order", i, k+1, square(i))
			case <-finished:
				t.Fatalf("Map: the range ended after %d of %d values", k, n)
			case <-time.After(harness.Bound()):
				harness.FatalStuck(t, "Map: f(%d) returned (the %d. to return) but nothing was yielded: results come in completion order, not input order", i, k+1)
			}
		}
		select {
		case <-finished:
		case v := <-out:
			t.Fatalf("Map(%d inputs) yielded an extra value %d", n, v)
		case <-time.After(harness.Bound()):
			harness.FatalStuck(t, "Map(%d inputs): every value was yielded but the range did not end", n)
		}
	})
}

func TestMap_StartsTheNextCallWhenOneReturns(t *testing.T) {
	testStartsTheNextCall(t, "Map", mapInts)
}

func TestMap_StartsNothingUntilRanged(t *testing.T) {
	testStartsNothingUntilRanged(t, "Map", mapInts)
}

func TestMap_BreakLeavesNoGoroutine(t *testing.T) {
	testBreakLeavesNoGoroutine(t, "Map", mapInts)
}

func TestMap_BreakWaitsForRunningCalls(t *testing.T) {
	testBreakWaitsForRunningCalls(t, "Map", mapInts)
}

func TestMap_CancelStopsTheWorkers(t *testing.T) {
	testCancelStops(t, "Map", mapInts)
}

func TestMap_CancelWhileEveryGoroutineWaits(t *testing.T) {
	testCancelWhileEveryGoroutineWaits(t, "Map", mapInts)
}

func TestMap_PanicInFReachesTheRangingGoroutine(t *testing.T) {
	testPanicReachesRanger(t, "Map", mapInts)
}

func TestMap_WorkersBelowOnePanics(t *testing.T) {
	testWorkersBelowOne(t, "Map", mapInts)
}

// Task 2: Ordered.

func TestOrdered_YieldsInInputOrder(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		n, workers := 20+r.IntN(30), 2+r.IntN(5)
		inputs := r.Perm(n)
		delay := make(map[int]time.Duration, n)
		for i, x := range inputs {
			delay[x] = time.Duration(1+r.IntN(100)) * time.Millisecond
			if i == 0 {
				delay[x] = time.Hour // the first input finishes last of its batch
			}
		}
		harness.Bubble(t, func(t *testing.T) {
			f := func(x int) int {
				time.Sleep(delay[x]) // virtual time: the bubble's clock
				return square(x)
			}
			var got []int
			for v := range pipeline.Ordered(context.Background(), slices.Values(inputs), workers, f) {
				got = append(got, v)
			}
			if len(got) != n {
				t.Fatalf("Ordered(%d inputs, workers=%d) yielded %d values, want %d", n, workers, len(got), n)
			}
			want := make([]int, n)
			for i, x := range inputs {
				want[i] = square(x)
			}
			assert.Equal(t, want, got, "Ordered(%d inputs, workers=%d): results in input order, whichever call of f finishes first", n, workers)
		})
	})
}

func TestOrdered_RunsExactlyWorkersCallsAtOnce(t *testing.T) {
	testExactlyWorkers(t, "Ordered", orderedInts)
}

func TestOrdered_TakesAtMostTwiceWorkersAhead(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		workers := 2 + r.IntN(3) // with one worker, the worker itself would be the bottleneck
		n := 6*workers + 10 + r.IntN(10)
		limit := 2 * workers
		delay := make([]time.Duration, n)
		for i := range delay {
			delay[i] = time.Duration(1+r.IntN(10)) * time.Millisecond
		}
		delay[0] = time.Hour // everything behind the first input must wait for it

		harness.Bubble(t, func(t *testing.T) {
			in, taken := countedInts(n)
			f := func(i int) int {
				time.Sleep(delay[i])
				return square(i)
			}
			// Half an hour in, input 0 is still in f and the pipeline has taken all it will take.
			takenWhileFirstRuns := make(chan int64, 1)
			go func() {
				time.Sleep(30 * time.Minute)
				takenWhileFirstRuns <- taken.Load()
			}()

			yielded, worst := 0, int64(0)
			for range pipeline.Ordered(context.Background(), in, workers, f) {
				yielded++
				synctest.Wait() // a slow consumer: let the pipeline run as far ahead as it will
				worst = max(worst, taken.Load()-int64(yielded))
			}
			assert.Equal(t, n, yielded, "Ordered(%d inputs, workers=%d): values yielded", n, workers)
			assert.LessOrEqual(t, <-takenWhileFirstRuns, int64(limit),
				"Ordered(workers=%d): inputs taken from in while the first one was still in f (none yielded yet); want at most 2*workers = %d", workers, limit)
			assert.LessOrEqual(t, worst, int64(limit),
				"Ordered(workers=%d) with a slow range body: most inputs taken but not yet yielded; want at most 2*workers = %d", workers, limit)
		})
	})
}

func TestOrdered_StartsTheNextCallWhenOneReturns(t *testing.T) {
	testStartsTheNextCall(t, "Ordered", orderedInts)
}

func TestOrdered_StartsNothingUntilRanged(t *testing.T) {
	testStartsNothingUntilRanged(t, "Ordered", orderedInts)
}

func TestOrdered_BreakLeavesNoGoroutine(t *testing.T) {
	testBreakLeavesNoGoroutine(t, "Ordered", orderedInts)
}

func TestOrdered_BreakWaitsForRunningCalls(t *testing.T) {
	testBreakWaitsForRunningCalls(t, "Ordered", orderedInts)
}

func TestOrdered_CancelStopsTheWorkers(t *testing.T) {
	testCancelStops(t, "Ordered", orderedInts)
}

func TestOrdered_CancelWhileEveryGoroutineWaits(t *testing.T) {
	testCancelWhileEveryGoroutineWaits(t, "Ordered", orderedInts)
}

func TestOrdered_PanicInFReachesTheRangingGoroutine(t *testing.T) {
	testPanicReachesRanger(t, "Ordered", orderedInts)
}

func TestOrdered_WorkersBelowOnePanics(t *testing.T) {
	testWorkersBelowOne(t, "Ordered", orderedInts)
}

// Task 3: Shell.

func TestShell_MergesStderrIntoStdoutInOrder(t *testing.T) {
	skipWithoutSh(t)
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		a, b := fmt.Sprintf("out-%d", r.IntN(1000)), fmt.Sprintf("err-%d", r.IntN(1000))
		for _, c := range []struct {
			cmd, out string
			ok       bool
		}{
			{fmt.Sprintf("echo %s; echo %s >&2; exit 3", a, b), a + "\n" + b, false},
			{fmt.Sprintf("echo %s >&2; echo %s", b, a), b + "\n" + a, true},
		} {
			out, ok := pipeline.Shell(context.Background(), c.cmd)
			assert.Equal(t, c.out, out, "Shell(%q): output, with stderr merged into stdout in the order written", c.cmd)
			assert.Equal(t, c.ok, ok, "Shell(%q): ok", c.cmd)
		}
	})
}

func TestShell_TrimsOnlyTrailingWhiteSpace(t *testing.T) {
	skipWithoutSh(t)
	harness.Run(t, func(t *testing.T) {
		word := fmt.Sprintf("w%d", harness.Rand(t).IntN(1000))
		for _, c := range []struct{ cmd, out string }{
			{fmt.Sprintf(`printf '  %s \n\n\t  '`, word), "  " + word},
			{fmt.Sprintf(`echo %s; echo; printf ' \t\n' >&2`, word), word},
			{`printf ' \n \n'`, ""},
			{fmt.Sprintf(`printf '\t%s'`, word), "\t" + word}, // nothing to trim: no newline at the end
			{fmt.Sprintf(`echo %s; printf '%s.'`, word, word), word + "\n" + word + "."},
		} {
			out, ok := pipeline.Shell(context.Background(), c.cmd)
			assert.Equal(t, c.out, out, "Shell(%q): trailing white space trimmed, leading kept", c.cmd)
			assert.True(t, ok, "Shell(%q): ok", c.cmd)
		}
	})
}

func TestShell_OkMeansExitStatusZero(t *testing.T) {
	skipWithoutSh(t)
	harness.Run(t, func(t *testing.T) {
		status := 1 + harness.Rand(t).IntN(100)
		for _, c := range []struct {
			cmd, out string
			ok       bool
		}{
			{"true", "", true},
			{"false", "", false},
			{fmt.Sprintf("exit %d", status), "", false},
			{"echo complaint >&2; exit 0", "complaint", true},
			{"echo fine; false", "fine", false},
		} {
			out, ok := pipeline.Shell(context.Background(), c.cmd)
			assert.Equal(t, c.ok, ok, "Shell(%q): ok, which is true exactly when the exit status is 0", c.cmd)
			assert.Equal(t, c.out, out, "Shell(%q): output", c.cmd)
		}
	})
}

func TestShell_OkWhenAChildOutlivesTheShell(t *testing.T) {
	skipWithoutSh(t)
	harness.Run(t, func(t *testing.T) {
		// The shell exits with status 0 at once; the child it started holds the output open for
		// two more seconds. With WaitDelay, Cmd.Wait gives up on the pipe after that delay and
		// returns exec.ErrWaitDelay: an error, though the exit status was 0.
		word := fmt.Sprintf("started-%d", harness.Rand(t).IntN(1000))
		cmd := fmt.Sprintf("sleep 2 & echo %s", word)
		out, ok := pipeline.Shell(context.Background(), cmd)
		assert.True(t, ok, "Shell(%q) = (%q, false): the shell exited with status 0, so ok must be true, even though a child still held the output open (look at the exit status, not only at the error of Wait)", cmd, out)
		assert.Equal(t, word, out, "Shell(%q): output", cmd)
	}, harness.WithTimeout(3*harness.Bound()))
}

func TestShell_CancelKillsTheCommand(t *testing.T) {
	skipWithoutSh(t)
	harness.Run(t, func(t *testing.T) {
		cancelled, cancelNow := context.WithCancel(context.Background())
		cancelNow()
		out, ok := pipeline.Shell(cancelled, "echo too late")
		assert.False(t, ok, "Shell(an already cancelled ctx, %q) = (%q, true): a cancelled command is not ok", "echo too late", out)

		// The command starts a child that holds the output open, then tells the test through a
		// named pipe that it is running. Only then does the test cancel.
		fifo := filepath.Join(t.TempDir(), "running")
		if out, err := exec.Command("mkfifo", fifo).CombinedOutput(); err != nil {
			t.Fatalf("mkfifo %s: %v\n%s", fifo, err, out)
		}
		pipeEnd, err := os.OpenFile(fifo, os.O_RDWR, 0) // O_RDWR never blocks, unlike O_RDONLY
		require.NoError(t, err)
		defer pipeEnd.Close()
		running := make(chan error, 1)
		go func() {
			_, err := bufio.NewReader(pipeEnd).ReadString('\n')
			running <- err
		}()

		cmd := fmt.Sprintf("sleep 30 & echo running > '%s'; wait", fifo)
		ctx, cancel := context.WithCancel(context.Background()) // not t.Context(): it would hide a leak
		defer cancel()
		type result struct {
			out string
			ok  bool
		}
		done := make(chan result, 1)
		go func() {
			out, ok := pipeline.Shell(ctx, cmd)
			done <- result{out, ok}
		}()
		select {
		case err := <-running:
			require.NoError(t, err, "reading the named pipe")
		case res := <-done:
			t.Fatalf("Shell(ctx, %q) = (%q, %v) before the command got going", cmd, res.out, res.ok)
		case <-time.After(harness.Bound()):
			harness.FatalStuck(t, "Shell(ctx, %q): the command did not start within %v", cmd, harness.Bound())
		}
		cancel()
		res := harness.Receive(t, done, "Shell(ctx, %q) was still running %v after ctx was cancelled: use exec.CommandContext, and set the Cmd's WaitDelay so that a child holding the output cannot keep Shell waiting", cmd, harness.Bound())
		assert.False(t, res.ok, "Shell(ctx, %q) after ctx was cancelled = (%q, true): a killed command is not ok", cmd, res.out)
	}, harness.WithTimeout(3*harness.Bound()))
}

// Task 4: the sweep, the seed's parallel ping with harmless commands.

func TestSweep_ReportsEveryCommandOnce(t *testing.T) {
	skipWithoutSh(t)
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		n := 6 + r.IntN(6)
		base := r.IntN(1000)
		cmds := make([]string, n)
		want := map[string]bool{}
		for i := range cmds {
			host := fmt.Sprintf("host-%d", base+i)
			cmds[i] = fmt.Sprintf("echo %s; exit %d", host, i%2)
			want[host] = i%2 == 0
		}
		type report struct {
			out string
			ok  bool
		}
		ctx := context.Background()
		got := map[string]bool{}
		for rep := range pipeline.Map(ctx, slices.Values(cmds), n, func(cmd string) report {
			out, ok := pipeline.Shell(ctx, cmd)
			return report{out, ok}
		}) {
			_, seen := got[rep.out]
			assert.False(t, seen, "the sweep reported %q twice", rep.out)
			got[rep.out] = rep.ok
		}
		assert.Equal(t, want, got, "the sweep over %d commands (output -> ok): %s", n, strings.Join(cmds, " | "))
	})
}

// The tests Map and Ordered share.

// testExactlyWorkers blocks every call of f on one gate: once everything that can run has run
// (synctest.Wait), exactly workers calls must be waiting there, no fewer and no more.
func testExactlyWorkers(t *testing.T, name string, p pipe) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		workers := 1 + r.IntN(6)
		n := 3*workers + 1 + r.IntN(10)
		harness.Bubble(t, func(t *testing.T) {
			gate := make(chan struct{})
			var running, peak atomic.Int64
			f := func(x int) int {
				now := running.Add(1)
				for old := peak.Load(); now > old && !peak.CompareAndSwap(old, now); old = peak.Load() {
				}
				<-gate
				running.Add(-1)
				return square(x)
			}
			done := goCount(p(context.Background(), ints(n), workers, f))
			synctest.Wait() // every goroutine is now blocked: the workers on the gate
			assert.EqualValues(t, workers, running.Load(),
				"%s(%d inputs, workers=%d) with f blocked: calls of f running at once, want exactly workers", name, n, workers)
			close(gate)
			assert.Equal(t, n, <-done, "%s(%d inputs, workers=%d): values yielded", name, n, workers)
			assert.LessOrEqual(t, peak.Load(), int64(workers),
				"%s(%d inputs, workers=%d): most calls of f running at once", name, n, workers)
		})
	})
}

// testStartsTheNextCall blocks every call of f on a gate of its own and opens one: once
// everything that can run has run, workers calls must be running again, because inputs are
// still waiting (a pool that waits for a whole batch to finish runs one call fewer).
func testStartsTheNextCall(t *testing.T, name string, p pipe) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		workers := 2 + r.IntN(4)
		n := 2*workers + 1 + r.IntN(5)
		harness.Bubble(t, func(t *testing.T) {
			gates := make([]chan struct{}, n)
			for i := range gates {
				gates[i] = make(chan struct{})
			}
			var running atomic.Int64
			entered := make(chan int, n)
			f := func(i int) int {
				running.Add(1)
				entered <- i
				<-gates[i]
				running.Add(-1)
				return square(i)
			}
			done := goCount(p(context.Background(), ints(n), workers, f))
			synctest.Wait() // every goroutine is blocked: the workers on their gates
			opened := map[int]bool{}
			if assert.EqualValues(t, workers, running.Load(),
				"%s(%d inputs, workers=%d) with every call of f blocked: calls of f running at once, want exactly workers", name, n, workers) {
				first := <-entered
				close(gates[first])
				opened[first] = true
				synctest.Wait() // f(first) returned, its result went out, and its worker is free
				assert.EqualValues(t, workers, running.Load(),
					"%s(%d inputs, workers=%d): f(%d) returned while %d inputs were still waiting, but then only %d calls of f were running; want workers again: a free worker takes the next input at once (do not wait for a whole batch)", name, n, workers, first, n-workers, running.Load())
			}
			for i, g := range gates {
				if !opened[i] {
					close(g)
				}
			}
			assert.Equal(t, n, <-done, "%s(%d inputs, workers=%d): values yielded", name, n, workers)
		})
	})
}

func testStartsNothingUntilRanged(t *testing.T, name string, p pipe) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		n, workers := 5+r.IntN(20), 1+r.IntN(4)
		in, taken := countedInts(n)
		before := goleak.IgnoreCurrent()
		seq := p(context.Background(), in, workers, square)
		if err := goleak.Find(before); err != nil {
			t.Fatalf("%s returned with goroutines running before anyone ranged over its sequence: start them when the range starts, or a sequence nobody ranges over leaks them\n%v", name, err)
		}
		assert.Zero(t, taken.Load(), "%s read its input before anyone ranged over its sequence", name)
		count := 0
		for range seq {
			count++
		}
		assert.Equal(t, n, count, "%s(%d inputs, workers=%d), ranged after it was built: values yielded", name, n, workers)
	})
}

// testBreakLeavesNoGoroutine breaks out of a range over an endless input; the leak check of
// harness.Run then fails the test if a worker or a feeder is still there.
func testBreakLeavesNoGoroutine(t *testing.T, name string, p pipe) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		workers, stopAt := 1+r.IntN(6), 1+r.IntN(20)
		in, returned := endless()
		got := 0
		for range p(context.Background(), in, workers, square) {
			got++
			if got == stopAt {
				break
			}
		}
		require.Equal(t, stopAt, got, "%s(endless input, workers=%d): values yielded before the test broke out", name, workers)
		assertInputReturned(t, returned, "%s(endless input, workers=%d): the range loop ended with a break, but the input is still being read: stop reading it and wait for every goroutine before the sequence returns", name, workers)
	})
}

// testBreakWaitsForRunningCalls breaks out of the range after the first result, while the other
// workers are still inside f (blocked on a gate): the range loop must not end before they have
// returned, since every goroutine the sequence started must have finished when it ends.
func testBreakWaitsForRunningCalls(t *testing.T, name string, p pipe) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		workers := 2 + r.IntN(4)
		n := 3*workers + r.IntN(5)
		harness.Bubble(t, func(t *testing.T) {
			gate := make(chan struct{})
			var running atomic.Int64
			entered := make(chan struct{}, n)
			f := func(x int) int {
				if x == 0 {
					// Input 0 returns, first, once the other workers are inside f.
					for range workers - 1 {
						<-entered
					}
					return square(x)
				}
				running.Add(1)
				entered <- struct{}{}
				<-gate
				running.Add(-1)
				return square(x)
			}
			ended := make(chan struct{})
			go func() {
				defer close(ended)
				for range p(context.Background(), ints(n), workers, f) {
					break
				}
			}()
			synctest.Wait() // everything that can run has run
			select {
			case <-ended:
				t.Errorf("%s(%d inputs, workers=%d): after a break, the range loop ended while %d calls of f were still running; want it to end only when every goroutine the sequence started has finished", name, n, workers, running.Load())
			default:
			}
			close(gate)
			<-ended
			assert.Zero(t, running.Load(), "%s(%d inputs, workers=%d): calls of f still running after the range loop ended", name, n, workers)
		})
	})
}

func testCancelStops(t *testing.T, name string, p pipe) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		workers, cancelAt := 1+r.IntN(6), 1+r.IntN(20)
		// Far more than anything already computed when ctx is cancelled.
		const bound = 1000
		ctx, cancel := context.WithCancel(context.Background()) // not t.Context(): it would hide a leak
		defer cancel()
		in, returned := endless()
		got, after := 0, 0
		for range p(ctx, in, workers, square) {
			got++
			if got == cancelAt {
				cancel()
			}
			if got > cancelAt {
				after++
				if after > bound {
					t.Errorf("%s(endless input, workers=%d): still yielding %d values after ctx was cancelled: watch ctx.Done() and stop", name, workers, after)
					break
				}
			}
		}
		require.GreaterOrEqual(t, got, cancelAt, "%s(endless input, workers=%d): values yielded before ctx was cancelled", name, workers)
		assertInputReturned(t, returned, "%s(endless input, workers=%d): the range loop ended after ctx was cancelled, but the input is still being read: wait for every goroutine before the sequence returns", name, workers)
	})
}

// testCancelWhileEveryGoroutineWaits cancels ctx from inside the loop's body once the pipeline
// has gone as far as it can (synctest.Wait): the feeder, the workers and (for Ordered) the
// feeder's wait for a free slot are all blocked at that moment, and each must watch ctx there.
// The input after the one being yielded is held in f until everything has settled after the
// cancel, so that the sequence has no result at hand and must notice ctx itself.
func testCancelWhileEveryGoroutineWaits(t *testing.T, name string, p pipe) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		workers, cancelAt := 2+r.IntN(5), 1+r.IntN(10)
		harness.Bubble(t, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background()) // not t.Context(): it would hide a leak
			defer cancel()
			gate, cancelled := make(chan struct{}), make(chan struct{})
			markCancelled := sync.OnceFunc(func() { close(cancelled) })
			defer markCancelled()
			go func() {
				<-cancelled
				synctest.Wait() // everything has settled after the cancel
				close(gate)
			}()
			f := func(x int) int {
				if x == cancelAt { // the input after the one being yielded when ctx is cancelled
					<-gate
				}
				return square(x)
			}
			const n = 2000 // far more than the pipeline takes before ctx is cancelled
			in, returned := upTo(n)
			got := 0
			for range p(ctx, in, workers, f) {
				got++
				if got == cancelAt {
					synctest.Wait() // a slow body: every goroutine of the pipeline now waits
					cancel()
					markCancelled()
				}
				if got > cancelAt+n/2 {
					t.Errorf("%s(%d inputs, workers=%d): still yielding %d values after ctx was cancelled: watch ctx.Done() and stop", name, n, workers, got-cancelAt)
					break
				}
			}
			require.GreaterOrEqual(t, got, cancelAt, "%s(%d inputs, workers=%d): values yielded before ctx was cancelled", name, n, workers)
			assertInputReturned(t, returned, "%s(%d inputs, workers=%d): the range loop ended after ctx was cancelled, but the input is still being read: wait for every goroutine before the sequence returns", name, n, workers)
		})
	})
}

func testPanicReachesRanger(t *testing.T, name string, p pipe) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		// A long input: a sequence that goes on after the panic reads far more of it than the
		// few inputs already under way when f panicked.
		const n, bound = 3000, 500
		workers := 1 + r.IntN(6)
		want := boom{input: r.IntN(20), token: r.Uint64()}
		harness.Bubble(t, func(t *testing.T) {
			in, taken := countedInts(n)
			f := func(x int) int {
				if x == want.input {
					panic(want)
				}
				// Virtual time: the bubble's clock moves only when every goroutine waits, so
				// the panic reaches the ranging goroutine before any other call of f returns.
				time.Sleep(time.Second)
				return square(x)
			}
			got, panicked := harness.Recover(func() {
				for range p(context.Background(), in, workers, f) {
				}
			})
			require.True(t, panicked, "ranging over %s(%d inputs, workers=%d) where f panics on input %d ended without a panic: recover it in the worker and re-raise it in the goroutine that ranges", name, n, workers, want.input)
			assert.Equal(t, want, got, "%s: the ranging goroutine should panic with the value f panicked with", name)
			assert.Less(t, taken.Load(), int64(want.input+bound),
				"%s(%d inputs, workers=%d) where f panics on input %d: %d inputs were taken from in; a panic in f stops the workers and the reading of in, so want only the few already under way", name, n, workers, want.input, taken.Load())
		})
	})
}

func testWorkersBelowOne(t *testing.T, name string, p pipe) {
	harness.Run(t, func(t *testing.T) {
		for _, workers := range []int{0, -1 - harness.Rand(t).IntN(9)} {
			want := fmt.Sprintf("pipeline: workers must be >= 1, got %d", workers)
			got, panicked := harness.Recover(func() {
				for range p(context.Background(), ints(3), workers, square) {
				}
			})
			if assert.True(t, panicked, "%s(workers=%d) and ranging over it: should panic with %q", name, workers, want) {
				assert.Equal(t, want, fmt.Sprint(got), "%s(workers=%d): panic message", name, workers)
			}
		}
	})
}

// Helpers.

// pipe is the shape Map and Ordered share, at int -> int, so both are tested by the same code.
type pipe func(ctx context.Context, in iter.Seq[int], workers int, f func(int) int) iter.Seq[int]

var (
	mapInts     pipe = pipeline.Map[int, int]
	orderedInts pipe = pipeline.Ordered[int, int]
)

// boom is what f panics with: a comparable value the test can recognise.
type boom struct {
	input int
	token uint64
}

// skipWithoutSh skips a test of Shell on Windows, which has no /bin/sh for Shell to run, and
// says what the learner does instead. Everywhere else the test runs.
func skipWithoutSh(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("Shell runs /bin/sh, which Windows does not have: do tasks 3 and 4 in WSL or a Codespace (README, \"On macOS and Windows\"). Tasks 1 and 2 run here as they are.")
	}
}

// ints yields 0, 1, ..., n-1.
func ints(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

// countedInts yields 0, 1, ..., n-1, and counts in taken how many values its consumer has
// taken from it.
func countedInts(n int) (seq iter.Seq[int], taken *atomic.Int64) {
	taken = new(atomic.Int64)
	return func(yield func(int) bool) {
		for i := range n {
			taken.Add(1)
			if !yield(i) {
				return
			}
		}
	}, taken
}

// endless yields 0, 1, 2, ... until its consumer stops; returned is closed when it has returned.
func endless() (seq iter.Seq[int], returned <-chan struct{}) {
	return upTo(-1)
}

// upTo yields 0, 1, ..., n-1 (forever when n < 0) until its consumer stops; returned is closed
// when it has returned. Inside a synctest bubble, a finite input keeps a pipeline that starts a
// goroutine per input from starting them without end before synctest.Wait can return.
func upTo(n int) (seq iter.Seq[int], returned <-chan struct{}) {
	done := make(chan struct{})
	var once atomic.Bool
	return func(yield func(int) bool) {
		defer func() {
			if once.CompareAndSwap(false, true) {
				close(done)
			}
		}()
		for i := 0; n < 0 || i < n; i++ {
			if !yield(i) {
				return
			}
		}
	}, done
}

// goCount ranges over seq in a goroutine of its own, and sends on the channel it returns how
// many values seq yielded.
func goCount(seq iter.Seq[int]) <-chan int {
	done := make(chan int, 1)
	go func() {
		count := 0
		for range seq {
			count++
		}
		done <- count
	}()
	return done
}

// assertInputReturned fails t, with the message format and args say, unless returned (the
// input's, from endless or upTo) is closed: a sequence whose range loop has ended must have
// stopped reading its input.
func assertInputReturned(t *testing.T, returned <-chan struct{}, format string, args ...any) {
	t.Helper()
	select {
	case <-returned:
	default:
		t.Errorf(format, args...)
	}
}

// square is the f of most tests: cheap, and its results tell which input they came from.
func square(x int) int { return x * x }
