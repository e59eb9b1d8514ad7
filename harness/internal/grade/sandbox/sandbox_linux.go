package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// tmpSize bounds the sandbox's /tmp, and shmSize its /dev/shm (a tmpfs lives in memory).
const (
	tmpSize = 256 << 20
	shmSize = 64 << 20
)

// New returns a Sandbox that gives the isolation asked for. With Auto it tries bubblewrap and
// falls back to None with a Note saying why; with Require that failure is an error wrapping
// ErrUnavailable.
func New(want Want) (*Sandbox, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("sandbox: cannot find the running program to apply limits through: %w", err)
	}
	s := &Sandbox{kind: None, self: self}
	if want == Off {
		s.note = "grading without a sandbox (--sandbox off): learner code runs with your permissions, under time, output and memory limits only."
		return s, nil
	}
	why := s.tryBubblewrap()
	if why == "" {
		return s, nil
	}
	if want == Require {
		return nil, fmt.Errorf("%w: %s", ErrUnavailable, why)
	}
	s.note = "grading WITHOUT a sandbox: " + why + " Learner code runs with your permissions, under time, output and memory limits only. Install bubblewrap (Debian: apt-get install bubblewrap) to isolate it."
	return s, nil
}

// tryBubblewrap switches s to Bubblewrap when bwrap exists and can really build a sandbox
// here; otherwise it returns the reason, in plain words.
func (s *Sandbox) tryBubblewrap() string {
	path, err := exec.LookPath("bwrap")
	if err != nil {
		return "bubblewrap (bwrap) is not installed."
	}
	help, _ := exec.Command(path, "--help").CombinedOutput()
	s.bwrap, s.kind = path, Bubblewrap
	s.hasSize = strings.Contains(string(help), "--size")
	s.hasDisableUserns = strings.Contains(string(help), "--disable-userns")
	tmp, err := os.MkdirTemp("", "kata-sandbox-*")
	if err != nil {
		s.kind = None
		return fmt.Sprintf("cannot make a temporary folder (%v).", err)
	}
	defer os.RemoveAll(tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := s.run(ctx, Command{Path: s.self, Dir: "/", probe: true, Env: []string{"GORACE=atexit_sleep_ms=0"}, Limits: Limits{Time: 15 * time.Second}.WithDefaults()}, tmp)
	if err == nil && res.Clean() {
		return ""
	}
	s.kind, s.bwrap = None, ""
	msg := ""
	if err != nil {
		msg = err.Error()
	} else {
		msg = strings.TrimSpace(string(res.Stderr))
		if msg == "" {
			msg = fmt.Sprintf("exit status %d", res.ExitCode)
		}
	}
	return fmt.Sprintf("bubblewrap is installed but cannot build a sandbox here (%s); on Ubuntu 24.04, allow unprivileged user namespaces: sysctl kernel.apparmor_restrict_unprivileged_userns=0.", firstLine(msg))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// etcFiles are the only files of /etc a sandboxed process sees.
var etcFiles = []string{
	"/etc/passwd", "/etc/group", "/etc/hosts", "/etc/host.conf", "/etc/nsswitch.conf",
	"/etc/resolv.conf", "/etc/services", "/etc/protocols", "/etc/localtime", "/etc/ld.so.cache",
	"/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/ssl", "/etc/mime.types",
}

// bwrapArgs are bubblewrap's arguments for c. environ is a file holding c's environment as
// /proc/self/environ would (see run).
func (s *Sandbox) bwrapArgs(c Command, environ string) []string {
	a := []string{
		"--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
		"--cap-drop", "ALL", "--die-with-parent", "--new-session", "--hostname", "kata",
	}
	if s.hasDisableUserns {
		a = append(a, "--disable-userns")
	}
	a = append(a, "--ro-bind", "/usr", "/usr")
	for _, l := range []string{"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"} {
		fi, err := os.Lstat(l)
		switch {
		case err != nil:
		case fi.Mode()&os.ModeSymlink != 0:
			if target, err := os.Readlink(l); err == nil {
				a = append(a, "--symlink", target, l)
			}
		case fi.IsDir():
			a = append(a, "--ro-bind", l, l)
		}
	}
	for _, f := range etcFiles {
		a = append(a, "--ro-bind-try", f, f)
	}
	// No /proc: through /proc/PID/mem a process could rewrite its own code or its parent's,
	// and through /proc/PID/fd write to another's output. A Go test binary, the race
	// detector and sh run without it (the detector warns once that it cannot read its
	// executable's name; package grade drops that line).
	//
	// /dev is read-only (its device nodes still work); the only writable places are /tmp and
	// /dev/shm, each a tmpfs of a fixed size. Without --size (bubblewrap before 0.5) /tmp is
	// unbounded and there is no writable /dev/shm.
	a = append(a, "--dev", "/dev", "--remount-ro", "/dev")
	if s.hasSize {
		a = append(a, "--size", fmt.Sprint(shmSize), "--tmpfs", "/dev/shm", "--size", fmt.Sprint(tmpSize))
	}
	a = append(a, "--tmpfs", "/tmp")
	// The race detector reads its settings (GORACE) from /proc/self/environ, not from the
	// process's environment: without it, it ignores atexit_sleep_ms=0 and sleeps a second in
	// every test process that exits 0. This one read-only file, the environment the process is
	// given anyway, is all there is of /proc.
	a = append(a, "--ro-bind", environ, "/proc/self/environ")
	for _, p := range exposed(append([]string{c.Path, c.Dir, s.self}, c.Expose...)) {
		a = append(a, "--ro-bind", p, p)
	}
	a = append(a, "--remount-ro", "/", "--chdir", c.Dir, "--")
	return a
}

// exposed returns the paths to bind, without those already inside /usr or inside another.
func exposed(paths []string) []string {
	var clean []string
	for _, p := range paths {
		if p == "" || p == "/" {
			continue
		}
		p = filepath.Clean(p)
		if within(p, "/usr") {
			continue
		}
		clean = append(clean, p)
	}
	slices.SortFunc(clean, func(a, b string) int { return len(a) - len(b) })
	var out []string
	for _, p := range clean {
		if !slices.ContainsFunc(out, func(q string) bool { return within(p, q) }) {
			out = append(out, p)
		}
	}
	return out
}

func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+"/")
}

