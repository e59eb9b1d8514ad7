package grade

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

// binaries compiles each exercise's tests once per distinct content of its learner files
// (`go test -c -race`, with the learner files swapped in through -overlay, so the pristine tree
// is never written to). Submissions with the same files share one binary; so do a learner
// file left as the stub and the pristine tree. A binary is deleted when its last user is done,
// unless it is pinned (the pristine ones, which list the expected tests).
//
// The pristine binaries are built with the grader's own cache (base); learner files with a copy
// of it made for the session (hard links where the file system allows), which goes with the
// session's folder: nothing compiled from a submission outlives the session.
type binaries struct {
	root  string // the pristine tree
	work  string // the session's folder
	gocmd string // the go command, an absolute path
	base  string // the grader's build cache, for pristine files only
	env   []string
	box   *sandbox.Sandbox // no isolation: limits only
	stats *phases          // nil unless measured
	mu    sync.Mutex
	m     map[string]*binary

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
	return &binaries{root: root, work: work, gocmd: gocmd, base: cache, env: env, box: box, m: map[string]*binary{}}, nil
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
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// get returns the test binary of e built with files (learner file name -> content), building
// it unless a binary of the same content exists or is being built. Call release when done.
func (b *binaries) get(ctx context.Context, e manifest.Exercise, files map[string][]byte, pin bool) *binary {
	k := key(e, files)
	b.mu.Lock()
	bin, ok := b.m[k]
	if !ok {
		bin = &binary{key: k, done: make(chan struct{})}
		b.m[k] = bin
	}
	bin.refs++
	bin.pinned = bin.pinned || pin
	b.mu.Unlock()
	if !ok {
		bin.path, bin.compileErr, bin.err = b.compile(ctx, e, files, k, pin)
		close(bin.done)
	}
	select {
	case <-bin.done:
	case <-ctx.Done():
		b.release(bin)
		return &binary{err: ctx.Err()}
	}
	return bin
}

// request is one test binary to build: exercise e with its learner files swapped in.
type request struct {
	e     manifest.Exercise
	files map[string][]byte
}

// getAll returns the test binaries of reqs, in order, as get does for each; those that are
// neither built nor being built are built together, in one go command (buildAll). Call release
// for each.
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
	if len(mine) > 0 {
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
		close(bins[i].done)
	}
}

// compileTogether runs one go test -c -race for the packages of reqs[i], i in which, with all
// their files swapped in, and returns the binaries it made (index -> path), each moved into a
// folder of its own. When the go command ended by itself, within its limits, every binary it
// wrote into the empty folder out is whole (it writes one only after its package compiled,
// passed vet and linked), even if another package failed; when it was stopped, none is
// trusted, nor any of a pristine build that failed (out started with the kept binaries).
func (b *binaries) compileTogether(ctx context.Context, reqs []request, bins []*binary, which []int, pristine bool) (map[int]string, error) {
	cache, err := b.cacheFor(pristine)
	if err != nil {
		return nil, err
	}
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
	if pristine {
		b.reuse(out, reqs, which)
	}
	limits := compileLimits
	limits.Time *= time.Duration(len(which))
	end := b.stats.begin(building)
	res, err := b.box.Run(ctx, sandbox.Command{
		Path:   b.gocmd,
		Args:   append([]string{"test", "-c", "-race", "-ldflags=-s -w", "-o", out + string(filepath.Separator), "-overlay", ov}, pkgs...),
		Dir:    b.root,
		Env:    append(slices.Clone(b.env), "GOCACHE="+cache),
		Limits: limits,
	})
	end()
	switch {
	case err != nil:
		return nil, err
	case pristine && !res.Clean(), !res.Exited || res.TimedOut || res.Flooded:
		// A pristine build started from the kept binaries: when it fails, those still in out
		// may be old ones.
		return nil, nil
	}
	if pristine {
		b.keep(out, reqs, which)
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

// kept is the folder where the pristine test binaries are kept between sessions, one per
// exercise, beside the grader's build cache. Only binaries built from the pristine tree go
// there.
func (b *binaries) kept() string { return b.base + "-pristine" }

// reuse copies the kept pristine binaries of reqs[i], i in which, into out, where the go
// command finds them: it links again only those whose inputs changed (it compares the build ID
// a binary carries with its own), so a session on an unchanged tree links none. A copy, never
// a link: the go command may write into the file it finds.
func (b *binaries) reuse(out string, reqs []request, which []int) {
	for _, i := range which {
		name := outName(reqs[i].e)
		if isELF(filepath.Join(b.kept(), name)) {
			copyFile(filepath.Join(b.kept(), name), filepath.Join(out, name))
		}
	}
}

// isELF reports whether the file p starts as an executable does. The go command overwrites
// such a file when it is stale, but leaves any other file where its output goes (and fails).
func isELF(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	magic := make([]byte, 4)
	_, err = io.ReadFull(f, magic)
	return err == nil && string(magic) == "\x7fELF"
}

// keep copies the pristine binaries the go command left in out into kept, each replacing the
// kept one in one rename, so that another session never reads half a file; one that is kept
// already, byte for byte, is left alone.
func (b *binaries) keep(out string, reqs []request, which []int) {
	if os.MkdirAll(b.kept(), 0o755) != nil {
		return
	}
	for _, i := range which {
		name := outName(reqs[i].e)
		from, to := filepath.Join(out, name), filepath.Join(b.kept(), name)
		if sameContent(from, to) {
			continue
		}
		tmp := to + ".tmp-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		if copyFile(from, tmp) != nil || os.Rename(tmp, to) != nil {
			os.Remove(tmp)
		}
	}
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

// sameContent reports whether the files a and b hold the same bytes.
func sameContent(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	if err1 != nil || err2 != nil || fa.Size() != fb.Size() {
		return false
	}
	da, err1 := os.ReadFile(a)
	db, err2 := os.ReadFile(b)
	return err1 == nil && err2 == nil && bytes.Equal(da, db)
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
	cache, err := b.cacheFor(pristine)
	if err != nil {
		return "", "", err
	}
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
	// -s -w: no symbol table or DWARF, which only debuggers read; the link takes a quarter
	// less time, and stack traces and race reports (from the runtime's tables) are unchanged.
	end := b.stats.begin(building)
	res, err := b.box.Run(ctx, sandbox.Command{
		Path:   b.gocmd,
		Args:   []string{"test", "-c", "-race", "-ldflags=-s -w", "-o", path, "-overlay", ov, e.Package()},
		Dir:    b.root,
		Env:    append(slices.Clone(b.env), "GOCACHE="+cache),
		Limits: compileLimits,
	})
	end()
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
