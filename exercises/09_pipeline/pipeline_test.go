package pipeline_test

import (
	"bufio"
	"context"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
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

// pipe is the shape Map and Ordered share, at int -> int, so both are tested by the same code.
type pipe func(ctx context.Context, in iter.Seq[int], workers int, f func(int) int) iter.Seq[int]

var (
	mapInts     pipe = pipeline.Map[int, int]
	orderedInts pipe = pipeline.Ordered[int, int]
)

// failAfter bounds a wait that only a wrong solution makes long: the failure path, never timing.
const failAfter = 3 * time.Second

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

// endless yields 0, 1, 2, ... until its consumer stops; returned is closed when it has returned.
func endless() (seq iter.Seq[int], returned <-chan struct{}) {
	done := make(chan struct{})
	var once atomic.Bool
	return func(yield func(int) bool) {
		defer func() {
			if once.CompareAndSwap(false, true) {
				close(done)
			}
		}()
		for i := 0; ; i++ {
			if !yield(i) {
				return
			}
		}
	}, done
}

// square is the f of most tests: cheap, and its results tell which input they came from.
func square(x int) int { return x * x }

// recovered ranges over seq to the end and returns what the loop panicked with (nil if nothing).
func recovered(seq iter.Seq[int]) (r any) {
	defer func() { r = recover() }()
	for range seq {
	}
	return nil
}

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
				case <-time.After(failAfter):
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
			case <-time.After(failAfter):
				t.Fatalf("Map(%d inputs, workers=%d): only %d calls of f started; with workers == inputs all of them should run at once", n, n, k)
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
			case <-time.After(failAfter):
				t.Fatalf("Map: f(%d) returned (the %d. to return) but nothing was yielded: results come in completion order, not input order", i, k+1)
			}
		}
		select {
		case <-finished:
		case v := <-out:
			t.Fatalf("Map(%d inputs) yielded an extra value %d", n, v)
		case <-time.After(failAfter):
			t.Fatalf("Map(%d inputs): every value was yielded but the range did not end", n)
		}
	})
}

func TestMap_StartsNothingUntilRanged(t *testing.T) {
	testStartsNothingUntilRanged(t, "Map", mapInts)
}

func TestMap_BreakLeavesNoGoroutine(t *testing.T) {
	testBreakLeavesNoGoroutine(t, "Map", mapInts)
}

func TestMap_CancelStopsTheWorkers(t *testing.T) {
	testCancelStops(t, "Map", mapInts)
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
		synctest.Test(t, func(t *testing.T) {
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

		synctest.Test(t, func(t *testing.T) {
			var taken atomic.Int64
			in := func(yield func(int) bool) {
				for i := range n {
					taken.Add(1)
					if !yield(i) {
						return
					}
				}
			}
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

func TestOrdered_StartsNothingUntilRanged(t *testing.T) {
	testStartsNothingUntilRanged(t, "Ordered", orderedInts)
}

func TestOrdered_BreakLeavesNoGoroutine(t *testing.T) {
	testBreakLeavesNoGoroutine(t, "Ordered", orderedInts)
}

func TestOrdered_CancelStopsTheWorkers(t *testing.T) {
	testCancelStops(t, "Ordered", orderedInts)
}

func TestOrdered_PanicInFReachesTheRangingGoroutine(t *testing.T) {
	testPanicReachesRanger(t, "Ordered", orderedInts)
}

func TestOrdered_WorkersBelowOnePanics(t *testing.T) {
	testWorkersBelowOne(t, "Ordered", orderedInts)
}

// The tests Map and Ordered share.

// testExactlyWorkers blocks every call of f on one gate: once everything that can run has run
// (synctest.Wait), exactly workers calls must be waiting there, no fewer and no more.
func testExactlyWorkers(t *testing.T, name string, p pipe) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		workers := 1 + r.IntN(6)
		n := 3*workers + 1 + r.IntN(10)
		synctest.Test(t, func(t *testing.T) {
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
			done := make(chan int)
			go func() {
				count := 0
				for range p(context.Background(), ints(n), workers, f) {
					count++
				}
				done <- count
			}()
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

func testStartsNothingUntilRanged(t *testing.T, name string, p pipe) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		n, workers := 5+r.IntN(20), 1+r.IntN(4)
		var taken atomic.Int64
		in := func(yield func(int) bool) {
			for i := range n {
				taken.Add(1)
				if !yield(i) {
					return
				}
			}
		}
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
		select {
		case <-returned:
		default:
			t.Errorf("%s(endless input, workers=%d): the range loop ended with a break, but the input is still being read: stop reading it and wait for every goroutine before the sequence returns", name, workers)
		}
	})
}

func testCancelStops(t *testing.T, name string, p pipe) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		workers, cancelAt := 1+r.IntN(6), 1+r.IntN(20)
		// Far more than anything already computed when ctx is cancelled.
		const bound = 1000
		ctx, cancel := context.WithCancel(context.Background()) // not t.Context(): see PITFALLS
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
		select {
		case <-returned:
		default:
			t.Errorf("%s(endless input, workers=%d): the range loop ended after ctx was cancelled, but the input is still being read: wait for every goroutine before the sequence returns", name, workers)
		}
	})
}

// boom is what f panics with: a comparable value the test can recognise.
type boom struct {
	input int
	token uint64
}

func testPanicReachesRanger(t *testing.T, name string, p pipe) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		n, workers := 10+r.IntN(30), 1+r.IntN(6)
		want := boom{input: r.IntN(n), token: r.Uint64()}
		f := func(x int) int {
			if x == want.input {
				panic(want)
			}
			return square(x)
		}
		got := recovered(p(context.Background(), ints(n), workers, f))
		require.NotNil(t, got, "ranging over %s(%d inputs, workers=%d) where f panics on input %d ended without a panic: recover it in the worker and re-raise it in the goroutine that ranges", name, n, workers, want.input)
		assert.Equal(t, want, got, "%s: the ranging goroutine should panic with the value f panicked with", name)
	})
}