func (s *Sandbox) run(ctx context.Context, c Command, tmp string) (*Result, error) {
	if !filepath.IsAbs(c.Path) || !filepath.IsAbs(c.Dir) {
		return nil, errors.New("sandbox: Command.Path and Command.Dir must be absolute")
	}
	home := tmp
	if s.kind == Bubblewrap {
		home = "/tmp"
	}
	env := make([]string, 0, len(c.Env)+3)
	for _, kv := range c.Env {
		if k, _, _ := strings.Cut(kv, "="); k != "HOME" && k != "TMPDIR" && k != childEnv {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+home, "TMPDIR="+home)
	var argv []string
	if s.kind == Bubblewrap {
		// What the command's /proc/self/environ would hold once the launcher has execed it.
		environ := filepath.Join(tmp, "environ")
		if err := os.WriteFile(environ, []byte(strings.Join(env, "\x00")+"\x00"), 0o444); err != nil {
			return nil, fmt.Errorf("sandbox: %w", err)
		}
		argv = append([]string{s.bwrap}, s.bwrapArgs(c, environ)...)
	}
	argv = append(argv, s.self, c.Path)
	argv = append(argv, c.Args...)
	env = append(env, childEnv+"="+c.Limits.encode(c.probe, s.kind == Bubblewrap))

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.Dir
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = time.Second

	var killed atomic.Bool
	var pgid atomic.Int64
	kill := func() {
		killed.Store(true)
		if p := pgid.Load(); p > 0 {
			syscall.Kill(-int(p), syscall.SIGKILL)
		}
	}
	out := newCapped(c, kill)
	cmd.Stdout = cappedStream{out, 0}
	cmd.Stderr = cappedStream{out, 1}

	// Pdeathsig is sent when the thread that started the child ends: keep it alive.
	runtime.LockOSThread()
	start := time.Now()
	err := cmd.Start()
	runtime.UnlockOSThread()
	if err != nil {
		return nil, fmt.Errorf("sandbox: start %s: %w", filepath.Base(argv[0]), err)
	}
	pgid.Store(int64(cmd.Process.Pid))

	var timedOut atomic.Bool
	timer := time.AfterFunc(c.Limits.Time, func() { timedOut.Store(true); kill() })
	stopWatch := out.watchStart(c.StartTime, kill)
	stop := context.AfterFunc(ctx, kill)
	waitErr := cmd.Wait()
	elapsed := time.Since(start)
	timer.Stop()
	stop()
	// Whatever the process left behind in its group goes with it.
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)

	res := &Result{
		Stdout:     out.streams[0].Bytes(),
		Stderr:     out.streams[1].Bytes(),
		TimedOut:   timedOut.Load(),
		Flooded:    out.isFull(),
		NotStarted: stopWatch(),
		Elapsed:    elapsed,
	}
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) && !errors.Is(waitErr, exec.ErrWaitDelay) {
		return res, fmt.Errorf("sandbox: %w", waitErr)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
		switch {
		case ws.Signaled():
			res.Signal = ws.Signal().String()
		case ws.Exited():
			res.Exited, res.ExitCode = true, ws.ExitStatus()
			// bwrap reports a command killed by signal N as exit status 128+N.
			if s.kind == Bubblewrap && res.ExitCode > 128 && res.ExitCode < 128+65 {
				res.Exited, res.Signal = false, syscall.Signal(res.ExitCode-128).String()
			}
		}
	}
	if killed.Load() && !res.TimedOut && !res.Flooded && !res.NotStarted && ctx.Err() != nil {
		return res, fmt.Errorf("sandbox: %w", ctx.Err())
	}
	return res, nil
}
