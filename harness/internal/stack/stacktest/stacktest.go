// Package stacktest holds the goroutine dump that the tests of the packages reading dumps
// share (stack parses it, stuck groups it, harness reports it), as net/http/internal/testcert
// holds the certificates its tests share. Only tests import it.
package stacktest

// BlockedBarrier is a dump of a test stuck in 07_barrier: goroutines 7 and 8, started by the
// learner's Spawn[...] in goroutine 6, wait at the same line of (*Barrier).Wait; goroutine 9
// is the test's body, waiting in TestX at barrier_test.go:55; goroutine 10 is the runtime's,
// in the longer header and frame format of GOTRACEBACK=system. The files live under
// /repo/exercises/07_barrier.
const BlockedBarrier = `goroutine 7 [chan receive, 2 minutes]:
github.com/kata-go/concurrency/exercises/07_barrier.(*Barrier).Wait(0xc0000b2000)
	/repo/exercises/07_barrier/barrier.go:41 +0x25
github.com/kata-go/concurrency/exercises/07_barrier_test.TestX.func1()
	/repo/exercises/07_barrier/barrier_test.go:20 +0x1f
created by github.com/kata-go/concurrency/exercises/07_barrier.Spawn[...] in goroutine 6
	/repo/exercises/07_barrier/barrier.go:30 +0x8b

goroutine 8 [chan receive]:
github.com/kata-go/concurrency/exercises/07_barrier.(*Barrier).Wait(0xc0000b2000)
	/repo/exercises/07_barrier/barrier.go:41 +0x25
github.com/kata-go/concurrency/exercises/07_barrier_test.TestX.func1()
	/repo/exercises/07_barrier/barrier_test.go:20 +0x1f
created by github.com/kata-go/concurrency/exercises/07_barrier.Spawn[...] in goroutine 6
	/repo/exercises/07_barrier/barrier.go:30 +0x8b

goroutine 9 [select]:
github.com/kata-go/concurrency/exercises/07_barrier_test.TestX(0xc000003500)
	/repo/exercises/07_barrier/barrier_test.go:55 +0x1f

goroutine 10 gp=0xc000003c00 m=nil [IO wait]:
internal/poll.runtime_pollWait(0x7f, 0x72)
	/usr/local/go/src/runtime/netpoll.go:351 +0x85 fp=0xc00004 sp=0xc00003 pc=0x4a1
`
