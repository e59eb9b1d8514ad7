package harness

import "strings"

// Blocked returns the IDs of the goroutines that are blocked (waiting on a channel, a lock, a
// sync.Cond, a timer...; not running, runnable or in a system call) with fn on their stack:
// a function name or a part of one, such as "/exercises/07_barrier." or "(*Mutex[...]).With".
// Tests poll it, with a bound, to know that concurrent calls have really arrived and wait,
// instead of sleeping for a guessed time. A goroutine that spins is never blocked, nor is one
// that waits for the garbage collector.
func Blocked(fn string) map[int64]bool {
	ids := map[int64]bool{}
	for _, block := range strings.Split(string(allStacks()), "\n\n") {
		header, stack, _ := strings.Cut(block, "\n")
		g := parseHeader(header)
		switch {
		case g.state == "", g.state == "running", g.state == "runnable", g.state == "syscall", g.state == "preempted",
			strings.HasPrefix(g.state, "GC "): // "GC assist wait": it will run again by itself
			continue
		}
		if strings.Contains(stack, fn) {
			ids[g.id] = true
		}
	}
	return ids
}

// GoroutineID returns the calling goroutine's ID, as Blocked and stack dumps show it.
func GoroutineID() int64 { return currentGoroutineID() }
