package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/kata-go/concurrency/harness/internal/manifest"
	"github.com/kata-go/concurrency/harness/internal/report"
	"github.com/kata-go/concurrency/harness/internal/state"
)

// finding is one line of kata doctor.
type finding struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	// Fix says what to do, when not OK.
	Fix string `json:"fix,omitempty"`
	// Essential checks fail the doctor (exit 2); the others only inform.
	Essential bool `json:"essential"`
}

// Doctor checks this machine for the kata: the Go version, whether -race works here and why
// not, the repository found, the progress file, file events for watch, colours. It needs no
// repository: finding none is one of its findings.
func Doctor(ctx context.Context, stdio IO, args []string) int {
	a := &App{IO: stdio, Ctx: ctx, Color: colorOn(stdio.Stdout), Command: CommandName()}
	f, code := a.parseFlags("doctor", args, "json")
	if f == nil {
		return code
	}
	var checks []finding
	root, rootErr := findRoot()
	goCheck, env := checkGo(ctx, root)
	checks = append(checks, goCheck)
	if goCheck.OK {
		checks = append(checks, checkRace(ctx, env))
	}
	checks = append(checks, checkRoot(root, rootErr)...)
	if rootErr == nil {
		checks = append(checks, checkPolicy(root))
	}
	checks = append(checks, checkWatch(root, rootErr), checkColor(stdio.Stdout))
	failed := false
	for _, c := range checks {
		if !c.OK && c.Essential {
			failed = true
		}
	}
	if f.json {
		a.writeJSON(struct {
			OK     bool      `json:"ok"`
			Checks []finding `json:"checks"`
		}{!failed, checks})
	} else {
		for _, c := range checks {
			mark := a.paint(report.Green, "ok  ")
			if !c.OK {
				mark = a.paint(report.Yellow, "note")
				if c.Essential {
					mark = a.paint(report.Red, "FAIL")
				}
			}
			a.printf("%s %-15s %s\n", mark, c.Name+":", c.Detail)
			if c.Fix != "" {
				a.printf("     %-15s %s\n", "", c.Fix)
			}
		}
		if failed {
			a.printf("\nkata cannot run the exercises here until the FAIL lines are fixed.\n")
		} else {
			a.printf("\nAll set: %s shows where you are.\n", a.cmd())
		}
	}
	if failed {
		return ExitUsage
	}
	return ExitOK
}

type goEnv struct {
	GOVERSION, GOOS, GOARCH, CGO_ENABLED, CC string
}

func checkGo(ctx context.Context, root string) (finding, goEnv) {
	c := finding{Name: "Go", Essential: true}
	var env goEnv
	out, err := exec.CommandContext(ctx, "go", "env", "-json", "GOVERSION", "GOOS", "GOARCH", "CGO_ENABLED", "CC").Output()
	if err == nil {
		err = json.Unmarshal(out, &env)
	}
	if err != nil {
		c.Detail = "the go command does not work here: " + err.Error()
		c.Fix = "install Go 1.26 or newer from https://go.dev/dl/ and put it on your PATH"
		return c, env
	}
	c.OK = true
	c.Detail = fmt.Sprintf("%s %s/%s", env.GOVERSION, env.GOOS, env.GOARCH)
	if root != "" {
		if need := goModVersion(filepath.Join(root, "go.mod")); need != "" {
			if versionLess(strings.TrimPrefix(env.GOVERSION, "go"), need) {
				c.OK = false
				c.Detail += ", but go.mod needs go " + need
				c.Fix = "install Go " + need + " or newer (https://go.dev/dl/)"
			} else {
				c.Detail += " (go.mod needs " + need + " or newer)"
			}
		}
	}
	return c, env
}

var goDirective = regexp.MustCompile(`(?m)^go\s+(\S+)\s*$`)

func goModVersion(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if m := goDirective.FindSubmatch(data); m != nil {
		return string(m[1])
	}
	return ""
}

// versionLess compares Go versions such as "1.26.8", "1.26.0", "1.27rc1" by their numbers.
func versionLess(a, b string) bool {
	num := func(s string) []int {
		var out []int
		for _, p := range strings.Split(s, ".") {
			p = strings.TrimRightFunc(p, func(r rune) bool { return r < '0' || r > '9' })
			if i := strings.IndexFunc(p, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
				p = p[:i]
			}
			n, _ := strconv.Atoi(p)
			out = append(out, n)
		}
		return out
	}
	x, y := num(a), num(b)
	for i := 0; i < max(len(x), len(y)); i++ {
		var p, q int
		if i < len(x) {
			p = x[i]
		}
		if i < len(y) {
			q = y[i]
		}
		if p != q {
			return p < q
		}
	}
	return false
}

// raceProgram reports whether it was built with -race.
const raceProgram = `package main

import "fmt"

func main() { fmt.Println(raceEnabled) }
`

