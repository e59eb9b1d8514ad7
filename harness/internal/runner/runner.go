// Package runner runs `go test -race -json` on one package (Run) or many (RunPackages) and
// turns its events into per-test results. The kata CLI, verification and the grader's compile
// step all run tests through it.
//
// Every run sets GORACE=atexit_sleep_ms=0: the race runtime otherwise sleeps a second at every
// exit of a test binary.
package runner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Status is the outcome of one test.
type Status string

// The statuses a test can end with.
const (
	Pass Status = "pass"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Config says what to run.
type Config struct {
	// Dir is the module root the go command runs in.
	Dir string
	// Package is the package pattern, relative to Dir ("./exercises/01_cell").
	Package string
	// Packages, when set, are several package patterns to run instead of Package (RunPackages).
	Packages []string
	// OnPackage, when set, is called by RunPackages as each package finishes, with its import
	// path and whether it passed, from the goroutine reading go test's output.
	OnPackage func(pkg string, passed bool)
	// Replace maps files (absolute, or relative to Dir) to the files that stand in for them in
	// this run, through go test -overlay. Nothing in the tree is copied or changed.
	Replace map[string]string
	// Flags are extra go test flags, such as "-count=3", "-cpu=1,2,4", "-run=^TestX$".
	Flags []string
	// NoRace leaves -race out. Exercises need it; only the race guard's own check omits it.
	NoRace bool
	// Env is added to the environment of the go command.
	Env []string
	// Timeout bounds the whole go command, build included. Zero means 5 minutes.
	Timeout time.Duration
	// TestArgs go to the test binaries after -args, such as "-test.failfast" (which, given
	// there rather than as the go flag -failfast, stops each package at its first failing test
	// without stopping the other packages).
	TestArgs []string
	// Stream, when set, receives go test's plain-text output as it happens: what
	// `go test -v` would print, build errors included.
	Stream io.Writer
}

// Test is what one test did over every run of it (go test -count runs a test more than once).
type Test struct {
	Name    string        // "TestX" or "TestX/sub"
	Status  Status        // Fail if any run failed, else Pass if any run passed, else Skip
	Runs    int           // how many runs ended
	Fails   int           // how many of them failed
	Output  string        // the test's output, the first failing run's when one failed (capped)
	Elapsed time.Duration // summed over runs
}

// TopLevel reports whether t is a top-level test rather than a subtest.
func (t Test) TopLevel() bool { return !strings.Contains(t.Name, "/") }

// Result is the outcome of one go test run.
type Result struct {
	Package string
	// Tests are every test seen, top-level and subtests, in the order they first started.
	Tests []Test
	// BuildFailed is set when the package or its tests did not compile; BuildOutput has the
	// compiler's messages.
	BuildFailed bool
	BuildOutput string
	// Passed is go test's verdict on the package (false when any test failed, the binary
	// crashed, or the package-level leak check failed).
	Passed bool
	// Output is what the package printed outside any test (a crash, goleak's report).
	Output string
	// Elapsed is the wall time of the go command, build included.
	Elapsed time.Duration
	// TimedOut is set when Config.Timeout ended the go command.
	TimedOut bool
}

// TopLevel returns the top-level tests in the order they first started.
func (r *Result) TopLevel() []Test {
	var out []Test
	for _, t := range r.Tests {
		if t.TopLevel() {
			out = append(out, t)
		}
	}
	return out
}

// Test returns the test named name and whether it ran.
func (r *Result) Test(name string) (Test, bool) {
	for _, t := range r.Tests {
		if t.Name == name {
			return t, true
		}
	}
	return Test{}, false
}

// outputCap bounds the output kept per test and per package, so a flood cannot eat memory.
const outputCap = 64 << 10

// Run runs go test with cfg and returns the parsed result. The error is for a run that could
// not be made (no go command, a bad overlay); failing tests and build errors are in the Result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	ctx, cmd, done, err := cfg.command(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	var stderr bytes.Buffer
	stream := cfg.stream()
	cmd.Stderr = io.MultiWriter(&capped{w: &stderr}, stream)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("run go test: %w", err)
	}
	res := parse(stdout, stream)
	waitErr := cmd.Wait()
	res.Elapsed = time.Since(start)
	res.TimedOut = errors.Is(ctx.Err(), context.DeadlineExceeded)
	if s := strings.TrimSpace(stderr.String()); s != "" {
		if res.BuildFailed || len(res.Tests) == 0 {
			res.BuildOutput = strings.TrimSpace(res.BuildOutput + "\n" + s)
		} else {
			res.Output = strings.TrimSpace(res.Output + "\n" + s)
		}
	}
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) && !res.TimedOut {
		return res, fmt.Errorf("run go test: %w", waitErr)
	}
	if waitErr != nil {
		res.Passed = false
	}
	if !res.Passed && len(res.Tests) == 0 && res.BuildOutput != "" && !res.TimedOut {
		res.BuildFailed = true
	}
	return res, nil
}

