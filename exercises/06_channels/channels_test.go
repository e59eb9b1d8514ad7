package channels_test

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	channels "github.com/kata-go/concurrency/exercises/06_channels"
	"github.com/kata-go/concurrency/harness"
)

func TestMain(m *testing.M) { harness.Main(m) }

// Most tests run in a synctest bubble: time is virtual (a 5 s timeout takes no real time and
// time.Since measures it exactly), and synctest.Wait returns once every goroutine of the test
// is blocked, which is how the tests know that a call "blocked" or "returned at once".

// Task 1: Gather.

func TestGather_CallsEachFOnceAndReturnsEveryResult(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		for _, n := range []int{0, 1, r.IntN(40) + 2} {
			t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
				offset := r.IntN(1000)
				var c callLog
				got := channels.Gather(n, func(i int) string {
					c.add(i)
					return fmt.Sprint("result ", i+offset)
				})
				want := make([]string, n)
				for i := range want {
					want[i] = fmt.Sprint("result ", i+offset)
				}
				assert.ElementsMatch(t, want, got, "Gather(%d, f) should return f(i) once for each 0 <= i < %d, in any order", n, n)
				c.assertEachOnce(t, n)
			})
		}
	})
}

func TestGather_RunsEveryCallInItsOwnGoroutine(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		// More calls than processors, so that a pool of one worker per processor cannot pass.
		n := 2*max(runtime.NumCPU(), runtime.GOMAXPROCS(0)) + 8 + harness.Rand(t).IntN(30)
		harness.Bubble(t, func(t *testing.T) {
			// Every f waits until all n calls of f are running at once: only a Gather that
			// gives each call a goroutine of its own gets past this gate.
			var inside atomic.Int64
			allInside, abort := make(chan struct{}), make(chan struct{})
			done := make(chan []int, 1)
			go func() {
				done <- channels.Gather(n, func(i int) int {
					if inside.Add(1) == int64(n) {
						close(allInside)
					}
					select {
					case <-allInside:
					case <-abort:
					}
					return i
				})
			}()
			synctest.Wait()
			if got := inside.Load(); got != int64(n) {
				t.Errorf("Gather(%d, f): %d calls of f were running at the same time, want all %d: start each f(i) in a goroutine of its own", n, got, n)
				close(abort)
			}
			got, ok := within(t, done)
			if ok {
				assert.Len(t, got, n, "Gather(%d, f) results", n)
			} else {
				t.Errorf("Gather(%d, f) did not return after every f(i) had returned", n)
			}
		})
	})
}

func TestGather_ReturnsResultsInArrivalOrder(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		n := r.IntN(10) + 2
		order := r.Perm(n)
		if slices.IsSorted(order) {
			slices.Reverse(order) // an order that differs from 0, 1, ..., n-1
		}
		harness.Bubble(t, func(t *testing.T) {
			gates := make([]chan struct{}, n)
			for i := range gates {
				gates[i] = make(chan struct{})
			}
			done := make(chan []int, 1)
			go func() {
				done <- channels.Gather(n, func(i int) int {
					if i >= 0 && i < n {
						<-gates[i]
					}
					return i
				})
			}()
			// Let the calls of f finish one at a time, in order, each result taken by Gather
			// before the next call finishes.
			for _, i := range order {
				synctest.Wait()
				close(gates[i])
			}
			got, ok := within(t, done)
			require.True(t, ok, "Gather(%d, f) did not return after every f(i) had returned", n)
			assert.Equal(t, order, got, "Gather(%d, f) where f(i) returned i in the order %v: the results should be in the order they arrived", n, order)
		})
	})
}

