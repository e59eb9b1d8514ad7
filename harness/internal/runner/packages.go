package runner

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// RunPackages runs go test with cfg on a pattern that may match many packages
// ("./exercises/...") in one go command, so their builds share the machine's cores, and returns
// one Result per package in the order go test reported them. Elapsed and TimedOut are those of
// the whole command. Use Config.TestArgs = []string{"-test.failfast"} for a quick verdict per
// package: the go flag -failfast would stop every package after the first failure.
//
// The error is for a run that could not be made, or that reported no package at all (the go
// command's own message is in it then).
func RunPackages(ctx context.Context, cfg Config) ([]*Result, error) {
	ctx, cmd, done, err := cfg.command(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &capped{w: &stdout, limit: packagesCap}
	if cfg.OnPackage != nil {
		cmd.Stdout = io.MultiWriter(cmd.Stdout, &packageWatcher{on: cfg.OnPackage})
	}
	cmd.Stderr = &capped{w: &stderr}
	start := time.Now()
	waitErr := cmd.Run()
	elapsed := time.Since(start)
	timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded)
	results := ParseAll(&stdout)
	var exitErr *exec.ExitError
	if waitErr != nil && !errors.As(waitErr, &exitErr) && !timedOut {
		return results, fmt.Errorf("run go test: %w", waitErr)
	}
	if len(results) == 0 {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = "no package reported"
		}
		pattern := cfg.Package
		if len(cfg.Packages) > 0 {
			pattern = strings.Join(cfg.Packages, " ")
		}
		return nil, fmt.Errorf("go test %s: %s", pattern, msg)
	}
	for _, r := range results {
		r.Elapsed = elapsed
		r.TimedOut = timedOut
	}
	return results, nil
}

// packagesCap bounds what RunPackages keeps of go test's output, across all packages.
const packagesCap = 64 << 20

// ParseAll reads go test -json output covering any number of packages and returns one Result
// per package, in the order the packages first appear. A package that failed to build gets
// the build output of the package that failed (FailedBuild), which may be one it imports.
func ParseAll(r io.Reader) []*Result {
	var order []string
	lines := map[string][]byte{}
	build := map[string][]byte{} // build-output and build-fail lines by ImportPath
	failedBuild := map[string]string{}
	add := func(m map[string][]byte, key string, line []byte) {
		m[key] = append(append(m[key], line...), '\n')
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			continue // the go command's own words: stderr carries them, not this stream
		}
		if e.Package == "" {
			if e.ImportPath != "" {
				add(build, e.ImportPath, line)
			}
			continue
		}
		if _, ok := lines[e.Package]; !ok {
			order = append(order, e.Package)
			lines[e.Package] = nil
		}
		add(lines, e.Package, line)
		if e.FailedBuild != "" {
			failedBuild[e.Package] = e.FailedBuild
		}
	}
	var out []*Result
	for _, pkg := range order {
		data := lines[pkg]
		if fb, ok := failedBuild[pkg]; ok {
			var pre []byte
			for _, ip := range slices.Sorted(maps.Keys(build)) {
				if ip == fb || strings.HasPrefix(ip, fb+" ") {
					pre = append(pre, build[ip]...)
				}
			}
			data = append(pre, data...)
		}
		res := Parse(bytes.NewReader(data))
		res.Package = pkg
		out = append(out, res)
	}
	return out
}

// packageWatcher reads go test -json output as it is written and calls on for every package's
// final event.
type packageWatcher struct {
	on   func(pkg string, passed bool)
	line []byte
}

func (w *packageWatcher) Write(p []byte) (int, error) {
	for _, b := range p {
		if b != '\n' {
			if len(w.line) < 1<<20 {
				w.line = append(w.line, b)
			}
			continue
		}
		var e event
		if json.Unmarshal(w.line, &e) == nil && e.Test == "" && e.Package != "" && (e.Action == "pass" || e.Action == "fail" || e.Action == "skip") {
			w.on(e.Package, e.Action != "fail")
		}
		w.line = w.line[:0]
	}
	return len(p), nil
}
