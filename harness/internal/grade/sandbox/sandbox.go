// Package sandbox runs one untrusted process (a learner's compiled test binary) with a time
// limit, an output cap and resource limits, inside bubblewrap when it is available.
//
// What a sandboxed process gets (Kind Bubblewrap):
//
//   - new user, PID, network, IPC, UTS and cgroup namespaces: the only network is its own
//     loopback; it sees only its own processes; it has no capabilities;
//   - a root file system built from read-only binds of /usr (and the /bin, /lib... links), a
//     few files of /etc that programs need (passwd, group, hosts, nsswitch.conf, ...), and the
//     paths the caller exposes (the pristine tree, the test binary), all read-only;
//   - its own empty /tmp (256 MiB), which is also its HOME and TMPDIR, and /dev/shm (64 MiB):
//     the only writable places, each a tmpfs of a fixed size (bubblewrap 0.5 and later; an
//     older one gives an unbounded /tmp and no writable /dev/shm); a read-only /dev; nothing
//     of the home folder;
//   - no proc file system, so that no process can reach another's memory or file descriptors
//     through /proc/PID/mem or /proc/PID/fd, nor its own code through /proc/self/mem: /proc
//     holds one read-only file, self/environ, the environment the command is given (the race
//     detector reads GORACE there, and nowhere else); no new user namespaces (bubblewrap 0.8
//     and later), so none can mount a /proc of its own;
//   - every process it started is killed when it ends (the PID namespace goes with it).
//
// Whatever the kind, the process runs under a small re-exec of the current executable that
// sets resource limits on itself and then execs the command (see Limits): data memory, file
// size, CPU time, no core dumps, under bubblewrap the number of processes (the kernel does not
// count root's, so not when the grader runs as root), no privilege gain (no_new_privs), and a
// seccomp filter that denies ptrace, process_vm_readv/writev and pidfd_getfd, so that no
// process of the sandbox can reach into another to change what it does or how it exits. The
// time limit and the output cap are enforced from outside: when either is exceeded, the whole
// process group is killed.
//
// The launcher is an init function of this package: a program that links it (the kata CLI,
// the grader's tests) becomes the launcher when started with KATA_SANDBOX_EXEC set.
//
// Without bubblewrap (Kind None) the process runs with the grader's own permissions, in its
// own process group and private temporary folder. Callers must say so plainly to the user.
package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// Kind names the isolation a Sandbox gives.
type Kind string

// The kinds of isolation.
const (
	// Bubblewrap: namespaces, a read-only file system and loopback-only network (see the
	// package doc).
	Bubblewrap Kind = "bubblewrap"
	// None: the process runs with the caller's permissions; only the limits apply.
	None Kind = "none"
)

// Want says which isolation New must give.
type Want string

// What New can be asked for.
const (
	// Auto uses bubblewrap when it is installed and works, and otherwise no sandbox.
	Auto Want = "auto"
	// Require fails New when bubblewrap cannot be used.
	Require Want = "require"
	// Off never uses bubblewrap.
	Off Want = "off"
)

// ErrUnavailable is wrapped by New when Require was asked and bubblewrap cannot be used.
var ErrUnavailable = errors.New("sandbox: bubblewrap is not available")

// Limits bound one process. A zero field takes the default named beside it.
type Limits struct {
	// Time is the wall-clock limit (DefaultTime). The process group is killed after it.
	Time time.Duration
	// Output caps the bytes kept from standard output and standard error together
	// (DefaultOutput). The process group is killed when it prints more.
	Output int
	// Memory is the data-segment limit, RLIMIT_DATA, in bytes (DefaultMemory). It counts
	// the heap and every private writable mapping, so it bounds a memory balloon even under
	// -race, whose runtime reserves terabytes of address space (RLIMIT_AS cannot be used) but
	// maps its shadow memory only as the heap grows: about 400 MiB of a race test binary's
	// data is the runtime's own, and each MiB of heap costs a few more of shadow.
	Memory uint64
	// FileSize is the largest file the process may write, RLIMIT_FSIZE (DefaultFileSize).
	FileSize uint64
}

// Defaults for Limits.
const (
	DefaultTime     = 20 * time.Second
	DefaultOutput   = 1 << 20
	DefaultMemory   = 2 << 30
	DefaultFileSize = 64 << 20
)

// WithDefaults returns l with every limit left zero set to its default, as Run applies them.
func (l Limits) WithDefaults() Limits {
	if l.Time <= 0 {
		l.Time = DefaultTime
	}
	if l.Output <= 0 {
		l.Output = DefaultOutput
	}
	if l.Memory == 0 {
		l.Memory = DefaultMemory
	}
	if l.FileSize == 0 {
		l.FileSize = DefaultFileSize
	}
	return l
}

