package sandbox_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kata-go/concurrency/harness/internal/grade/sandbox"
)

// This test binary is also the program the tests run in the sandbox: with SANDBOX_BEHAVE set,
// TestMain does that behaviour instead of running tests.
const behaveEnv = "SANDBOX_BEHAVE"

func TestMain(m *testing.M) {
	if b, ok := os.LookupEnv(behaveEnv); ok {
		behave(b)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var keep [][]byte

func behave(b string) {
	switch b {
	case "hello":
		fmt.Println("hello from", os.Getenv("HOME"), os.Getenv("TMPDIR"), os.Getenv("KATA_SANDBOX_EXEC") == "")
	case "exit3":
		os.Exit(3)
	case "sleep":
		time.Sleep(time.Hour)
	case "flood":
		line := strings.Repeat("x", 1000) + "\n"
		for {
			os.Stdout.WriteString(line)
		}
	case "balloon":
		for {
			b := make([]byte, 64<<20)
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			keep = append(keep, b)
		}
	case "orphan":
		// Starts a child that would outlive us, and prints its pid.
		cmd := exec.Command("sleep", "600")
		if err := cmd.Start(); err != nil {
			fmt.Println("start:", err)
			os.Exit(1)
		}
		fmt.Println(cmd.Process.Pid)
	case "forkbomb":
		// Starts sleeping children until the system refuses; prints how many it got.
		n := 0
		for ; n < 5000; n++ {
			if err := exec.Command("sleep", "600").Start(); err != nil {
				break
			}
		}
		fmt.Println(n)
	case "ptrace":
		// PTRACE_TRACEME is the simplest ptrace call; the filter denies every ptrace call.
		_, _, e := syscall.RawSyscall(syscall.SYS_PTRACE, syscall.PTRACE_TRACEME, 0, 0)
		fmt.Println("ptrace:", e == syscall.EPERM)
	case "look":
		_, home := os.Stat("/root")
		_, etcShadow := os.Stat("/etc/shadow")
		werr := os.WriteFile("written-by-sandbox-test", []byte("x"), 0o644) // in the working folder: the tree
		terr := os.WriteFile(filepath.Join(os.Getenv("TMPDIR"), "f"), []byte("x"), 0o644)
		_, derr := net.DialTimeout("tcp", "198.51.100.1:80", time.Second)
		l, lerr := net.Listen("tcp", "127.0.0.1:0")
		if lerr == nil {
			l.Close()
		}
		fmt.Printf("home-hidden=%v shadow-hidden=%v tree-ro=%v tmp-rw=%v no-net=%v loopback=%v\n",
			os.IsNotExist(home), os.IsNotExist(etcShadow), werr != nil, terr == nil, derr != nil, lerr == nil)
	case "places":
		// What a test could reach or fill: /proc (another process's memory), /dev, /dev/shm.
		_, procErr := os.Stat("/proc/self/mem")
		devErr := os.WriteFile("/dev/probe", []byte("x"), 0o644)
		nullErr := os.WriteFile("/dev/null", []byte("x"), 0o644)
		shm := fill("/dev/shm/f", 128<<20)
		tmp := fill("/tmp/f", 512<<20)
		fmt.Printf("no-proc=%v dev-ro=%v null-ok=%v shm=%dMiB tmp=%dMiB\n",
			os.IsNotExist(procErr), devErr != nil, nullErr == nil, shm>>20, tmp>>20)
	}
}

// fill writes up to max bytes to the file p, in files of at most 32 MiB (the file size
// limit is 64 MiB), and returns how many it wrote.
func fill(p string, max int) int {
	chunk := make([]byte, 1<<20)
	n := 0
	for i := 0; n < max; i++ {
		f, err := os.Create(fmt.Sprintf("%s%d", p, i))
		if err != nil {
			return n
		}
		for j := 0; j < 32 && n < max; j++ {
			w, err := f.Write(chunk)
			n += w
			if err != nil {
				f.Close()
				return n
			}
		}
		f.Close()
	}
	return n
}

func newSandbox(t *testing.T, want sandbox.Want) *sandbox.Sandbox {
	t.Helper()
	s, err := sandbox.New(want)
	require.NoError(t, err)
	return s
}

// bubblewrap returns a Bubblewrap sandbox, or skips (fails on CI) when bwrap is missing.
func bubblewrap(t *testing.T) *sandbox.Sandbox {
	t.Helper()
	s := newSandbox(t, sandbox.Auto)
	if s.Kind() != sandbox.Bubblewrap {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must have a working bubblewrap (apt-get install bubblewrap): %s", s.Note())
		}
		t.Skipf("no bubblewrap here: %s", s.Note())
	}
	return s
}

func self(t *testing.T, behaviour string, lim sandbox.Limits) sandbox.Command {
	exe, err := os.Executable()
	require.NoError(t, err)
	wd, err := os.Getwd()
	require.NoError(t, err)
	return sandbox.Command{
		Path:   exe,
		Dir:    wd,
		Env:    []string{behaveEnv + "=" + behaviour, "PATH=/usr/bin:/bin", "GORACE=atexit_sleep_ms=0"},
		Limits: lim,
	}
}

func both(t *testing.T, f func(t *testing.T, s *sandbox.Sandbox)) {
	t.Run("none", func(t *testing.T) { f(t, newSandbox(t, sandbox.Off)) })
	t.Run("bubblewrap", func(t *testing.T) { f(t, bubblewrap(t)) })
}

func TestRun_ReportsExitAndOutput(t *testing.T) {
	both(t, func(t *testing.T, s *sandbox.Sandbox) {
		res, err := s.Run(context.Background(), self(t, "hello", sandbox.Limits{}))
		require.NoError(t, err)
		assert.True(t, res.Clean(), "hello: %+v stderr=%s", res, res.Stderr)
		out := string(res.Stdout)
		assert.Contains(t, out, "hello from ")
		assert.Contains(t, out, " true", "the launcher's variable must not reach the command")
		if s.Kind() == sandbox.Bubblewrap {
			assert.Contains(t, out, "hello from /tmp /tmp")
		}

		res, err = s.Run(context.Background(), self(t, "exit3", sandbox.Limits{}))
		require.NoError(t, err)
		assert.True(t, res.Exited)
		assert.Equal(t, 3, res.ExitCode)
		assert.False(t, res.Clean())
	})
}

func TestRun_KillsAtTheTimeLimit(t *testing.T) {
	both(t, func(t *testing.T, s *sandbox.Sandbox) {
		start := time.Now()
		res, err := s.Run(context.Background(), self(t, "sleep", sandbox.Limits{Time: 300 * time.Millisecond}))
		require.NoError(t, err)
		assert.True(t, res.TimedOut, "TimedOut")
		assert.False(t, res.Exited, "Exited")
		assert.Less(t, time.Since(start), 5*time.Second)
	})
}

func TestRun_KillsAFlood(t *testing.T) {
	both(t, func(t *testing.T, s *sandbox.Sandbox) {
		res, err := s.Run(context.Background(), self(t, "flood", sandbox.Limits{Output: 64 << 10}))
		require.NoError(t, err)
		assert.True(t, res.Flooded, "Flooded")
		assert.False(t, res.Clean())
		assert.LessOrEqual(t, len(res.Stdout)+len(res.Stderr), 64<<10)
	})
}

func TestRun_BoundsMemory(t *testing.T) {
	both(t, func(t *testing.T, s *sandbox.Sandbox) {
		res, err := s.Run(context.Background(), self(t, "balloon", sandbox.Limits{Memory: 1 << 30, Time: 20 * time.Second}))
		require.NoError(t, err)
		assert.False(t, res.TimedOut, "the balloon must be stopped by the memory limit, not the clock")
		assert.False(t, res.Clean(), "balloon: %+v", res)
		assert.Regexp(t, "out of memory|failed to allocate|cannot allocate", string(res.Stderr))
	})
}

func TestRun_KillsWhatTheProcessLeftBehind(t *testing.T) {
	both(t, func(t *testing.T, s *sandbox.Sandbox) {
		res, err := s.Run(context.Background(), self(t, "orphan", sandbox.Limits{}))
		require.NoError(t, err)
		require.True(t, res.Clean(), "orphan: %+v %s", res, res.Stderr)
		if s.Kind() == sandbox.Bubblewrap {
			return // its pid is in a namespace that is gone; nothing outside can be checked
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(res.Stdout)))
		require.NoError(t, err)
		deadline := time.Now().Add(5 * time.Second)
		for syscall.Kill(pid, 0) == nil {
			// A zombie until reaped by init: check its state rather than its existence.
			if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err != nil || strings.Contains(string(st), ") Z ") {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the orphan %d is still running after the process ended", pid)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func TestRun_DeniesPtrace(t *testing.T) {
	both(t, func(t *testing.T, s *sandbox.Sandbox) {
		res, err := s.Run(context.Background(), self(t, "ptrace", sandbox.Limits{}))
		require.NoError(t, err)
		assert.Equal(t, "ptrace: true\n", string(res.Stdout), "stderr: %s", res.Stderr)
	})
}

func TestRun_BubblewrapHidesHomeAndNetworkAndFreezesTheTree(t *testing.T) {
	s := bubblewrap(t)
	res, err := s.Run(context.Background(), self(t, "look", sandbox.Limits{}))
	require.NoError(t, err)
	assert.Equal(t, "home-hidden=true shadow-hidden=true tree-ro=true tmp-rw=true no-net=true loopback=true\n",
		string(res.Stdout), "stderr: %s", res.Stderr)
}

func TestRun_BubblewrapHasNoProcAndSizesEveryWritablePlace(t *testing.T) {
	s := bubblewrap(t)
	res, err := s.Run(context.Background(), self(t, "places", sandbox.Limits{Time: 20 * time.Second}))
	require.NoError(t, err)
	assert.Equal(t, "no-proc=true dev-ro=true null-ok=true shm=64MiB tmp=256MiB\n", string(res.Stdout), "stderr: %s", res.Stderr)
}

func TestNew_OffSaysSoPlainly(t *testing.T) {
	s := newSandbox(t, sandbox.Off)
	assert.Equal(t, sandbox.None, s.Kind())
	assert.Contains(t, s.Note(), "without a sandbox")
}

func TestRun_BubblewrapBoundsAForkBomb(t *testing.T) {
	if os.Geteuid() == 0 {
		// The sandbox's user maps to root, whose processes the kernel never counts.
		t.Skip("RLIMIT_NPROC does not bind processes of root: grade as a normal user to bound fork bombs")
	}
	s := bubblewrap(t)
	res, err := s.Run(context.Background(), self(t, "forkbomb", sandbox.Limits{Time: 20 * time.Second}))
	require.NoError(t, err)
	require.True(t, res.Clean(), "forkbomb: %+v %s", res, res.Stderr)
	n, err := strconv.Atoi(strings.TrimSpace(string(res.Stdout)))
	require.NoError(t, err)
	assert.Less(t, n, 600, "children started before the process limit stopped them")
}