func TestGather_PanicsOnProgrammerErrors(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		for _, n := range []int{-1, -2 - harness.Rand(t).IntN(100)} {
			want := fmt.Sprintf("channels: n must be >= 0, got %d", n)
			v, ok := harness.Recover(func() { channels.Gather(n, func(i int) int { return i }) })
			if assert.True(t, ok, "Gather(%d, f) should panic", n) {
				assert.Equal(t, want, fmt.Sprint(v), "Gather(%d, f) panicked with", n)
			}
		}
		v, ok := harness.Recover(func() { channels.Gather[int](0, nil /* f */) })
		if assert.True(t, ok, "Gather(0, nil) should panic: f is nil") {
			assert.Equal(t, "channels: f must not be nil", fmt.Sprint(v), "Gather(0, nil) panicked with")
		}
	})
}

// Task 2: RecvTimeout.

func TestRecvTimeout_ReturnsAValueThatArrivesInTime(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		d := time.Duration(r.IntN(10)+2) * time.Second
		after := time.Duration(r.Int64N(int64(d)-1)) + 1 // in (0, d)
		v := r.IntN(1000) + 1
		harness.Bubble(t, func(t *testing.T) {
			defer time.Sleep(2 * d) // on failure, let the sender below finish
			ch := make(chan int, 1)
			go func() {
				time.Sleep(after)
				ch <- v
			}()
			start := time.Now()
			got, err := channels.RecvTimeout(ch, d)
			elapsed := time.Since(start)
			require.NoError(t, err, "RecvTimeout(ch, %v) with a value sent after %v", d, after)
			assert.Equal(t, v, got, "RecvTimeout(ch, %v) value", d)
			assert.Equal(t, after, elapsed, "RecvTimeout(ch, %v) with a value sent after %v returned after %v: it should return as soon as the value arrives", d, after, elapsed)
			harness.AssertNoLeftovers(t, channelsCode, "RecvTimeout returned but left goroutines behind: every goroutine it starts must end before it returns")

			// A value that is already waiting comes back at once.
			ch <- v + 1
			start = time.Now()
			got, err = channels.RecvTimeout(ch, d)
			assert.NoError(t, err, "RecvTimeout(ch, %v) with a value already in ch", d)
			assert.Equal(t, v+1, got, "RecvTimeout(ch, %v) with a value already in ch", d)
			assert.Zero(t, time.Since(start), "RecvTimeout(ch, %v) with a value already in ch should return at once", d)
			harness.AssertNoLeftovers(t, channelsCode, "RecvTimeout returned but left goroutines behind: every goroutine it starts must end before it returns")
		})
	})
}

func TestRecvTimeout_TimesOutAfterExactlyD(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		d := time.Duration(r.IntN(10)+1)*time.Second + time.Duration(r.IntN(1000))*time.Millisecond
		v := r.IntN(1000) + 1
		harness.Bubble(t, func(t *testing.T) {
			ch := make(chan int, 1)
			start := time.Now()
			got, err := channels.RecvTimeout(ch, d)
			elapsed := time.Since(start)
			require.Error(t, err, "RecvTimeout(ch, %v) when nothing is sent", d)
			assert.ErrorIs(t, err, channels.ErrTimeout, "RecvTimeout(ch, %v) when nothing is sent", d)
			assert.Zero(t, got, "RecvTimeout(ch, %v) value on a timeout", d)
			assert.Equal(t, d, elapsed, "RecvTimeout(ch, %v) when nothing is sent returned after %v, want exactly %v", d, elapsed, d)
			harness.AssertNoLeftovers(t, channelsCode, "RecvTimeout returned but left goroutines behind: every goroutine it starts must end before it returns")

			// Nothing RecvTimeout started may still be receiving from ch.
			ch <- v
			synctest.Wait()
			select {
			case got := <-ch:
				assert.Equal(t, v, got, "a value sent after RecvTimeout timed out")
			default:
				t.Errorf("a value sent on ch after RecvTimeout(ch, %v) timed out was taken by someone else: RecvTimeout must not leave anything receiving from ch", d)
			}
		})
	})
}

