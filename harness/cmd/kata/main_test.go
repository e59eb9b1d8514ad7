package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain links kata into the test binary: the scripts' "kata" runs kata's main in a child
// process, as the learner's shell would.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"kata": func() { os.Exit(kata(os.Args[1:])) },
	})
}

// TestScript runs testdata/script/*.txtar, each in a fresh copy of a small kata repository
// (see setup). Run one with -run=TestScript/^name$; -testwork keeps its folder.
func TestScript(t *testing.T) {
	if testing.Short() {
		t.Skip("the CLI's scripts run go test many times")
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	goEnv := parentGoEnv(t)
	harnessDirs := localDeps(t, root, "./harness")
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			return setup(env, root, harnessDirs, goEnv)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":    cmdExits,
			"waitfile": cmdWaitFile,
		},
		RequireExplicitExec: true,
	})
}

// parentGoEnv is the go command's setup of this machine that the scripts share, so that no
// script downloads a module or rebuilds what is already in the build cache.
func parentGoEnv(t *testing.T) []string {
	names := []string{"GOPATH", "GOMODCACHE", "GOCACHE", "GOFLAGS", "GOROOT"}
	out, err := exec.Command("go", append([]string{"env", "-json"}, names...)...).Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	var vals map[string]string
	if err := json.Unmarshal(out, &vals); err != nil {
		t.Fatalf("go env: %v", err)
	}
	var env []string
	for _, n := range names {
		env = append(env, n+"="+vals[n])
	}
	return env
}

// localDeps lists the folders, relative to root, of pkg and the packages of this module it
// imports: what an exercise test needs besides the exercise.
func localDeps(t *testing.T, root, pkg string) []string {
	cmd := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.Dir}}{{end}}", pkg)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	var dirs []string
	for _, dir := range strings.Fields(string(out)) {
		if rel, err := filepath.Rel(root, dir); err == nil && !strings.HasPrefix(rel, "..") {
			dirs = append(dirs, rel)
		}
	}
	return dirs
}

// setup builds the script's repository in $WORK, under the files the script brings itself:
// the module's go.mod and go.sum, the harness package (and any package of this module it
// imports), exercise 01_cell and its solution from this repository; exercise 02_add and the
// manifest from testdata/fixture. Then it commits the lot as the maintainers, so that reset
// finds the stubs in git.
func setup(env *testscript.Env, root string, harnessDirs, goEnv []string) error {
	copies := map[string]string{ // in $WORK -> from
		"go.mod":                         filepath.Join(root, "go.mod"),
		"go.sum":                         filepath.Join(root, "go.sum"),
		"exercises/01_cell/cell.go":      filepath.Join(root, "exercises/01_cell/cell.go"),
		"exercises/01_cell/cell_test.go": filepath.Join(root, "exercises/01_cell/cell_test.go"),
		"exercises/01_cell/README.md":    filepath.Join(root, "exercises/01_cell/README.md"),
		"solutions/01_cell/cell.go":      filepath.Join(root, "solutions/01_cell/cell.go"),
	}
	for _, dir := range harnessDirs {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil {
			return err
		}
		for _, f := range files {
			if !strings.HasSuffix(f, "_test.go") {
				copies[filepath.ToSlash(filepath.Join(dir, filepath.Base(f)))] = f
			}
		}
	}
	fixture, err := filepath.Abs("testdata/fixture")
	if err != nil {
		return err
	}
	err = filepath.WalkDir(fixture, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(fixture, p)
		copies[filepath.ToSlash(rel)] = p
		return nil
	})
	if err != nil {
		return err
	}
	for to, from := range copies {
		dst := filepath.Join(env.WorkDir, filepath.FromSlash(to))
		if _, err := os.Stat(dst); err == nil {
			continue // the script's own file wins
		}
		data, err := os.ReadFile(from)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return err
		}
	}

	for _, kv := range goEnv {
		k, v, _ := strings.Cut(kv, "=")
		env.Setenv(k, v)
	}
	env.Setenv("GOPROXY", "off") // every module is in the shared cache: a script never downloads
	env.Setenv("GOTOOLCHAIN", "local")
	env.Setenv("GORACE", "atexit_sleep_ms=0") // kata itself is built with -race here
	env.Setenv("KATA_COMMAND", "kata")
	env.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	env.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(env.WorkDir, ".tmp", "gitconfig"))
	env.Setenv("EDITOR", "true")

	git := func(args ...string) error {
		cmd := exec.Command("git", args...)
		cmd.Dir = env.WorkDir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull,
			"GIT_AUTHOR_NAME=Kata maintainers", "GIT_AUTHOR_EMAIL=maintainers@kata.example",
			"GIT_COMMITTER_NAME=Kata maintainers", "GIT_COMMITTER_EMAIL=maintainers@kata.example")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := os.WriteFile(filepath.Join(env.WorkDir, ".gitignore"), []byte("/.kata-state.json\n/.tmp/\n"), 0o644); err != nil {
		return err
	}
	if err := git("init", "-q"); err != nil {
		return err
	}
	if err := git("add", "-A"); err != nil {
		return err
	}
	return git("commit", "-q", "-m", "The kata as shipped")
}

// cmdExits runs a program and checks its exit code:
//
//	exits 2 kata check nope
//
// Its standard output and error are kept for stdout and stderr, as exec does.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: code %q is not a number", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		got = exit.ExitCode()
	case err != nil:
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

// cmdWaitFile waits until a file's content matches a regular expression, for at most 60
// seconds (the bound is only for a failure):
//
//	waitfile .kata-state.json '"attempts": 1'
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitfile FILE REGEXP")
	}
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	file := ts.MkAbs(args[0])
	deadline := time.Now().Add(60 * time.Second)
	for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		data, _ := os.ReadFile(file)
		if re.Match(data) {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitfile: %s did not match %q within 60s; it holds:\n%s", args[0], args[1], bytes.TrimSpace(data))
		}
		time.Sleep(delay)
	}
}

// TestGoTool proves the short form the README shows first: go.mod's tool directive makes
// "go tool kata" run this command, and kata then suggests that form in what it prints.
func TestGoTool(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kata through the go command")
	}
	cmd := exec.Command("go", "tool", "kata", "help")
	cmd.Dir = "../../.."
	cmd.Env = append(os.Environ(), "KATA_COMMAND=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go tool kata help: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Usage: go tool kata [COMMAND]") {
		t.Errorf("go tool kata help does not suggest the short form:\n%s", out)
	}
}
