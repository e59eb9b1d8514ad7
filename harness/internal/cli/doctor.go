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
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/kata-go/concurrency/harness/internal/grade/sandbox"
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
// not, the repository found, the progress file, the shell that 09_pipeline's Shell runs, file
// events for watch, the grader's sandbox, colours. Each finding that is not ok says what to do
// on this system (Linux, macOS or Windows). It needs no repository: finding none is one of its
// findings.
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
	checks = append(checks, checkShell(), checkWatch(root, rootErr), checkSandbox(), checkColor(stdio.Stdout))
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

// goEnv is what the go command says of this machine, and whether its C compiler is there.
type goEnv struct {
	GOVERSION, GOOS, GOARCH, CGO_ENABLED, CC string
	// HaveCC is set when CC (its first word) is found on the PATH: since Go 1.20, cgo is off
	// by default where it is not.
	HaveCC bool `json:"-"`
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
	if cc := strings.Fields(env.CC); len(cc) > 0 {
		_, err := exec.LookPath(cc[0])
		env.HaveCC = err == nil
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

// whyNoRace explains the go command's refusal to build with -race, and says what to do about it
// on env's system.
func whyNoRace(out string, env goEnv) (detail, fix string) {
	first, _, _ := strings.Cut(out, "\n")
	switch {
	case strings.Contains(out, "-race requires cgo"):
		detail = "does not work: -race needs cgo, and CGO_ENABLED is " + strconv.Quote(env.CGO_ENABLED)
		if !env.HaveCC {
			return detail + " (and no C compiler was found: without one, Go turns cgo off)",
				installCC(env.GOOS) + "; then open a new terminal: Go turns cgo on by itself once it finds the compiler (if not, set CGO_ENABLED=1)"
		}
		return detail, setCgo(env.GOOS)
	case strings.Contains(out, "C compiler") || strings.Contains(out, `exec: "gcc"`) || strings.Contains(out, `exec: "clang"`) || strings.Contains(out, "cgo: cannot"):
		cc := env.CC
		if cc == "" {
			cc = "gcc"
		}
		return "does not work: -race needs a C compiler, and " + strconv.Quote(cc) + " is not there",
			installCC(env.GOOS) + ", or set CC to the compiler you have"
	case env.GOOS == "windows" && strings.Contains(out, "0xc0000139"):
		// STATUS_ENTRYPOINT_NOT_FOUND: since Go 1.21 the race runtime needs mingw-w64 8 or later.
		return "does not work: a program built with -race could not start (exit status 0xc0000139): this gcc is too old for Go's race detector",
			installCC(env.GOOS) + ", and put it before the old one on your PATH"
	case strings.Contains(out, "not supported on"):
		return "does not work: Go has no race detector for " + env.GOOS + "/" + env.GOARCH, noRaceDetector(env.GOOS)
	case out == "false":
		return "does not work: a program built with -race ran without it", "check GOFLAGS for a conflicting flag"
	default:
		return "does not work: " + first, "the kata's tests all need -race; `go run -race` on any small program shows the same error"
	}
}

// installCC says how to install the C compiler that -race needs on the system goos.
func installCC(goos string) string {
	switch goos {
	case "darwin":
		return "install Apple's command line tools, which bring clang: xcode-select --install"
	case "windows":
		return `install gcc for Windows from MSYS2 (https://www.msys2.org, then in its terminal pacman -S mingw-w64-ucrt-x86_64-gcc, and add C:\msys64\ucrt64\bin to your PATH); any other gcc works if gcc --print-file-name libsynchronization.a prints a full path`
	default:
		return "install gcc (Debian, Ubuntu: sudo apt install gcc; Fedora: sudo dnf install gcc; Alpine: sudo apk add build-base)"
	}
}

// setCgo says how to turn cgo on for the system goos.
func setCgo(goos string) string {
	if goos == "windows" {
		return "set CGO_ENABLED=1 (PowerShell: $env:CGO_ENABLED=1, for this window; go env -w CGO_ENABLED=1, for good)"
	}
	return "set CGO_ENABLED=1 (export CGO_ENABLED=1, for this shell; go env -w CGO_ENABLED=1, for good)"
}

// noRaceDetector says where to work when Go has no race detector for this system.
func noRaceDetector(goos string) string {
	if goos == "windows" {
		return "Go's race detector on Windows needs an amd64 machine: on Windows on Arm, work in WSL 2 (Linux on arm64 has one) or in a Codespace"
	}
	return "use a 64-bit machine: Linux and macOS on amd64 or arm64, and Windows on amd64, have one; or work in a Codespace"
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
	dir := root
	if rootErr != nil {
		dir, _ = os.Getwd()
	}
	w, err := fsnotify.NewWatcher()
	if err == nil {
		err = w.Add(dir)
		w.Close()
	}
	return watchFinding(dir, err, runtime.GOOS == "linux" && os.Getenv("WSL_DISTRO_NAME") != "")
}

// watchFinding says whether kata watch gets file events for dir: err is what watching it
// failed with, and wsl is set inside the Windows Subsystem for Linux.
func watchFinding(dir string, err error, wsl bool) finding {
	c := finding{Name: "File events", OK: true}
	switch {
	case err != nil:
		c.OK = false
		c.Detail = "not available here (" + err.Error() + "): watch looks for changes every half second instead"
	case wsl && strings.HasPrefix(filepath.ToSlash(dir), "/mnt/"):
		c.OK = false
		c.Detail = "the repository is on a Windows drive (" + dir + "): saves made by Windows programs send WSL no file events"
		c.Fix = "edit from inside WSL (VS Code's WSL extension), or run kata watch --poll; a clone in your WSL home (~/) is also much faster"
	default:
		c.Detail = "work here: watch re-checks as soon as you save"
	}
	return c
}

// shellTools are what 09_pipeline's Shell and its tests run on a system with a POSIX shell.
var shellTools = []string{"/bin/sh", "mkfifo", "sleep"}

func checkShell() finding {
	var missing []string
	if runtime.GOOS != "windows" {
		for _, tool := range shellTools {
			if _, err := exec.LookPath(tool); err != nil {
				missing = append(missing, tool)
			}
		}
	}
	return shellFinding(runtime.GOOS, missing)
}

// shellFinding says whether 09_pipeline's Shell tasks can run on the system goos, where the
// tools in missing (of shellTools) were not found.
func shellFinding(goos string, missing []string) finding {
	c := finding{Name: "Shell commands", OK: true}
	switch {
	case goos == "windows":
		c.OK = false
		c.Detail = "Windows has no /bin/sh: the tests of 09_pipeline's Shell (tasks 3 and 4) skip here; everything else runs"
		c.Fix = "do those two tasks in WSL or in a Codespace (README, \"On macOS and Windows\")"
	case len(missing) > 0:
		c.OK = false
		c.Detail = "not found: " + strings.Join(missing, ", ") + ": the tests of 09_pipeline's Shell (tasks 3 and 4) fail here"
		c.Fix = "install a POSIX shell and its tools (Debian, Ubuntu: sudo apt install dash coreutils)"
	default:
		c.Detail = "/bin/sh is there for 09_pipeline's Shell"
	}
	return c
}

func checkSandbox() finding {
	if runtime.GOOS != "linux" {
		return sandboxFinding(runtime.GOOS, sandbox.None, "")
	}
	s, err := sandbox.New(sandbox.Auto)
	if err != nil {
		return sandboxFinding(runtime.GOOS, sandbox.None, err.Error())
	}
	return sandboxFinding(runtime.GOOS, s.Kind(), s.Note())
}

// sandboxFinding says whether kata grade (teachers only) can isolate submissions on the
// system goos: kind is the sandbox that sandbox.New gave, note what it said of it.
func sandboxFinding(goos string, kind sandbox.Kind, note string) finding {
	c := finding{Name: "Grader sandbox", OK: true}
	switch {
	case kind == sandbox.Bubblewrap:
		c.Detail = "bubblewrap works: kata grade runs each submission in a sandbox (teachers only)"
	case goos != "linux":
		c.OK = false
		c.Detail = "kata grade (teachers only) runs submissions here WITHOUT a sandbox: it needs Linux and bubblewrap; learners need nothing of it"
		if goos == "windows" {
			c.Detail += ". On Windows, 09_pipeline's Shell tests skip, so no submission could earn their points"
		}
		c.Fix = "grade a class on Linux with bubblewrap (sudo apt install bubblewrap), in a Codespace, or with the grade workflow on GitHub"
	default:
		c.OK = false
		c.Detail = "kata grade (teachers only) would run submissions WITHOUT a sandbox; learners need nothing of it"
		c.Fix = strings.TrimPrefix(note, "grading WITHOUT a sandbox: ")
		if c.Fix == "" {
			c.Fix = "install bubblewrap (sudo apt install bubblewrap)"
		}
	}
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