func TestRecvTimeout_TellsAClosedChannelFromATimeout(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		d := time.Duration(r.IntN(10)+2) * time.Second
		after := time.Duration(r.Int64N(int64(d)-1)) + 1 // in (0, d)
		harness.Bubble(t, func(t *testing.T) {
			defer time.Sleep(2 * d) // on failure, let the closer below finish

			// Closed and empty: ErrDisconnected, at once.
			closed := make(chan int)
			close(closed)
			start := time.Now()
			_, err := channels.RecvTimeout(closed, d)
			require.Error(t, err, "RecvTimeout(ch, %v) on a closed channel", d)
			assert.ErrorIs(t, err, channels.ErrDisconnected, "RecvTimeout(ch, %v) on a closed channel", d)
			assert.NotErrorIs(t, err, channels.ErrTimeout, "RecvTimeout(ch, %v) on a closed channel: a closed channel is not a timeout", d)
			assert.Zero(t, time.Since(start), "RecvTimeout(ch, %v) on a closed channel should return at once", d)

			// Closed while waiting: ErrDisconnected when it closes.
			ch := make(chan string)
			go func() {
				time.Sleep(after)
				close(ch)
			}()
			start = time.Now()
			got, err := channels.RecvTimeout(ch, d)
			elapsed := time.Since(start)
			require.Error(t, err, "RecvTimeout(ch, %v) with ch closed after %v", d, after)
			assert.ErrorIs(t, err, channels.ErrDisconnected, "RecvTimeout(ch, %v) with ch closed after %v", d, after)
			assert.Empty(t, got, "RecvTimeout(ch, %v) value when ch is closed", d)
			assert.Equal(t, after, elapsed, "RecvTimeout(ch, %v) with ch closed after %v returned after %v: it should return as soon as ch is closed", d, after, elapsed)

			// Values sent before the close come first.
			buffered := make(chan int, 2)
			buffered <- 7
			buffered <- 8
			close(buffered)
			for _, want := range []int{7, 8} {
				got, err := channels.RecvTimeout(buffered, d)
				assert.NoError(t, err, "RecvTimeout on a closed channel that still holds %d", want)
				assert.Equal(t, want, got, "RecvTimeout on a closed channel that still holds values")
			}
			_, err = channels.RecvTimeout(buffered, d)
			require.Error(t, err, "RecvTimeout on a closed channel once its values are taken")
			assert.ErrorIs(t, err, channels.ErrDisconnected, "RecvTimeout on a closed channel once its values are taken")
			harness.AssertNoLeftovers(t, channelsCode, "RecvTimeout returned but left goroutines behind: every goroutine it starts must end before it returns")
		})
	})
}

func TestRecvTimeout_SentinelsAreDistinctErrors(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		sentinels := map[string]error{"ErrTimeout": channels.ErrTimeout, "ErrDisconnected": channels.ErrDisconnected}
		for name, err := range sentinels {
			require.Error(t, err, "channels.%s is nil: a sentinel error must be a non-nil error value (errors.New)", name)
			for other, e := range sentinels {
				if other != name {
					assert.NotErrorIs(t, err, e, "channels.%s is channels.%s: each sentinel must be an error of its own", name, other)
				}
			}
		}
		// RecvTimeout tells a closed channel from a timeout by them.
		harness.Bubble(t, func(t *testing.T) {
			closed := make(chan int)
			close(closed)
			_, errClosed := channels.RecvTimeout(closed, time.Second)
			_, errTimeout := channels.RecvTimeout(make(chan int), time.Second)
			require.Error(t, errClosed, "RecvTimeout(ch, 1s) on a closed channel")
			require.Error(t, errTimeout, "RecvTimeout(ch, 1s) when nothing is sent")
			assert.ErrorIs(t, errClosed, channels.ErrDisconnected, "RecvTimeout(ch, 1s) on a closed channel")
			assert.ErrorIs(t, errTimeout, channels.ErrTimeout, "RecvTimeout(ch, 1s) when nothing is sent")
		})
	})
}

// Task 3: TrySend.

