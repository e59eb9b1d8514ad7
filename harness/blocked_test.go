package harness_test

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kata-go/concurrency/harness"
)

func waitOnChannel(ch chan struct{}, id chan<- int64) {
	id <- harness.GoroutineID()
	<-ch
}

func spin(stop *atomic.Bool, id chan<- int64) {
	id <- harness.GoroutineID()
	for !stop.Load() {
		runtime.Gosched()
	}
}

func TestBlocked_SeesAWaiterNotASpinner(t *testing.T) {
	release, ids := make(chan struct{}), make(chan int64, 2)
	var stop atomic.Bool
	go waitOnChannel(release, ids)
	go spin(&stop, ids)
	defer stop.Store(true)
	defer close(release)
	// The two IDs arrive in either order; tell them apart by where each goroutine is.
	a, b := <-ids, <-ids
	deadline := time.Now().Add(5 * time.Second)
	for {
		waiting := harness.Blocked("harness_test.waitOnChannel")
		if waiting[a] || waiting[b] {
			if waiting[a] && waiting[b] {
				t.Fatalf("Blocked = %v: both the waiter and the spinner", waiting)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Blocked(waitOnChannel) never saw the goroutine waiting on a channel (ids %d, %d)", a, b)
		}
		time.Sleep(time.Millisecond)
	}
	if spinning := harness.Blocked("harness_test.spin"); len(spinning) != 0 {
		t.Errorf("Blocked(spin) = %v: a goroutine that spins is never blocked", spinning)
	}
}
