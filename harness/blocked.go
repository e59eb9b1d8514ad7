package harness

import "strings"

// Blocked returns the IDs of the goroutines that are blocked (waiting on a channel, a lock, a
// sync.Cond, a timer...; not running, runnable or in a system call) with fn on their stack:
// a function name or a part of one, such as "/exercises/07_barrier." or "(*Mutex[...]).With".
// With more, only goroutines that have every one of fn and more on their stack count:
// Blocked("/exercises/12_echo.", "internal/poll.(*FD).Write") is the exercise's code waiting
// in a network write. Tests poll it (Poll, WaitBlocked) to know that concurrent calls have
// really arrived and wait, instead of sleeping for a guessed time. A goroutine that spins is
// never blocked, nor is one that waits for the garbage collector.
func Blocked(fn string, more ...string) map[int64]bool {
	ids := map[int64]bool{}
	for _, block := range strings.Split(string(allStacks()), "\n\n") {
		header, stack, _ := strings.Cut(block, "\n")
		g := parseHeader(header)
		switch {
		case g.state == "", g.state == "running", g.state == "runnable", g.state == "syscall", g.state == "preempted",
			strings.HasPrefix(g.state, "GC "): // "GC assist wait": it will run again by itself
			continue
		}
		if containsAll(stack, fn, more) {
			ids[g.id] = true
		}
	}
	return ids
}

func containsAll(stack, fn string, more []string) bool {
	for _, f := range more {
		if !strings.Contains(stack, f) {
			return false
		}
	}
	return strings.Contains(stack, fn)
}

// GoroutineID returns the calling goroutine's ID, as Blocked and stack dumps show it.
func GoroutineID() int64 { return currentGoroutineID() }