func TestTrySend_FillsTheBufferThenReportsFull(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		size, base := r.IntN(8)+1, r.IntN(1000)
		harness.Bubble(t, func(t *testing.T) {
			ch := make(chan int, size)
			for i := range size {
				ok, returned := trySend(ch, base+i, func() { <-ch })
				require.True(t, returned, "TrySend on a channel with %d of %d buffer slots used blocked", i, size)
				require.True(t, ok, "TrySend on a channel with %d of %d buffer slots used = false, want true", i, size)
			}
			ok, returned := trySend(ch, -1, func() { <-ch })
			require.True(t, returned, "TrySend on a full channel (cap %d) blocked: it must return false at once", size)
			assert.False(t, ok, "TrySend on a full channel (cap %d) = true, want false", size)

			want := make([]int, size)
			for i := range want {
				want[i] = base + i
			}
			var got []int
			for len(ch) > 0 {
				got = append(got, <-ch)
			}
			assert.Equal(t, want, got, "the channel's contents after %d TrySends that returned true and one that returned false", size)
		})
	})
}

func TestTrySend_UnbufferedNeedsAWaitingReceiver(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		v := harness.Rand(t).IntN(1000) + 1
		harness.Bubble(t, func(t *testing.T) {
			ch := make(chan int)
			ok, returned := trySend(ch, -1, func() { <-ch })
			require.True(t, returned, "TrySend on an unbuffered channel with no receiver blocked: it must return false at once")
			assert.False(t, ok, "TrySend on an unbuffered channel with no receiver = true, want false")

			got := make(chan int, 1)
			go func() { got <- <-ch }()
			synctest.Wait() // the receiver is now waiting in <-ch
			ok, returned = trySend(ch, v, func() {})
			require.True(t, returned, "TrySend on an unbuffered channel while a receiver waits blocked")
			if assert.True(t, ok, "TrySend on an unbuffered channel while a receiver waits = false, want true") {
				assert.Equal(t, v, <-got, "what the waiting receiver got from TrySend")
			} else {
				ch <- 0 // release the receiver
			}
		})
	})
}

// Task 4: Unbounded.

func TestUnbounded_SendsNeverBlock(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		n, base := r.IntN(3000)+2000, r.IntN(1000)
		harness.Bubble(t, func(t *testing.T) {
			u := newUnbounded(t)
			vs := seq(base, n)
			sent := u.sendAll(vs)
			require.Equal(t, n, sent, "Unbounded: %d of %d sends on in completed while nobody received from out: sends must never block", sent, n)
			u.close()
			u.expect(vs, "the values sent while nobody received")
			u.expectClosed()
		})
	})
}

