package verify_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kata-go/concurrency/harness/internal/runner"
)

// builder compiles the test binaries of variants. Linking a -race test binary is most of the
// cost of a variant, and every go command first loads the module and hashes the standard
// library: so variants of different exercises that wait at the same time are built in one go
// command (at most one variant per exercise, as one overlay replaces each file once).
type builder struct {
	root, tmp string
	module    string
	requests  chan *buildRequest
}

type buildRequest struct {
	v    variant
	done chan runner.Build
}

// newBuilder starts a builder that runs at most slots go commands at once.
func newBuilder(root, tmp string, slots int) *builder {
	b := &builder{root: root, tmp: tmp, module: modulePath(root), requests: make(chan *buildRequest)}
	go b.loop(slots)
	return b
}

// build compiles v's test binary and returns it, or the compiler's messages.
func (b *builder) build(v variant) runner.Build {
	r := &buildRequest{v: v, done: make(chan runner.Build, 1)}
	b.requests <- r
	return <-r.done
}

// loop gathers requests while builds run, and starts a batch whenever a slot is free.
func (b *builder) loop(slots int) {
	var pending []*buildRequest
	finished := make(chan struct{})
	running := 0
	for {
		for running < slots && len(pending) > 0 {
			var batch []*buildRequest
			batch, pending = takeBatch(pending)
			running++
			go func() {
				b.run(batch)
				finished <- struct{}{}
			}()
		}
		select {
		case r := <-b.requests:
			pending = append(pending, r)
		case <-finished:
			running--
		}
	}
}

// takeBatch takes the oldest request of each exercise.
func takeBatch(pending []*buildRequest) (batch, rest []*buildRequest) {
	var seen []string
	for _, r := range pending {
		if slices.Contains(seen, r.v.e.Name) {
			rest = append(rest, r)
			continue
		}
		seen = append(seen, r.v.e.Name)
		batch = append(batch, r)
	}
	return batch, rest
}

func (b *builder) run(batch []*buildRequest) {
	reply := func(build runner.Build) {
		for _, r := range batch {
			r.done <- build
		}
	}
	dir, err := os.MkdirTemp(b.tmp, "build-")
	if err != nil {
		reply(runner.Build{Output: err.Error()})
		return
	}
	var pkgs []string
	replace := map[string]string{}
	for _, r := range batch {
		pkgs = append(pkgs, b.module+"/"+r.v.e.Dir())
		if r.v.file != "" {
			replace[learnerFile(r.v.e)] = r.v.file
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	built, err := runner.BuildTests(ctx, b.root, dir, pkgs, replace)
	if err != nil {
		reply(runner.Build{Output: err.Error()})
		return
	}
	for i, r := range batch {
		build := built[pkgs[i]]
		if build.Binary == "" {
			// A variant that did not build is built again in a go command of its own, so that
			// its verdict and its messages are its own, not a neighbour's or a passing fault's
			// (a variant that truly does not compile costs one more compile).
			build = b.buildAlone(ctx, r.v, pkgs[i])
		}
		r.done <- build
	}
}

// buildAlone compiles one variant in a go command of its own.
func (b *builder) buildAlone(ctx context.Context, v variant, pkg string) runner.Build {
	dir, err := os.MkdirTemp(b.tmp, "build-")
	if err != nil {
		return runner.Build{Output: err.Error()}
	}
	replace := map[string]string{}
	if v.file != "" {
		replace[learnerFile(v.e)] = v.file
	}
	built, err := runner.BuildTests(ctx, b.root, dir, []string{pkg}, replace)
	if err != nil {
		return runner.Build{Output: err.Error()}
	}
	return built[pkg]
}

// modulePath reads the module path from root's go.mod.
func modulePath(root string) string {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		panic(fmt.Sprintf("verify: %v", err))
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	panic("verify: go.mod names no module")
}

// repeatMode is how verification repeats mutants to measure their catch rates, from the
// environment: KATA_VERIFY_REPEAT=N runs every mutant N more times at each of GOMAXPROCS 1, 2
// and 4; KATA_VERIFY_REPEAT_SCHED=1 limits that to the mutants the contract maps mark (sched);
// KATA_VERIFY_RATES=FILE writes every measured rate there, one line each.
type repeatMode struct {
	n         int
	schedOnly bool
	file      string
}

func repeatFromEnv() repeatMode {
	n, _ := strconv.Atoi(os.Getenv("KATA_VERIFY_REPEAT"))
	return repeatMode{
		n:         max(n, 0),
		schedOnly: os.Getenv("KATA_VERIFY_REPEAT_SCHED") == "1",
		file:      os.Getenv("KATA_VERIFY_RATES"),
	}
}

func writeRates() error {
	if repeat.file == "" {
		return nil
	}
	slices.Sort(rates)
	return os.WriteFile(repeat.file, []byte(strings.Join(rates, "\n")+"\n"), 0o644)
}
