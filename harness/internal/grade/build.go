package grade

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kata-go/concurrency/harness/internal/grade/sandbox"
	"github.com/kata-go/concurrency/harness/internal/manifest"
)

// compileLimits bound one `go test -c` of learner files, the go command and every compiler
// and linker process it starts: each may take this long, this much data memory and write files
// this large, and together they may print this much. A race test binary takes about 250 MiB to
// build and is about 15 MiB large.
var compileLimits = sandbox.Limits{
	Time:     5 * time.Minute,
	Memory:   1 << 30,
	FileSize: 256 << 20,
	Output:   256 << 10,
}

// maxCache is the size past which the grader's build cache is emptied when a session ends.
const maxCache = 1 << 30

// maxKept is the size of the kept test binaries past which a session that ends deletes the
// least recently used of them. A race test binary is about 6.5 MiB: 2 GiB keeps those of some
// 24 full submissions.
const maxKept = 2 << 30

// binaries compiles each exercise's tests once per distinct content of its learner files
// (`go test -c -race`, with the learner files swapped in through -overlay, so the pristine tree
// is never written to). Submissions with the same files share one binary; so do a learner
// file left as the stub and the pristine tree. A binary is deleted when its last user is done,
// unless it is pinned (the pristine ones, which list the expected tests).
//
// The pristine binaries are built with the grader's own cache (base); learner files with a copy
// of it made for the session (hard links where the file system allows), which goes with the
// session's folder: the compiler's work on a submission never reaches a later session's build.
// Finished test binaries, pristine or not, are kept between sessions (keptPath), each under
// a name that is the hash of everything it is built from, so that a session uses a kept binary
// only where its own build would make the same one.
type binaries struct {
	root   string // the pristine tree
	work   string // the session's folder
	gocmd  string // the go command, an absolute path
	base   string // the grader's build cache, for pristine files only
	inputs string // what every binary of the session is built from but its exercise's files
	env    []string
	box    *sandbox.Sandbox // no isolation: limits only
	stats  *phases          // nil unless measured
	mu     sync.Mutex
	m      map[string]*binary

	sessionOnce  sync.Once
	sessionCache string // the session's copy of base
	sessionErr   error
}

type binary struct {
	key  string
	done chan struct{}
	// Set before done is closed:
	path       string // the test binary
	compileErr string // the compiler's message when the files do not compile
	err        error  // the grader could not compile at all
	refs       int
	pinned     bool
}

// newBinaries prepares to build test binaries of the pristine tree at root in the session's
// folder work, with the build cache cache.
func newBinaries(root, work, cache string) (*binaries, error) {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		return nil, fmt.Errorf("the go command: %w", err)
	}
	if gocmd, err = filepath.Abs(gocmd); err != nil {
		return nil, err
	}
	env, err := buildEnv(gocmd)
	if err != nil {
		return nil, err
	}
	box, err := sandbox.New(sandbox.Off)
	if err != nil {
		return nil, err
	}
	inputs, err := buildInputs(gocmd, env, root)
	if err != nil {
		return nil, err
	}
	return &binaries{root: root, work: work, gocmd: gocmd, base: cache, inputs: inputs, env: env, box: box, m: map[string]*binary{}}, nil
}

// buildInputs names what every test binary built from the pristine tree at root is made of,
// but for its exercise's learner files: the toolchain that the go command of env runs, the
// tree's place (the binary carries its source paths, which traces and messages print), the
// pristine tree's version and the grader's (whose code sets how binaries are built).
func buildInputs(gocmd string, env []string, root string) (string, error) {
	cmd := exec.Command(gocmd, "env", "GOVERSION", "GOROOT", "GOOS", "GOARCH")
	cmd.Dir, cmd.Env = root, env // go.mod may choose the toolchain
	toolchain, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env: %w", err)
	}
	pristine, err := pristineVersion(root)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s\x00%s\x00%s\x00%s", toolchain, root, pristine, graderVersion()), nil
}

// cacheFor returns the build cache for a build of pristine files (base) or of learner files
// (the session's copy of base, made on first use).
func (b *binaries) cacheFor(pristine bool) (string, error) {
	if pristine {
		return b.base, os.MkdirAll(b.base, 0o755)
	}
	b.sessionOnce.Do(func() {
		b.sessionCache = filepath.Join(b.work, "cache")
		b.sessionErr = cloneCache(b.base, b.sessionCache)
	})
	return b.sessionCache, b.sessionErr
}