func testWorkersBelowOne(t *testing.T, name string, p pipe) {
	harness.Run(t, func(t *testing.T) {
		for _, workers := range []int{0, -1 - harness.Rand(t).IntN(9)} {
			want := fmt.Sprintf("pipeline: workers must be >= 1, got %d", workers)
			got := func() (r any) {
				defer func() { r = recover() }()
				for range p(context.Background(), ints(3), workers, square) {
				}
				return nil
			}()
			if assert.NotNil(t, got, "%s(workers=%d) and ranging over it: should panic with %q", name, workers, want) {
				assert.Equal(t, want, fmt.Sprint(got), "%s(workers=%d): panic message", name, workers)
			}
		}
	})
}

// Task 3: Shell.

func TestShell_MergesStderrIntoStdoutInOrder(t *testing.T) {
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
	harness.Run(t, func(t *testing.T) {
		word := fmt.Sprintf("w%d", harness.Rand(t).IntN(1000))
		for _, c := range []struct{ cmd, out string }{
			{fmt.Sprintf(`printf '  %s \n\n\t  '`, word), "  " + word},
			{fmt.Sprintf(`echo %s; echo; printf ' \t\n' >&2`, word), word},
			{`printf ' \n \n'`, ""},
		} {
			out, ok := pipeline.Shell(context.Background(), c.cmd)
			assert.Equal(t, c.out, out, "Shell(%q): trailing white space trimmed, leading kept", c.cmd)
			assert.True(t, ok, "Shell(%q): ok", c.cmd)
		}
	})
}

func TestShell_OkMeansExitStatusZero(t *testing.T) {
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

func TestShell_CancelKillsTheCommand(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		cancelled, cancelNow := context.WithCancel(context.Background())
		cancelNow()
		out, ok := pipeline.Shell(cancelled, "echo too late")
		assert.False(t, ok, "Shell(an already cancelled ctx, %q) = (%q, true): a cancelled command is not ok", "echo too late", out)

		// The command starts a child that holds the output open, then tells the test through a
		// named pipe that it is running. Only then does the test cancel.
		fifo := filepath.Join(t.TempDir(), "running")
		require.NoError(t, syscall.Mkfifo(fifo, 0o600), "mkfifo")
		pipeEnd, err := os.OpenFile(fifo, os.O_RDWR, 0) // O_RDWR never blocks, unlike O_RDONLY
		require.NoError(t, err)
		defer pipeEnd.Close()
		running := make(chan error, 1)
		go func() {
			_, err := bufio.NewReader(pipeEnd).ReadString('\n')
			running <- err
		}()

		cmd := fmt.Sprintf("sleep 30 & echo running > '%s'; wait", fifo)
		ctx, cancel := context.WithCancel(context.Background()) // not t.Context(): see PITFALLS
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
		case <-time.After(failAfter):
			t.Fatalf("Shell(ctx, %q): the command did not start within %v", cmd, failAfter)
		}
		cancel()
		select {
		case res := <-done:
			assert.False(t, res.ok, "Shell(ctx, %q) after ctx was cancelled = (%q, true): a killed command is not ok", cmd, res.out)
		case <-time.After(failAfter):
			t.Fatalf("Shell(ctx, %q) was still running %v after ctx was cancelled: use exec.CommandContext, and set the Cmd's WaitDelay so that a child holding the output cannot keep Shell waiting", cmd, failAfter)
		}
	}, harness.WithTimeout(3*failAfter))
}

// Task 4: the sweep, the seed's parallel ping with harmless commands.

func TestSweep_ReportsEveryCommandOnce(t *testing.T) {
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
