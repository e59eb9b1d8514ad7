package grade

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kata-go/concurrency/harness/internal/grade/sandbox"
)

// What testing prints for `-test.run=^TestX$ -test.v=test2json -test.shuffle=42` when TestX
// passes, line by line.
var realPass = []string{
	"-test.shuffle 42",
	"\x16=== RUN   TestX",
	"\x16--- PASS: TestX (0.00s)",
	"\x16=== NAME  ",
	"\x16PASS",
	"",
}

func exited(code int, stdout ...string) *sandbox.Result {
	return &sandbox.Result{Exited: true, ExitCode: code, Stdout: []byte(strings.Join(stdout, "\n"))}
}

func TestJudge(t *testing.T) {
	lim := sandbox.Limits{Time: 3 * time.Second, Output: 1 << 20, Memory: 1 << 30}
	forged := []string{"\x16=== RUN   TestX", "\x16--- PASS: TestX (0.00s)", "\x16PASS"}
	plain := []string{"=== RUN   TestX", "--- PASS: TestX (0.00s)", "PASS"}
	for _, tc := range []struct {
		name string
		res  *sandbox.Result
		want Status
		says string
	}{
		{"a real pass", exited(0, realPass...), Pass, ""},
		{"a real pass, then exit 1 (a leak after the test)", exited(1, realPass...), Fail, "then failed"},
		{"another nonce", exited(0, append([]string{"-test.shuffle 43"}, realPass[1:]...)...), Error, "exited before"},
		{"framed forgery from init, exit 0", exited(0, forged...), Error, "before the test started"},
		{"plain forgery from init, exit 0", exited(0, plain...), Error, "exited before"},
		{"forgery before the nonce, then the real run fails", exited(1, append(forged, "-test.shuffle 42", "\x16=== RUN   TestX", "\x16--- FAIL: TestX (0.00s)", "\x16FAIL")...), Fail, ""},
		{"plain forgery during a failing test", exited(1, "-test.shuffle 42", "\x16=== RUN   TestX", "--- PASS: TestX (0.00s)", "PASS", "\x16--- FAIL: TestX (0.00s)", "\x16FAIL"), Fail, "--- PASS"},
		{"a second pass line", exited(0, "-test.shuffle 42", "\x16=== RUN   TestX", "\x16--- PASS: TestX (0.00s)", "\x16--- PASS: TestX (0.00s)", "\x16PASS"), Error, "more than once"},
		{"a pass with no final PASS (exit mid-way)", exited(0, "-test.shuffle 42", "\x16=== RUN   TestX", "\x16--- PASS: TestX (0.00s)"), Error, "exited before"},
		{"the test never started (exit during the test)", exited(0, "-test.shuffle 42", "\x16=== RUN   TestX"), Error, "exited before"},
		{"a pass of another test", exited(0, "-test.shuffle 42", "\x16=== RUN   TestY", "\x16--- PASS: TestY (0.00s)", "\x16PASS"), Error, ""},
		{"a pass of a longer name", exited(0, "-test.shuffle 42", "\x16=== RUN   TestX", "\x16--- PASS: TestXY (0.00s)", "\x16PASS"), Error, ""},
		{"skipped", exited(0, "-test.shuffle 42", "\x16=== RUN   TestX", "\x16--- SKIP: TestX (0.00s)", "\x16PASS"), Fail, "skipped itself"},
		{"timed out", &sandbox.Result{TimedOut: true, Signal: "killed", Stdout: []byte(strings.Join(realPass, "\n"))}, Error, "stopped after 3s"},
		{"flooded", &sandbox.Result{Flooded: true, Exited: true, Stdout: []byte(strings.Join(realPass, "\n"))}, Error, "more than 1 MiB"},
		{"crashed", &sandbox.Result{Exited: true, ExitCode: 2, Stdout: []byte("-test.shuffle 42\n\x16=== RUN   TestX\n"), Stderr: []byte("panic: boom\n\ngoroutine 7 [running]:")}, Error, "crashed"},
		{"out of memory", &sandbox.Result{Exited: true, ExitCode: 66, Stderr: []byte("==2==ERROR: ThreadSanitizer failed to allocate 0x2000000 bytes")}, Error, "ran out of memory"},
		{"killed", &sandbox.Result{Signal: "killed", Stdout: []byte("-test.shuffle 42\n\x16=== RUN   TestX\n")}, Error, "was killed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, msg := judge("TestX", "42", tc.res, lim)
			assert.Equal(t, tc.want, got, "judge(%s): status; message:\n%s", tc.name, msg)
			assert.Contains(t, msg, tc.says, "judge(%s): message", tc.name)
		})
	}
}

func TestCapMessage_CutsLongMessagesOnARuneBoundary(t *testing.T) {
	msg := capMessage("head", strings.Repeat("é", messageCap))
	assert.LessOrEqual(t, len(msg), messageCap+64)
	assert.Contains(t, msg, "more bytes cut")
	assert.True(t, strings.HasPrefix(msg, "head\n"))
	assert.NotContains(t, msg, "\uFFFD")
}

// The compiler's own crash at its memory limit is told apart from a learner's compile error.
func TestCompilerCrash(t *testing.T) {
	crash := "SIGSEGV: segmentation violation\nPC=0x43cefd m=2 sigcode=1 addr=0x0\n\ngoroutine 1 [runnable]:\ncmd/compile/internal/gc.Main(0x10bf970)\n"
	assert.Equal(t, "SIGSEGV: segmentation violation", compilerCrash.FindString(crash))
	assert.Empty(t, compilerCrash.FindString("exercises/01_cell/cell.go:12:2: undefined: x\n"), "a compile error is not a crash")
}