// cloneCache makes dst a copy of the build cache src: hard links to its files, or copies where
// links cannot be made. The go command never changes a cache file it did not write, except to
// rewrite an entry's time stamp.
func cloneCache(src, dst string) error {
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case !d.Type().IsRegular() || !strings.Contains(d.Name(), "-"): // README, trim.txt
			return nil
		}
		if os.Link(p, to) == nil {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, data, 0o644)
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("copy the build cache: %w", err)
	}
	return os.MkdirAll(dst, 0o755)
}

// passedGoEnv are the go command's settings taken from the caller (as `go env` reports them,
// from the environment or the go env file): where modules come from and which toolchain runs.
// None of them changes what a package compiles to.
var passedGoEnv = []string{
	"GOROOT", "GOPATH", "GOMODCACHE", "GOPROXY", "GOSUMDB", "GONOSUMDB", "GOPRIVATE",
	"GONOPROXY", "GOINSECURE", "GOTOOLCHAIN",
}

// buildEnv is the whole environment of the go command that builds test binaries (but for
// GOCACHE, which each build sets): PATH, the settings in passedGoEnv, and fixed values for
// everything that changes what is built or checked. Nothing else of the caller's reaches it:
// not GOFLAGS (-vet=off, -tags, -overlay, -ldflags), GOEXPERIMENT, GOWORK, GOOS, CGO_* or CC,
// nor a go env file (GOENV=off).
func buildEnv(gocmd string) ([]string, error) {
	cmd := exec.Command(gocmd, append([]string{"env", "-json"}, passedGoEnv...)...)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !(strings.HasPrefix(k, "GO") || strings.HasPrefix(k, "CGO_")) || k == "GOENV" || slices.Contains(passedGoEnv, k) {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go env: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var vals map[string]string
	if err := json.Unmarshal(out, &vals); err != nil {
		return nil, fmt.Errorf("go env: %w", err)
	}
	env := []string{"PATH=" + os.Getenv("PATH")}
	for _, k := range passedGoEnv {
		if v := vals[k]; v != "" {
			env = append(env, k+"="+v)
		}
	}
	return append(env,
		"GOENV=off", "GOWORK=off", "GO111MODULE=on", "GOTELEMETRY=off",
		"GOFLAGS=-buildvcs=false -mod=readonly",
	), nil
}

// defaultCache is the grader's own build cache: a folder of the user's cache directory, kept
// between sessions (a cold cache costs minutes: the standard library under -race), never the go
// command's own cache. Only builds of pristine files write to it.
func defaultCache() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("the grader's build cache: %w", err)
	}
	return filepath.Join(dir, "kata", "grade-build"), nil
}

// trimCache empties the build cache at dir when it has grown past maxCache.
func trimCache(dir string) error {
	var size int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				size += fi.Size()
			}
		}
		return nil
	})
	if size <= maxCache {
		return nil
	}
	// Rename first, so that a go command that starts meanwhile sees no half-emptied cache.
	old := dir + ".old-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := os.Rename(dir, old); err != nil {
		return fmt.Errorf("trim the build cache: %w", err)
	}
	return os.RemoveAll(old)
}