func checkRace(ctx context.Context, env goEnv) finding {
	c := finding{Name: "Race detector", Essential: true}
	dir, err := os.MkdirTemp("", "kata-doctor-*")
	if err != nil {
		c.Detail = "could not make a temporary folder to try it: " + err.Error()
		return c
	}
	defer os.RemoveAll(dir)
	files := map[string]string{
		"go.mod":    "module kata.example/racecheck\n",
		"main.go":   raceProgram,
		"race.go":   "//go:build race\n\npackage main\n\nconst raceEnabled = true\n",
		"norace.go": "//go:build !race\n\npackage main\n\nconst raceEnabled = false\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			c.Detail = err.Error()
			return c
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", "-race", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GORACE=atexit_sleep_ms=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	text := strings.TrimSpace(out.String())
	if err == nil && text == "true" {
		c.OK = true
		c.Detail = "works here (go test -race)"
		return c
	}
	c.Detail, c.Fix = whyNoRace(text, env)
	return c
}

// whyNoRace explains the go command's refusal to build with -race.
func whyNoRace(out string, env goEnv) (detail, fix string) {
	first, _, _ := strings.Cut(out, "\n")
	switch {
	case strings.Contains(out, "-race requires cgo"):
		return "does not work: -race needs cgo, and CGO_ENABLED is " + strconv.Quote(env.CGO_ENABLED),
			"set CGO_ENABLED=1 (export CGO_ENABLED=1), with a C compiler installed (gcc or clang)"
	case strings.Contains(out, "C compiler") || strings.Contains(out, `exec: "gcc"`) || strings.Contains(out, `exec: "clang"`) || strings.Contains(out, "cgo: cannot"):
		cc := env.CC
		if cc == "" {
			cc = "gcc"
		}
		return "does not work: -race needs a C compiler, and " + strconv.Quote(cc) + " is not there",
			"install one (Debian/Ubuntu: apt install gcc; macOS: xcode-select --install; Windows: a MinGW-w64 gcc), or set CC"
	case strings.Contains(out, "not supported on"):
		return "does not work: Go has no race detector for " + env.GOOS + "/" + env.GOARCH,
			"use a 64-bit machine: linux, macOS or Windows on amd64 or arm64 all have one"
	case out == "false":
		return "does not work: a program built with -race ran without it", "check GOFLAGS for a conflicting flag"
	default:
		return "does not work: " + first, "the kata's tests all need -race; `go run -race` on any small program shows the same error"
	}
}

func checkRoot(root string, rootErr error) []finding {
	c := finding{Name: "Repository", Essential: true}
	if rootErr != nil {
		c.Detail = rootErr.Error()
		c.Fix = "run kata from inside the kata repository (the folder with exercises/manifest.toml, or below it)"
		return []finding{c}
	}
	m, err := manifest.Load(root)
	if err != nil {
		c.Detail = root + ": " + err.Error()
		return []finding{c}
	}
	c.OK = true
	c.Detail = fmt.Sprintf("%s (%d exercises)", root, len(m.Exercises))
	s := finding{Name: "Progress file", OK: true}
	st, err := state.Load(root)
	switch {
	case errors.Is(err, state.ErrMissing):
		s.Detail = "none yet (" + state.FileName + " appears after the first check)"
	case err != nil:
		s.OK = false
		s.Detail = state.FileName + " cannot be read: " + err.Error()
		s.Fix = "nothing to do: kata rebuilds it from the tests next time"
	default:
		done := 0
		for _, e := range m.Exercises {
			if x := st.Exercises[e.Name]; x != nil && x.Done {
				done++
			}
		}
		s.Detail = fmt.Sprintf("%s (%d of %d done when last checked)", state.FileName, done, len(m.Exercises))
	}
	return []finding{c, s}
}

func checkWatch(root string, rootErr error) finding {
	c := finding{Name: "File events", OK: true}
	dir := root
	if rootErr != nil {
		dir, _ = os.Getwd()
	}
	w, err := fsnotify.NewWatcher()
	if err == nil {
		err = w.Add(dir)
		w.Close()
	}
	if err != nil {
		c.OK = false
		c.Detail = "not available here (" + err.Error() + "): watch looks for changes every half second instead"
		return c
	}
	c.Detail = "work here: watch re-checks as soon as you save"
	return c
}

func checkColor(w io.Writer) finding {
	c := finding{Name: "Colours", OK: true}
	switch {
	case os.Getenv("NO_COLOR") != "":
		c.Detail = "off: NO_COLOR is set"
	case os.Getenv("FORCE_COLOR") != "":
		c.Detail = "on: FORCE_COLOR is set"
	case colorOn(w):
		c.Detail = "on (NO_COLOR=1 turns them off)"
	default:
		c.Detail = "off: the output is not a terminal"
	}
	return c
}

// checkPolicy lists every learner file that kata grade would refuse, whatever its tests say.
func checkPolicy(root string) finding {
	c := finding{Name: "grading"}
	m, err := manifest.Load(root)
	if err != nil {
		c.Detail = "cannot read the manifest: " + err.Error()
		return c
	}
	a := &App{Root: root, Manifest: m}
	var lines []string
	for _, e := range m.Exercises {
		for _, v := range a.policyViolations(e) {
			lines = append(lines, fmt.Sprintf("%s/%s:%d: %s", e.Dir(), v.File, v.Line, v.Message))
		}
	}
	if len(lines) == 0 {
		c.OK = true
		c.Detail = "kata grade would accept every learner file as it is"
		return c
	}
	c.Detail = fmt.Sprintf("kata grade would refuse %d place(s) (0 points for the exercise):\n     %s", len(lines), strings.Join(lines, "\n     "))
	c.Fix = "change those lines before you hand in: the grader allows only what the exercise needs"
	return c
}