func TestUnbounded_KeepsSendOrder(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		t.Run("one sender, sends and receives interleaved", func(t *testing.T) {
			steps := make([][2]int, 20)
			for i := range steps {
				steps[i] = [2]int{r.IntN(20), r.IntN(20)}
			}
			harness.Bubble(t, func(t *testing.T) {
				u := newUnbounded(t)
				next, queued := 0, 0
				for _, s := range steps {
					sent := u.sendAll(seq(next+queued, s[0]))
					require.Equal(t, s[0], sent, "Unbounded: sends on in blocked with %d values not received", queued)
					queued += s[0]
					k := min(s[1], queued)
					u.expect(seq(next, k), fmt.Sprintf("the next %d values", k))
					next, queued = next+k, queued-k
				}
				u.close()
				u.expect(seq(next, queued), "the values left when in was closed")
				u.expectClosed()
			})
		})
		t.Run("a receiver waiting on an empty channel", func(t *testing.T) {
			v := r.IntN(1000)
			harness.Bubble(t, func(t *testing.T) {
				u := newUnbounded(t)
				got := make(chan int, 1)
				go func() {
					if v, ok := <-u.out; ok {
						got <- v
					}
				}()
				synctest.Wait()
				require.Equal(t, 1, u.sendAll([]int{v}), "Unbounded: a send on in blocked")
				w, ok := within(t, got)
				require.True(t, ok, "Unbounded: a receiver waiting on out did not get the value sent later")
				assert.Equal(t, v, w, "Unbounded: what a waiting receiver got")
				u.close()
				u.expectClosed()
			})
		})
		t.Run("several senders, each in its own order", func(t *testing.T) {
			senders, each := r.IntN(4)+2, r.IntN(200)+100
			harness.Bubble(t, func(t *testing.T) {
				u := newUnbounded(t)
				var wg sync.WaitGroup
				stop := make(chan struct{})
				t.Cleanup(func() { close(stop); wg.Wait() }) // runs before u's cleanup closes in
				for s := range senders {
					wg.Go(func() {
						for i := range each {
							select {
							case u.in <- s*each + i:
							case <-stop:
								return
							}
						}
					})
				}
				last := make([]int, senders)
				for i := range last {
					last[i] = -1
				}
				for range senders * each {
					v, ok, arrived := u.recv()
					require.True(t, arrived && ok, "Unbounded: out gave %d of the %d values sent by %d senders", slices.Max(last), senders*each, senders)
					s, i := v/each, v%each
					require.Equal(t, last[s]+1, i, "Unbounded: sender %d sent %d values in order, but out gave its value %d after its value %d", s, each, i, last[s])
					last[s] = i
				}
				wg.Wait()
				u.close()
				u.expectClosed()
			})
		})
	})
}

func TestUnbounded_KeepsSendOrderWhileItGrows(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		base := harness.Rand(t).IntN(1000)
		harness.Bubble(t, func(t *testing.T) {
			// Three sends, then two receives, round after round: the queue grows by one value a
			// round while its oldest value moves on, so it grows at every length with its oldest
			// value anywhere (a ring buffer that grows while its start is not at index 0).
			u := newUnbounded(t)
			next, sent := base, base
			for round := range 1500 {
				for range 3 {
					require.True(t, u.send(sent), "Unbounded: a send on in blocked with %d values not received", sent-next)
					sent++
				}
				for range 2 {
					v, ok, arrived := u.recv()
					require.True(t, arrived && ok, "Unbounded: out gave nothing with %d values sent and not received", sent-next)
					require.Equal(t, next, v, "Unbounded, round %d of 3 sends then 2 receives: out gave %d, want %d (send order, also while the queue grows)", round, v, next)
					next++
				}
			}
			u.close()
			u.expect(seq(next, sent-next), "the values left when in was closed")
			u.expectClosed()
		})
	})
}

func TestUnbounded_ClosingInDeliversTheRestThenClosesOut(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		for _, c := range []struct {
			name           string
			sent, received int
		}{
			{"nothing sent", 0, 0},
			{"nothing received yet", r.IntN(100) + 1, 0},
			{"some received", r.IntN(100) + 10, r.IntN(10) + 1},
		} {
			t.Run(c.name, func(t *testing.T) {
				harness.Bubble(t, func(t *testing.T) {
					u := newUnbounded(t)
					vs := seq(r.IntN(1000), c.sent)
					require.Equal(t, c.sent, u.sendAll(vs), "Unbounded: sends on in blocked")
					u.expect(vs[:c.received], "the first values")
					u.close()
					u.expect(vs[c.received:], fmt.Sprintf("the %d values left when in was closed", c.sent-c.received))
					u.expectClosed()
					harness.AssertNoLeftovers(t, channelsCode, "Unbounded left goroutines behind after in was closed and out drained: every goroutine it starts must end once out is closed")
				})
			})
		}
	})
}

// Task 5: Dispatch.