// key identifies the test binary of exercise e built with files.
func key(e manifest.Exercise, files map[string][]byte) string {
	h := sha256.New()
	h.Write([]byte(e.Name + "\x00"))
	for _, name := range slices.Sorted(maps.Keys(files)) {
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(files[name]))
		h.Write(files[name])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// get returns the test binary of e built with files (learner file name -> content), building
// it unless a binary of the same content exists, is being built or is kept. Call release when
// done.
func (b *binaries) get(ctx context.Context, e manifest.Exercise, files map[string][]byte, pin bool) *binary {
	return b.getAll(ctx, []request{{e: e, files: files}}, pin)[0]
}

// request is one test binary to build: exercise e with its learner files swapped in.
type request struct {
	e     manifest.Exercise
	files map[string][]byte
}

// getAll returns the test binaries of reqs, in order, as get does for each; those that are
// neither built, being built nor kept are built together, in one go command (buildAll). Call
// release for each.
func (b *binaries) getAll(ctx context.Context, reqs []request, pin bool) []*binary {
	bins := make([]*binary, len(reqs))
	var mine []int
	b.mu.Lock()
	for i, r := range reqs {
		k := key(r.e, r.files)
		bin, ok := b.m[k]
		if !ok {
			bin = &binary{key: k, done: make(chan struct{})}
			b.m[k] = bin
			mine = append(mine, i)
		}
		bin.refs++
		bin.pinned = bin.pinned || pin
		bins[i] = bin
	}
	b.mu.Unlock()
	if mine = b.takeKept(reqs, bins, mine); len(mine) > 0 {
		b.buildAll(ctx, reqs, bins, mine, pin)
	}
	for i, bin := range bins {
		select {
		case <-bin.done:
		case <-ctx.Done():
			b.release(bin)
			bins[i] = &binary{err: ctx.Err()}
		}
	}
	return bins
}

// buildAll builds the binaries bins[i] of reqs[i] for each i in which, and marks each done.
// Several are compiled in one go command (`go test -c -o DIR` with every package), which loads
// the packages and checks the cache once for all of them. When that command does not succeed
// (a learner file that does not compile, a limit), each binary it did not finish is built
// again alone, so that each exercise's compiler message is exactly its own.
func (b *binaries) buildAll(ctx context.Context, reqs []request, bins []*binary, which []int, pristine bool) {
	if len(which) > 1 {
		built, err := b.compileTogether(ctx, reqs, bins, which, pristine)
		if err == nil {
			var rest []int
			for _, i := range which {
				if p, ok := built[i]; ok {
					bins[i].path = p
					b.keep(bins[i])
					close(bins[i].done)
				} else {
					rest = append(rest, i)
				}
			}
			which = rest
		}
	}
	for _, i := range which {
		bins[i].path, bins[i].compileErr, bins[i].err = b.compile(ctx, reqs[i].e, reqs[i].files, bins[i].key, pristine)
		if bins[i].path != "" {
			b.keep(bins[i])
		}
		close(bins[i].done)
	}
}

// compileTogether runs one go test -c -race for the packages of reqs[i], i in which, with all
// their files swapped in, and returns the binaries it made (index -> path), each moved into a
// folder of its own. When the go command ended by itself, within its limits, every binary it
// wrote into the empty folder out is whole (it writes one only after its package compiled,
// passed vet and linked), even if another package failed; when it was stopped, none is
// trusted.
func (b *binaries) compileTogether(ctx context.Context, reqs []request, bins []*binary, which []int, pristine bool) (map[int]string, error) {
	out, err := os.MkdirTemp(b.work, "batch-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(out)
	replace := map[string]string{}
	var pkgs []string
	for _, i := range which {
		r, err := b.sources(reqs[i].e, reqs[i].files, bins[i].key)
		if err != nil {
			return nil, err
		}
		maps.Copy(replace, r)
		pkgs = append(pkgs, reqs[i].e.Package())
	}
	ov, err := writeOverlay(out, replace)
	if err != nil {
		return nil, err
	}
	limits := compileLimits
	limits.Time *= time.Duration(len(which))
	res, err := b.goTestC(ctx, pristine, out+string(filepath.Separator), ov, pkgs, limits)
	switch {
	case err != nil:
		return nil, err
	case !res.Exited || res.TimedOut || res.Flooded:
		return nil, nil
	}
	built := map[int]string{}
	for _, i := range which {
		e := reqs[i].e
		to := filepath.Join(b.work, "build", bins[i].key, e.Short()+".test")
		if os.Rename(filepath.Join(out, outName(e)), to) == nil {
			built[i] = to
		}
	}
	return built, nil
}

// outName is the name go test -c -o DIR gives the test binary of e: its package's last path
// element, with .test.
func outName(e manifest.Exercise) string { return path.Base(e.Package()) + ".test" }

// keptPath is where the test binary of key k is kept between sessions, beside the grader's
// build cache: its name is the SHA-256 of the session's build inputs and k, so a binary kept
// by a session with another toolchain, pristine tree or grader is never taken. Only the grader
// writes there, and only binaries the go command built.
func (b *binaries) keptPath(k string) string {
	sum := sha256.Sum256([]byte(b.inputs + "\x00" + k))
	return filepath.Join(b.base+"-kept", hex.EncodeToString(sum[:])+".test")
}

// takeKept gives each binary bins[i], i in which, whose build is kept a copy of it, marks it
// done, and returns the indexes of those still to build. A copy, never a link: without
// bubblewrap, a test process could write to the file it runs.
func (b *binaries) takeKept(reqs []request, bins []*binary, which []int) []int {
	var rest []int
	for _, i := range which {
		kept := b.keptPath(bins[i].key)
		to := filepath.Join(b.work, "build", bins[i].key, reqs[i].e.Short()+".test")
		if os.MkdirAll(filepath.Dir(to), 0o755) != nil || copyFile(kept, to) != nil {
			rest = append(rest, i)
			continue
		}
		now := time.Now()
		os.Chtimes(kept, now, now) // the least recently used go first (trimKept)
		bins[i].path = to
		close(bins[i].done)
	}
	return rest
}

// keep copies the binary bin, which the go command just built, to its kept path, in one
// rename, so that another session never reads half a file.
func (b *binaries) keep(bin *binary) {
	kept := b.keptPath(bin.key)
	if os.MkdirAll(filepath.Dir(kept), 0o755) != nil {
		return
	}
	tmp := kept + ".tmp-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if copyFile(bin.path, tmp) != nil || os.Rename(tmp, kept) != nil {
		os.Remove(tmp)
	}
}

// trimKept deletes the least recently used kept binaries of the cache at base until they
// take no more than maxKept.
func trimKept(base string) error {
	os.RemoveAll(base + "-pristine") // where graders before keptPath kept the pristine binaries
	entries, err := os.ReadDir(base + "-kept")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("trim the kept test binaries: %w", err)
	}
	var infos []fs.FileInfo
	var size int64
	for _, d := range entries {
		if fi, err := d.Info(); err == nil && fi.Mode().IsRegular() {
			infos = append(infos, fi)
			size += fi.Size()
		}
	}
	slices.SortFunc(infos, func(a, b fs.FileInfo) int { return a.ModTime().Compare(b.ModTime()) })
	for _, fi := range infos {
		if size <= maxKept {
			break
		}
		if os.Remove(filepath.Join(base+"-kept", fi.Name())) == nil {
			size -= fi.Size()
		}
	}
	return nil
}

