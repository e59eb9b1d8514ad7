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
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// Build is one package's outcome of BuildTests.
type Build struct {
	// Binary is the compiled test binary, or "" when the package did not compile.
	Binary string
	// Output is the compiler's messages for this package (empty when it compiled).
	Output string
}

// BuildTests compiles the -race test binaries of several packages in one go command
// (go test -c -o dir/), so that they share one load of the module and the machine's cores.
// Packages are import paths, such as "github.com/kata-go/concurrency/exercises/01_cell"; each
// may have files replaced, as in Config.Replace, and no two may share a last path element.
// Binaries are written into dir, which the caller owns and removes; they carry no DWARF, so a
// debugger cannot read them.
//
// A package that does not compile gets its compiler messages in its Build; the error is for a
// build that could not be made at all.
func BuildTests(ctx context.Context, root, dir string, packages []string, replace map[string]string) (map[string]Build, error) {
	// -w leaves out the DWARF tables, a third of the link's work: race reports, panics and
	// goroutine dumps are symbolized from the runtime's own tables, which stay.
	args := []string{"test", "-c", "-race", "-json", "-ldflags=-w", "-o", dir + string(filepath.Separator)}
	if len(replace) > 0 {
		overlay, err := writeOverlay(root, replace)
		if err != nil {
			return nil, err
		}
		defer os.Remove(overlay)
		args = append(args, "-overlay="+overlay)
	}
	args = append(args, packages...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &capped{w: &stdout, limit: packagesCap}
	cmd.Stderr = &capped{w: &stderr}
	runErr := cmd.Run()
	var exit *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exit) {
		return nil, fmt.Errorf("go test -c: %w", runErr)
	}
	messages := buildMessages(&stdout)
	out := map[string]Build{}
	for _, pkg := range packages {
		bin := filepath.Join(dir, testBinaryName(pkg))
		if _, err := os.Stat(bin); err == nil {
			out[pkg] = Build{Binary: bin}
			continue
		}
		msg := strings.TrimSpace(messages[pkg])
		if msg == "" {
			msg = strings.TrimSpace(stderr.String())
		}
		if msg == "" {
			msg = fmt.Sprintf("go test -c wrote no binary and said nothing (%v); its output ended:\n%s", runErr, lastLines(stdout.String(), 5))
		}
		out[pkg] = Build{Output: msg}
	}
	return out, nil
}

// testBinaryName is the name go test -c -o DIR/ gives the test binary of pkg: "01_cell.test",
// with ".exe" after it on Windows.
func testBinaryName(pkg string) string {
	if runtime.GOOS == "windows" {
		return path.Base(pkg) + ".test.exe"
	}
	return path.Base(pkg) + ".test"
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// buildMessages collects go test -c -json's build output per package import path. The go
// command names test variants "p [p.test]" and "p_test [p.test]": both belong to p; and a
// package that failed because a dependency did not build ("FailedBuild") gets that
// dependency's messages.
func buildMessages(r io.Reader) map[string]string {
	byPath := map[string]string{}
	failedBuild := map[string]string{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		switch {
		case e.Action == "build-output":
			pkg, _, _ := strings.Cut(e.ImportPath, " ")
			byPath[strings.TrimSuffix(pkg, "_test")] += e.Output
		case e.Package != "" && e.FailedBuild != "":
			dep, _, _ := strings.Cut(e.FailedBuild, " ")
			failedBuild[e.Package] = strings.TrimSuffix(dep, "_test")
		}
	}
	out := map[string]string{}
	for pkg, msg := range byPath {
		out[pkg] = msg
	}
	for pkg, dep := range failedBuild {
		if dep != pkg {
			out[pkg] += byPath[dep]
		}
	}
	return out
}

// RunBinary runs a test binary that BuildTests made, in the package's folder dir as go test
// would, with args for the binary ("-test.count=3", "-test.cpu=1,2,4", "-test.run=^TestX$"),
// and parses its events like Run. GORACE=atexit_sleep_ms=0 is set; timeout bounds the run
// (zero means 5 minutes) and sets Result.TimedOut.
func RunBinary(ctx context.Context, binary, dir string, timeout time.Duration, args ...string) (*Result, error) {
	if timeout == 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// test2json frames the binary's -test.v=test2json output into the events go test -json
	// prints, so one parser serves both. It is run from the toolchain's folder directly: "go tool"
	// would start the go command for every run.
	tool, err := test2json()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, tool, append([]string{"-t", binary, "-test.v=test2json"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &capped{w: &stderr}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", filepath.Base(binary), err)
	}
	res := parse(stdout, nil)
	waitErr := cmd.Wait()
	res.Elapsed = time.Since(start)
	res.TimedOut = errors.Is(ctx.Err(), context.DeadlineExceeded)
	if s := strings.TrimSpace(stderr.String()); s != "" {
		res.Output = strings.TrimSpace(res.Output + "\n" + s)
	}
	var exit *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exit) && !res.TimedOut {
		return res, fmt.Errorf("run %s: %w", filepath.Base(binary), waitErr)
	}
	// test2json reports the binary's exit status as its own; a binary that exits 0 after a
	// failed test cannot pass, and one that exits non-zero cannot either.
	res.Passed = waitErr == nil && !res.failedAny()
	return res, nil
}

// test2json is the path of the toolchain's test2json, built (and cached) by the go command
// once per process: "go tool -n" prints where it is without running it.
var test2json = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("go", "tool", "-n", "test2json").Output()
	if err != nil {
		return "", fmt.Errorf("go tool -n test2json: %w", err)
	}
	tool := strings.TrimSpace(string(out))
	if _, err := os.Stat(tool); err != nil {
		return "", fmt.Errorf("go tool -n test2json named %q: %w", tool, err)
	}
	return tool, nil
})

func (r *Result) failedAny() bool {
	for _, t := range r.Tests {
		if t.Status == Fail {
			return true
		}
	}
	return false
}