func TestDispatch_CollectsTextsAndCountsPingsUntilInCloses(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		t.Run("texts and pings", func(t *testing.T) {
			msgs, texts, pings := randomMessages(r, r.IntN(30)+2)
			in := make(chan channels.Message, len(msgs))
			for _, m := range msgs {
				in <- m
			}
			close(in)
			gotTexts, gotPings := channels.Dispatch(in)
			assertTexts(t, texts, gotTexts, "Dispatch(%v) texts", msgs)
			assert.Equal(t, pings, gotPings, "Dispatch(%v) pings", msgs)
		})
		t.Run("closed at once", func(t *testing.T) {
			in := make(chan channels.Message)
			close(in)
			gotTexts, gotPings := channels.Dispatch(in)
			assert.Empty(t, gotTexts, "Dispatch on a closed, empty channel: texts")
			assert.Zero(t, gotPings, "Dispatch on a closed, empty channel: pings")
		})
	})
}

func TestDispatch_StopsAtQuitAndReadsNoFurther(t *testing.T) {
	harness.Run(t, func(t *testing.T) {
		r := harness.Rand(t)
		for _, before := range []int{r.IntN(20) + 2, 0} {
			t.Run(fmt.Sprintf("%d messages before Quit", before), func(t *testing.T) {
				msgs, texts, pings := randomMessages(r, before)
				later, _, _ := randomMessages(r, r.IntN(10)+2)
				later = append(later, channels.Quit{}, channels.Text{From: 1, Body: "after the second Quit"})
				in := make(chan channels.Message, len(msgs)+1+len(later))
				for _, m := range msgs {
					in <- m
				}
				in <- channels.Quit{}
				for _, m := range later {
					in <- m
				}
				close(in)
				gotTexts, gotPings := channels.Dispatch(in)
				assertTexts(t, texts, gotTexts, "Dispatch texts, with %d messages before the Quit and %d after it", len(msgs), len(later))
				assert.Equal(t, pings, gotPings, "Dispatch pings, with %d messages before the Quit and %d after it", len(msgs), len(later))
				assert.Equal(t, len(later), len(in), "messages still in the channel after Dispatch returned: it should have stopped receiving at the Quit, leaving the %d after it", len(later))
			})
		}
	})
}

// Helpers.

// channelsCode is on the stack of every goroutine running the exercise's code.
const channelsCode = "/exercises/06_channels."

// callLog records the arguments f was called with, from any goroutine.
type callLog struct {
	mu    sync.Mutex
	calls map[int]int
}

func (c *callLog) add(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[int]int{}
	}
	c.calls[i]++
}

func (c *callLog) assertEachOnce(t *testing.T, n int) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range n {
		if c.calls[i] != 1 {
			t.Errorf("Gather(%d, f) called f(%d) %d times, want once", n, i, c.calls[i])
		}
	}
	for i, k := range c.calls {
		if i < 0 || i >= n {
			t.Errorf("Gather(%d, f) called f(%d) %d times: i should run from 0 to %d", n, i, k, n-1)
		}
	}
}

// within receives from ch in a synctest bubble. It reports false when nothing can arrive any
// more: every goroutine of the bubble is blocked (virtual time then jumps the hour at once).
func within[T any](t *testing.T, ch <-chan T) (T, bool) {
	t.Helper()
	select {
	case v := <-ch:
		return v, true
	case <-time.After(time.Hour):
		var zero T
		return zero, false
	}
}

// trySend calls TrySend(ch, v) in a goroutine of its own and reports what it returned, and
// whether it returned without blocking and without time passing. When it blocked, unblock is
// called to let it finish.
func trySend[T any](ch chan T, v T, unblock func()) (ok, returned bool) {
	res := make(chan bool, 1)
	start := time.Now()
	go func() { res <- channels.TrySend(ch, v) }()
	synctest.Wait()
	select {
	case ok := <-res:
		return ok, time.Since(start) == 0
	default:
		unblock()
		return <-res, false
	}
}

func seq(from, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = from + i
	}
	return s
}

// unbounded is a channel from Unbounded under test, in a synctest bubble. Its cleanup closes in
// and drains out, so that a failing test leaves nothing blocked.
type unbounded struct {
	t      *testing.T
	in     chan<- int
	out    <-chan int
	closed bool
}