// copyFile copies the file src to dst, with its mode.
func copyFile(src, dst string) error {
	fi, err := os.Stat(src)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, fi.Mode().Perm())
}

// sources writes e's files into the build folder of the binary k and returns the overlay's
// replacements: each pristine learner file's path, to the written file.
func (b *binaries) sources(e manifest.Exercise, files map[string][]byte, k string) (map[string]string, error) {
	src := filepath.Join(b.work, "build", k, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return nil, err
	}
	replace := map[string]string{}
	for name, data := range files {
		p := filepath.Join(src, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, err
		}
		replace[filepath.Join(b.root, filepath.FromSlash(e.Dir()), name)] = p
	}
	return replace, nil
}

// writeOverlay writes the -overlay file of replace into dir and returns its path.
func writeOverlay(dir string, replace map[string]string) (string, error) {
	overlay, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		return "", err
	}
	ov := filepath.Join(dir, "overlay.json")
	return ov, os.WriteFile(ov, overlay, 0o644)
}

// pristine reports whether bin is a pristine binary: one that lists the expected tests, which
// a learner file left as the stub shares.
func (b *binaries) pristine(bin *binary) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bin.pinned
}

// release says one user is done with bin; the last one deletes it unless it is pinned.
func (b *binaries) release(bin *binary) {
	if bin.key == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	bin.refs--
	if bin.refs == 0 && !bin.pinned {
		delete(b.m, bin.key)
		if bin.path != "" {
			os.RemoveAll(filepath.Dir(bin.path))
		}
	}
}