// stream is cfg.Stream made safe for the two goroutines that write to it (stdout, stderr).
func (cfg Config) stream() io.Writer {
	if cfg.Stream == nil {
		return io.Discard
	}
	return &lockedWriter{w: cfg.Stream}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// command builds the go test command for cfg, bounded by cfg.Timeout, with GORACE set. The
// returned context is the command's; done releases what command made (the overlay file).
func (cfg Config) command(ctx context.Context) (context.Context, *exec.Cmd, func(), error) {
	args, cleanup, err := cfg.args()
	if err != nil {
		return nil, nil, nil, err
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = cfg.Dir
	cmd.Env = append(append(os.Environ(), "GORACE=atexit_sleep_ms=0"), cfg.Env...)
	cmd.WaitDelay = 5 * time.Second
	return ctx, cmd, func() { cancel(); cleanup() }, nil
}

func (cfg Config) args() (args []string, cleanup func(), err error) {
	cleanup = func() {}
	args = []string{"test", "-json"}
	if !cfg.NoRace {
		args = append(args, "-race")
	}
	if len(cfg.Replace) > 0 {
		overlay, err := writeOverlay(cfg.Dir, cfg.Replace)
		if err != nil {
			return nil, nil, err
		}
		cleanup = func() { os.Remove(overlay) }
		args = append(args, "-overlay="+overlay)
	}
	args = append(args, cfg.Flags...)
	if len(cfg.Packages) > 0 {
		args = append(args, cfg.Packages...)
	} else {
		args = append(args, cfg.Package)
	}
	if len(cfg.TestArgs) > 0 {
		args = append(append(args, "-args"), cfg.TestArgs...)
	}
	return args, cleanup, nil
}

func writeOverlay(dir string, replace map[string]string) (string, error) {
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	m := map[string]string{}
	for from, to := range replace {
		m[abs(from)] = abs(to)
	}
	data, err := json.Marshal(map[string]any{"Replace": m})
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp("", "kata-overlay-*.json")
	if err != nil {
		return "", fmt.Errorf("write overlay: %w", err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return "", fmt.Errorf("write overlay: %w", err)
	}
	return f.Name(), nil
}

// event is one line of go test -json (see go doc test2json).
type event struct {
	Action      string
	Package     string
	Test        string
	Elapsed     float64
	Output      string
	ImportPath  string
	FailedBuild string
}

// Parse reads go test -json output (one package) into a Result. Lines that are not JSON
// events are kept as build output, which is where the go command puts compiler errors.
func Parse(r io.Reader) *Result { return parse(r, nil) }

// parse is Parse that also copies the plain-text output to stream, when not nil.
func parse(r io.Reader, stream io.Writer) *Result {
	if stream == nil {
		stream = io.Discard
	}
	res := &Result{}
	index := map[string]int{}
	current := map[string]*strings.Builder{} // output of the run in progress, per test
	running := map[string]bool{}
	var pkgOut, buildOut strings.Builder
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			appendCapped(&buildOut, string(line)+"\n")
			fmt.Fprintf(stream, "%s\n", line)
			continue
		}
		if e.Output != "" {
			io.WriteString(stream, e.Output)
		}
		switch {
		case e.Action == "build-output":
			appendCapped(&buildOut, e.Output)
		case e.Action == "build-fail":
			res.BuildFailed = true
		case e.Test == "":
			if e.Package != "" {
				res.Package = e.Package
			}
			switch e.Action {
			case "output":
				appendCapped(&pkgOut, e.Output)
			case "pass":
				res.Passed = true
			case "fail":
				res.Passed = false
				if e.FailedBuild != "" {
					res.BuildFailed = true
				}
			}
		default:
			i, ok := index[e.Test]
			if !ok {
				i = len(res.Tests)
				index[e.Test] = i
				res.Tests = append(res.Tests, Test{Name: e.Test})
			}
			t := &res.Tests[i]
			b := current[e.Test]
			if b == nil {
				b = &strings.Builder{}
				current[e.Test] = b
			}
			switch e.Action {
			case "run":
				running[e.Test] = true
			case "output":
				appendCapped(b, e.Output)
			case "pass", "fail", "skip":
				delete(running, e.Test)
				t.Runs++
				t.Elapsed += time.Duration(e.Elapsed * float64(time.Second))
				if e.Action == "fail" {
					t.Fails++
				}
				if t.Fails == 1 && e.Action == "fail" || t.Fails == 0 {
					t.Output = b.String()
				}
				b.Reset()
				t.Status = statusOf(*t, Status(e.Action))
			}
		}
	}
	// A test still running when the binary died (a crash, a timeout) has no end event.
	for name := range running {
		t := &res.Tests[index[name]]
		t.Runs++
		t.Fails++
		t.Status = Fail
		if t.Fails == 1 {
			t.Output = current[name].String()
		}
	}
	res.Output = pkgOut.String()
	res.BuildOutput = strings.TrimSpace(buildOut.String())
	if res.BuildFailed {
		res.Passed = false
	}
	return res
}

func statusOf(t Test, last Status) Status {
	switch {
	case t.Fails > 0:
		return Fail
	case last == Pass || t.Status == Pass:
		return Pass
	default:
		return Skip
	}
}

func appendCapped(b *strings.Builder, s string) {
	if room := outputCap - b.Len(); room < len(s) {
		if room > 0 {
			b.WriteString(s[:room])
			b.WriteString("\n... (output cut)\n")
		}
		return
	}
	b.WriteString(s)
}

// capped is a writer that keeps at most limit bytes (outputCap when zero) and drops the rest.
type capped struct {
	w     *bytes.Buffer
	limit int
}

func (c *capped) Write(p []byte) (int, error) {
	limit := c.limit
	if limit == 0 {
		limit = outputCap
	}
	if room := limit - c.w.Len(); room > 0 {
		c.w.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
