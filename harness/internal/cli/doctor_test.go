package cli

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kata-go/concurrency/harness/internal/grade/sandbox"
)

// The doctor's advice depends on the system; these tests give it each system's probes, so
// that every system's advice is checked on any one of them.

func TestWhyNoRace_SaysWhatToInstallOnEachSystem(t *testing.T) {
	noCC := `cgo: C compiler "gcc" not found: exec: "gcc": executable file not found in $PATH`
	noCgo := "go: -race requires cgo; enable cgo by setting CGO_ENABLED=1"
	for _, c := range []struct {
		name, out string
		env       goEnv
		detail    string
		fix       []string
	}{
		{"linux, no gcc", noCC, goEnv{GOOS: "linux", GOARCH: "amd64", CGO_ENABLED: "1", CC: "gcc"},
			`needs a C compiler, and "gcc" is not there`, []string{"sudo apt install gcc"}},
		{"macOS, no clang", `cgo: C compiler "clang" not found`, goEnv{GOOS: "darwin", GOARCH: "arm64", CGO_ENABLED: "1", CC: "clang"},
			`needs a C compiler, and "clang" is not there`, []string{"xcode-select --install"}},
		{"Windows, no gcc", noCC, goEnv{GOOS: "windows", GOARCH: "amd64", CGO_ENABLED: "1", CC: "gcc"},
			`needs a C compiler, and "gcc" is not there`, []string{"MSYS2", "mingw-w64-ucrt-x86_64-gcc", `C:\msys64\ucrt64\bin`, "libsynchronization.a"}},
		{"Windows, a gcc too old for the race runtime", "exit status 0xc0000139", goEnv{GOOS: "windows", GOARCH: "amd64", CGO_ENABLED: "1", CC: "gcc", HaveCC: true},
			"this gcc is too old for Go's race detector", []string{"MSYS2", "before the old one on your PATH"}},
		{"Windows, cgo off for want of gcc", noCgo, goEnv{GOOS: "windows", GOARCH: "amd64", CGO_ENABLED: "0", CC: "gcc"},
			"no C compiler was found", []string{"MSYS2", "open a new terminal"}},
		{"Windows, cgo turned off by hand", noCgo, goEnv{GOOS: "windows", GOARCH: "amd64", CGO_ENABLED: "0", CC: "gcc", HaveCC: true},
			`needs cgo, and CGO_ENABLED is "0"`, []string{"set CGO_ENABLED=1", "$env:CGO_ENABLED=1"}},
		{"macOS, cgo turned off by hand", noCgo, goEnv{GOOS: "darwin", GOARCH: "arm64", CGO_ENABLED: "0", CC: "clang", HaveCC: true},
			`needs cgo, and CGO_ENABLED is "0"`, []string{"export CGO_ENABLED=1"}},
		{"Windows on Arm", "go: -race is not supported on windows/arm64", goEnv{GOOS: "windows", GOARCH: "arm64"},
			"no race detector for windows/arm64", []string{"WSL 2", "Codespace"}},
	} {
		detail, fix := whyNoRace(c.out, c.env)
		assert.Contains(t, detail, c.detail, "%s: detail", c.name)
		for _, want := range c.fix {
			assert.Contains(t, fix, want, "%s: fix", c.name)
		}
	}
	_, fix := whyNoRace(noCgo, goEnv{GOOS: "linux", CGO_ENABLED: "0", CC: "gcc", HaveCC: true})
	assert.NotContains(t, fix, "install", "with gcc there and cgo off by hand, the fix is turning cgo on")
}

func TestShellFinding(t *testing.T) {
	win := shellFinding("windows", nil)
	assert.False(t, win.OK, "Windows has no /bin/sh")
	assert.False(t, win.Essential, "only two tasks of one exercise need it")
	assert.Contains(t, win.Detail, "skip here")
	assert.Contains(t, win.Fix, "WSL")

	for _, goos := range []string{"linux", "darwin"} {
		ok := shellFinding(goos, nil)
		assert.True(t, ok.OK, "%s with every tool", goos)
		assert.Empty(t, ok.Fix, "%s with every tool", goos)
	}
	bare := shellFinding("linux", []string{"/bin/sh", "mkfifo"})
	assert.False(t, bare.OK)
	assert.Contains(t, bare.Detail, "/bin/sh, mkfifo")
	assert.NotEmpty(t, bare.Fix)
}

func TestWatchFinding(t *testing.T) {
	ok := watchFinding("/home/ada/kata", nil, false)
	assert.True(t, ok.OK)
	assert.Contains(t, ok.Detail, "work here")

	broken := watchFinding("/net/kata", errors.New("too many open files"), false)
	assert.False(t, broken.OK)
	assert.Contains(t, broken.Detail, "too many open files")
	assert.Contains(t, broken.Detail, "every half second")

	windowsDrive := watchFinding("/mnt/c/Users/ada/kata", nil, true)
	assert.False(t, windowsDrive.OK, "WSL with the repository on a Windows drive")
	assert.Contains(t, windowsDrive.Fix, "kata watch --poll")

	assert.True(t, watchFinding("/mnt/c/Users/ada/kata", nil, false).OK, "a /mnt folder outside WSL is nothing special")
	assert.True(t, watchFinding("/home/ada/kata", nil, true).OK, "WSL with the repository in its own file system")
}

func TestSandboxFinding(t *testing.T) {
	works := sandboxFinding("linux", sandbox.Bubblewrap, "")
	assert.True(t, works.OK)
	assert.Empty(t, works.Fix)

	for _, goos := range []string{"darwin", "windows"} {
		c := sandboxFinding(goos, sandbox.None, "")
		assert.False(t, c.OK, goos)
		assert.False(t, c.Essential, "%s: learners do not grade", goos)
		assert.Contains(t, c.Detail, "needs Linux and bubblewrap", goos)
		assert.Contains(t, c.Fix, "bubblewrap", goos)
	}
	assert.Contains(t, sandboxFinding("windows", sandbox.None, "").Detail, "Shell tests skip", "grading on Windows would cost every submission those points")
	assert.NotContains(t, sandboxFinding("darwin", sandbox.None, "").Detail, "Shell", "macOS runs them")

	note := "grading WITHOUT a sandbox: bubblewrap (bwrap) is not installed. Install bubblewrap (Debian: apt-get install bubblewrap) to isolate it."
	missing := sandboxFinding("linux", sandbox.None, note)
	assert.False(t, missing.OK)
	assert.Equal(t, "bubblewrap (bwrap) is not installed. Install bubblewrap (Debian: apt-get install bubblewrap) to isolate it.", missing.Fix,
		"the sandbox's own reason, without repeating the detail")
}