// compile runs go test -c -race for e with files swapped in: the pristine files, or learner
// files.
func (b *binaries) compile(ctx context.Context, e manifest.Exercise, files map[string][]byte, k string, pristine bool) (path, compileErr string, err error) {
	dir := filepath.Join(b.work, "build", k)
	replace, err := b.sources(e, files, k)
	if err != nil {
		return "", "", err
	}
	ov, err := writeOverlay(dir, replace)
	if err != nil {
		return "", "", err
	}
	path = filepath.Join(dir, e.Short()+".test")
	res, err := b.goTestC(ctx, pristine, path, ov, []string{e.Package()}, compileLimits)
	switch {
	case err != nil:
		return "", "", fmt.Errorf("cannot run the go command: %w", err)
	case res.Clean():
		if _, err := os.Stat(path); err != nil {
			return "", "", fmt.Errorf("go test -c for %s made no test binary", e.Name)
		}
		return path, "", nil
	case res.TimedOut:
		return "", fmt.Sprintf("the compiler did not finish within %v", compileLimits.Time), nil
	}
	// With -overlay the compiler names the file it read: show the learner's path instead.
	msg := string(res.Stdout) + string(res.Stderr)
	src := filepath.Join(dir, "src") + string(filepath.Separator)
	if rel, err := filepath.Rel(b.root, src); err == nil {
		msg = strings.ReplaceAll(msg, rel+string(filepath.Separator), filepath.FromSlash(e.Dir())+string(filepath.Separator))
	}
	msg = strings.ReplaceAll(msg, src, filepath.FromSlash(e.Dir())+string(filepath.Separator))
	msg = compilerMessage(msg)
	switch {
	case outOfMemory.MatchString(msg):
		msg = joinNonEmpty(fmt.Sprintf("the compiler ran out of memory (it may use %s)", bytesString(int(compileLimits.Memory))), msg)
	case strings.Contains(msg, "cmd/compile/") && compilerCrash.MatchString(msg):
		// At its memory limit the compiler's own runtime can crash instead of saying "out of
		// memory"; its dump shows the compiler's internals, nothing of the learner's code.
		msg = fmt.Sprintf("the compiler crashed (%s) while building this exercise; it may use %s of memory, and a very large array or constant is the usual cause",
			compilerCrash.FindString(msg), bytesString(int(compileLimits.Memory)))
	case res.Flooded:
		msg = joinNonEmpty(msg, fmt.Sprintf("... (the compiler printed more than %s; the rest was cut)", bytesString(compileLimits.Output)))
	case !res.Exited:
		msg = joinNonEmpty(fmt.Sprintf("the compiler was stopped (%s): a file it wrote may have passed the %s limit", res.Signal, bytesString(int(compileLimits.FileSize))), msg)
	}
	return "", msg, nil
}

// goTestC runs `go test -c -race -o out -overlay ov pkgs...` in the pristine tree, with the
// build cache for pristine or learner files, within limits, and counts it as a build.
// -s -w: no symbol table or DWARF, which only debuggers read; the link takes a quarter less
// time, and stack traces and race reports (from the runtime's tables) are unchanged.
func (b *binaries) goTestC(ctx context.Context, pristine bool, out, ov string, pkgs []string, limits sandbox.Limits) (*sandbox.Result, error) {
	cache, err := b.cacheFor(pristine)
	if err != nil {
		return nil, err
	}
	defer b.stats.begin(building)()
	return b.box.Run(ctx, sandbox.Command{
		Path:   b.gocmd,
		Args:   append([]string{"test", "-c", "-race", "-ldflags=-s -w", "-o", out, "-overlay", ov}, pkgs...),
		Dir:    b.root,
		Env:    append(slices.Clone(b.env), "GOCACHE="+cache),
		Limits: limits,
	})
}

// compilerCrash is the first line of a crash of the compiler's own runtime.
var compilerCrash = regexp.MustCompile(`(?m)^(SIGSEGV: segmentation violation|SIGBUS: bus error|fatal error: .*|unexpected fault address .*)$`)

// compilerMessage keeps the compiler's lines and drops the go command's package headers.
func compilerMessage(s string) string {
	var keep []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if strings.HasPrefix(l, "# ") || l == "FAIL" || strings.HasPrefix(l, "FAIL\t") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

var testName = regexp.MustCompile(`^Test[\p{L}\p{N}_]*$`)

// listTests runs a pristine test binary with -test.list and returns its top-level tests.
func listTests(ctx context.Context, bin, dir string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.list", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GORACE=atexit_sleep_ms=0")
	cmd.WaitDelay = time.Second
	var out bytes.Buffer
	cmd.Stdout = &limitedBuffer{buf: &out, max: 1 << 20}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("listing the pristine tests (%s -test.list .): %v\n%s", filepath.Base(bin), err, strings.TrimSpace(out.String()))
	}
	var names []string
	for _, l := range strings.Split(out.String(), "\n") {
		if l = strings.TrimSpace(l); testName.MatchString(l) && l != "TestMain" {
			names = append(names, l)
		}
	}
	if len(names) == 0 {
		return nil, errors.New("the pristine test binary lists no tests")
	}
	return names, nil
}

// limitedBuffer keeps the first max bytes written to it and drops the rest.
type limitedBuffer struct {
	mu  sync.Mutex
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