// Command is one process to run.
type Command struct {
	// Path is the program, an absolute path.
	Path string
	// Args are its arguments, without the program name.
	Args []string
	// Dir is its working folder, an absolute path (exposed read-only when sandboxed).
	Dir string
	// Env is its whole environment. HOME and TMPDIR are set by Run to the process's own
	// temporary folder.
	Env []string
	// Expose lists absolute paths (files or folders) the process may read. Path and Dir are
	// exposed without being listed. Without bubblewrap everything is readable anyway.
	Expose []string
	// Limits bound it.
	Limits Limits
	// StartLine, when set, is a line the process prints on standard output once it has
	// started its real work; when it has not printed it within StartTime, it is killed and
	// Result.NotStarted is set. (A test binary prints its -test.shuffle line only after every
	// init function ran: a slow initializer is found in seconds, not at the time limit.)
	StartLine string
	StartTime time.Duration

	probe bool // only apply the limits and exit 0: New's check that the sandbox works
}

// Result is what a process did.
type Result struct {
	// Stdout and Stderr are what it printed, together at most Limits.Output bytes.
	Stdout, Stderr []byte
	// Exited is set when the process ended by itself with ExitCode; when it was killed by a
	// signal (ours or another), Exited is false and Signal names it.
	Exited   bool
	ExitCode int
	Signal   string
	// TimedOut is set when Run killed it at Limits.Time; Flooded when it printed more than
	// Limits.Output; NotStarted when it did not print Command.StartLine within StartTime.
	TimedOut   bool
	Flooded    bool
	NotStarted bool
	// Elapsed is its wall time.
	Elapsed time.Duration
}

// Clean reports whether the process exited by itself with status 0, within its limits.
func (r *Result) Clean() bool {
	return r.Exited && r.ExitCode == 0 && !r.TimedOut && !r.Flooded && !r.NotStarted
}

// Sandbox runs commands. Create it with New; it is safe for concurrent use.
type Sandbox struct {
	kind  Kind
	note  string
	bwrap string // path of the bwrap program when kind is Bubblewrap
	self  string // the executable that applies limits and execs the command
	// hasSize is set when this bwrap understands --size (bubblewrap 0.5 and later), and
	// hasDisableUserns when it understands --disable-userns (0.8 and later).
	hasSize, hasDisableUserns bool
}

// Kind is the isolation the sandbox gives.
func (s *Sandbox) Kind() Kind { return s.kind }

// Note is a plain sentence for the user when the sandbox is weaker than bubblewrap, and
// empty otherwise.
func (s *Sandbox) Note() string { return s.note }

// Run runs c and waits for it, within its limits. The error is for a process that could not
// be started at all; everything the process itself did is in the Result.
func (s *Sandbox) Run(ctx context.Context, c Command) (*Result, error) {
	c.Limits = c.Limits.WithDefaults()
	tmp, err := os.MkdirTemp("", "kata-sandbox-*")
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	defer os.RemoveAll(tmp)
	return s.run(ctx, c, tmp)
}

// newCapped returns the output cap of c, watching for its start line.
func newCapped(c Command, onFull func()) *capped {
	out := &capped{limit: c.Limits.Output, onFull: onFull}
	if c.StartLine != "" && c.StartTime > 0 {
		out.start = []byte(c.StartLine + "\n")
	}
	return out
}

// capped keeps what both of a process's output streams print, up to a shared total, and
// watches standard output for a start line.
type capped struct {
	mu      sync.Mutex
	limit   int
	used    int
	full    bool
	onFull  func()
	streams [2]bytes.Buffer
	start   []byte // the start line with its newline; nil when not watched
	started bool
}

// watchStart kills the process (kill) when c.start has not been printed after d; it returns
// a function that stops the watch and reports whether the process was killed for that.
func (c *capped) watchStart(d time.Duration, kill func()) (stop func() bool) {
	if c.start == nil {
		return func() bool { return false }
	}
	var mu sync.Mutex
	fired := false
	t := time.AfterFunc(d, func() {
		c.mu.Lock()
		started := c.started
		c.mu.Unlock()
		if !started {
			mu.Lock()
			fired = true
			mu.Unlock()
			kill()
		}
	})
	return func() bool {
		t.Stop()
		mu.Lock()
		defer mu.Unlock()
		return fired
	}
}

type cappedStream struct {
	c *capped
	i int
}

func (w cappedStream) Write(p []byte) (int, error) {
	c := w.c
	c.mu.Lock()
	room := c.limit - c.used
	n := min(room, len(p))
	if n > 0 {
		from := max(0, c.streams[w.i].Len()-len(c.start))
		c.streams[w.i].Write(p[:n])
		c.used += n
		if w.i == 0 && c.start != nil && !c.started {
			c.started = bytes.Contains(c.streams[0].Bytes()[from:], c.start)
		}
	}
	overflow := n < len(p) && !c.full
	if overflow {
		c.full = true
	}
	c.mu.Unlock()
	if overflow {
		c.onFull()
	}
	return len(p), nil
}

func (c *capped) isFull() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.full
}
