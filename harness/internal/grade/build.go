package grade

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kata-go/concurrency/harness/internal/manifest"
)

// compileTimeout bounds one `go test -c`.
const compileTimeout = 5 * time.Minute

// binaries compiles each exercise's tests once per distinct content of its learner files
// (`go test -c -race`, with the learner files swapped in through -overlay, so the pristine tree
// is never written to). Submissions with the same files share one binary; so do a learner
// file left as the stub and the pristine tree. A binary is deleted when its last user is done,
// unless it is pinned (the pristine ones, which list the expected tests).
type binaries struct {
	root string // the pristine tree
	work string // the session's folder
	mu   sync.Mutex
	m    map[string]*binary
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

func newBinaries(root, work string) *binaries {
	return &binaries{root: root, work: work, m: map[string]*binary{}}
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
		bin.path, bin.compileErr, bin.err = b.compile(ctx, e, files, k)
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

// compile runs go test -c -race for e with files swapped in.
func (b *binaries) compile(ctx context.Context, e manifest.Exercise, files map[string][]byte, k string) (path, compileErr string, err error) {
	dir := filepath.Join(b.work, "build", k)
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		return "", "", err
	}
	replace := map[string]string{}
	for name, data := range files {
		p := filepath.Join(dir, "src", name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return "", "", err
		}
		replace[filepath.Join(b.root, filepath.FromSlash(e.Dir()), name)] = p
	}
	overlay, err := json.Marshal(map[string]any{"Replace": replace})
	if err != nil {
		return "", "", err
	}
	ov := filepath.Join(dir, "overlay.json")
	if err := os.WriteFile(ov, overlay, 0o644); err != nil {
		return "", "", err
	}
	path = filepath.Join(dir, e.Short()+".test")
	ctx, cancel := context.WithTimeout(ctx, compileTimeout)
	defer cancel()
	// -s -w: no symbol table or DWARF, which only debuggers read; the link takes a quarter
	// less time, and stack traces and race reports (from the runtime's tables) are unchanged.
	cmd := exec.CommandContext(ctx, "go", "test", "-c", "-race", "-ldflags=-s -w", "-o", path, "-overlay", ov, e.Package())
	cmd.Dir = b.root
	cmd.Env = append(os.Environ(), "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -buildvcs=false"))
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout = &limitedBuffer{buf: &out, max: 64 << 10}
	cmd.Stderr = cmd.Stdout
	runErr := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return "", "", fmt.Errorf("go test -c for %s did not finish within %v", e.Name, compileTimeout)
	case errors.As(runErr, &exitErr):
		// With -overlay the compiler names the file it read: show the learner's path instead.
		msg := out.String()
		src := filepath.Join(dir, "src") + string(filepath.Separator)
		if rel, err := filepath.Rel(b.root, src); err == nil {
			msg = strings.ReplaceAll(msg, rel+string(filepath.Separator), filepath.FromSlash(e.Dir())+string(filepath.Separator))
		}
		msg = strings.ReplaceAll(msg, src, filepath.FromSlash(e.Dir())+string(filepath.Separator))
		return "", compilerMessage(msg), nil
	case runErr != nil:
		return "", "", fmt.Errorf("cannot run the go command: %w", runErr)
	}
	if _, err := os.Stat(path); err != nil {
		return "", "", fmt.Errorf("go test -c for %s made no test binary", e.Name)
	}
	return path, "", nil
}

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