func newUnbounded(t *testing.T) *unbounded {
	t.Helper()
	in, out := channels.Unbounded[int]()
	require.NotNil(t, in, "Unbounded() returned a nil in channel")
	require.NotNil(t, out, "Unbounded() returned a nil out channel")
	u := &unbounded{t: t, in: in, out: out}
	t.Cleanup(func() {
		u.close()
		for range 10000 {
			if _, ok, arrived := u.recv(); !ok || !arrived {
				return
			}
		}
	})
	return u
}

// sendAll sends vs on in from a goroutine of its own and returns how many of the sends
// completed before that goroutine blocked for good (nobody receives meanwhile).
func (u *unbounded) sendAll(vs []int) int {
	var sent atomic.Int64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for _, v := range vs {
			select {
			case u.in <- v:
				sent.Add(1)
			case <-stop:
				return
			}
		}
	}()
	synctest.Wait()
	close(stop)
	<-done
	return int(sent.Load())
}

// send sends v on in; it reports false when the send blocked for good (nobody receives).
func (u *unbounded) send(v int) bool {
	select {
	case u.in <- v:
		return true
	case <-time.After(time.Hour):
		return false
	}
}

func (u *unbounded) close() {
	if !u.closed {
		u.closed = true
		close(u.in)
	}
}

// recv receives from out; arrived is false when nothing can arrive any more.
func (u *unbounded) recv() (v int, ok, arrived bool) {
	select {
	case v, ok := <-u.out:
		return v, ok, true
	case <-time.After(time.Hour):
		return 0, false, false
	}
}

func (u *unbounded) expect(want []int, what string) {
	u.t.Helper()
	var got []int
	for range want {
		v, ok, arrived := u.recv()
		if !arrived {
			u.t.Fatalf("Unbounded: receiving %s from out: got %v, then out gave nothing more (in closed: %v), want %v", what, got, u.closed, want)
		}
		if !ok {
			u.t.Fatalf("Unbounded: receiving %s from out: got %v, then out was closed, want %v", what, got, want)
		}
		got = append(got, v)
	}
	if !slices.Equal(got, want) {
		u.t.Fatalf("Unbounded: %s from out = %v, want %v (in the order they were sent)", what, got, want)
	}
}

func (u *unbounded) expectClosed() {
	u.t.Helper()
	for range 2 {
		v, ok, arrived := u.recv()
		if !arrived {
			u.t.Fatalf("Unbounded: out was not closed after in was closed and every value was received from out")
		}
		if ok {
			u.t.Fatalf("Unbounded: out gave %d after in was closed and every value sent was received", v)
		}
	}
}

// randomMessages returns n random Texts and Pings (at least one of each when n >= 2), the
// texts Dispatch should return for them and the number of Pings.
func randomMessages(r interface{ IntN(int) int }, n int) (msgs []channels.Message, texts []string, pings int) {
	words := []string{"hello", "dolly", "你好", "a: b", "", "pong", " padded ", "tab\t", "line\n"}
	for i := range n {
		from := r.IntN(100)
		if i == 0 || (i > 1 && r.IntN(2) == 0) {
			body := words[r.IntN(len(words))]
			if i == 0 {
				body = " hello dolly\n" // every run has a body that ends in white space
			}
			msgs = append(msgs, channels.Text{From: from, Body: body})
			texts = append(texts, fmt.Sprintf("%d: %s", from, body))
		} else {
			msgs = append(msgs, channels.Ping{From: from})
			pings++
		}
	}
	return msgs, texts, pings
}

// assertTexts checks Dispatch's texts: the same strings in the same order (no texts at all may be
// nil or empty, the contract does not say which).
func assertTexts(t *testing.T, want, got []string, msgAndArgs ...any) bool {
	t.Helper()
	if len(want) == 0 {
		return assert.Empty(t, got, msgAndArgs...)
	}
	return assert.Equal(t, want, got, msgAndArgs...)
}
