package grade

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/grade/sandbox"
)

// frame is the byte with which the testing package starts its own lines under
// -test.v=test2json ("\x16=== RUN   TestX"), so that test2json can tell them from output.
const frame = "\x16"

// transcript is what a test process printed, read for one expected test.
type transcript struct {
	started bool // the nonce line printed by testing.M was seen
	runs    int  // "=== RUN   TestX" after it
	passes  int  // "--- PASS: TestX (...)" after it
	fails   int
	skips   int
	endPass bool   // the final "PASS" came after the test's pass line
	output  string // the test's log, its subtests' results and whatever else was printed
}

// readTranscript reads stdout of `BIN -test.run ^name$ -test.v=test2json -test.shuffle=nonce`.
// Only framed lines after the nonce line count: that line is printed by testing.M.Run itself
// (-test.shuffle's seed), after every init function and before any test.
func readTranscript(stdout []byte, name, nonce string) transcript {
	var t transcript
	var before, out []string // printed before the nonce line (init), and after it
	passAt := -1
	for i, line := range strings.Split(string(stdout), "\n") {
		if !t.started && line == "-test.shuffle "+nonce {
			t.started = true
			continue
		}
		trimmed := strings.TrimLeft(line, " ")
		body := strings.TrimPrefix(trimmed, frame)
		if !t.started {
			before = append(before, body)
			continue
		}
		if !strings.HasPrefix(trimmed, frame) {
			out = append(out, line)
			continue
		}
		switch {
		case line == frame+"=== RUN   "+name:
			t.runs++
		case strings.HasPrefix(line, frame+"--- PASS: "+name+" ("):
			t.passes++
			passAt = i
		case strings.HasPrefix(line, frame+"--- FAIL: "+name+" ("):
			t.fails++
		case strings.HasPrefix(line, frame+"--- SKIP: "+name+" ("):
			t.skips++
		case line == frame+"PASS":
			t.endPass = passAt >= 0 && i > passAt
		case line == frame+"FAIL", strings.HasPrefix(body, "=== "):
			// the verdict line and RUN/NAME/PAUSE/CONT markers say nothing to a person
		default:
			out = append(out, body) // a subtest's result
		}
	}
	t.output = strings.Trim(strings.Join(out, "\n"), "\n")
	if pre := strings.Trim(strings.Join(before, "\n"), "\n"); pre != "" {
		t.output = joinNonEmpty("printed before the test started (while the package initialized):\n"+pre, t.output)
	}
	return t
}

// passed is the grader's only rule for a pass: the test ran once and passed once, no failure
// or skip of it was reported, testing's final PASS followed, and the process then exited 0 by
// itself, within its time, memory and output limits.
func (t transcript) passed(res *sandbox.Result) bool {
	return res.Clean() && t.started && t.runs == 1 && t.passes == 1 && t.fails == 0 && t.skips == 0 && t.endPass
}

// messageCap bounds the message kept per test.
const messageCap = 6 << 10

// sandboxNoise is what the race detector prints when it cannot read its executable's name,
// which it cannot in the sandbox (there is no /proc). It says nothing about the test.
var sandboxNoise = regexp.MustCompile(`(?m)^==\d+==WARNING: reading executable name failed.*\n?`)

var outOfMemory = regexp.MustCompile(`ThreadSanitizer failed to allocate|fatal error: (runtime: )?out of memory|runtime: cannot allocate memory`)

// judge turns a test process's result into the test's status and a message a learner acts on.
func judge(name, nonce string, res *sandbox.Result, lim sandbox.Limits) (Status, string) {
	t := readTranscript(res.Stdout, name, nonce)
	if t.passed(res) {
		return Pass, ""
	}
	stderr := strings.TrimSpace(sandboxNoise.ReplaceAllString(string(res.Stderr), ""))
	details := joinNonEmpty(t.output, stderr)
	switch {
	case res.Flooded:
		return Error, capMessage(fmt.Sprintf("stopped: the test printed more than %s of output (does your code print, or loop, without end?)", bytesString(lim.Output)), details)
	case res.NotStarted:
		return Error, capMessage(fmt.Sprintf("stopped: the test binary did not start testing within %v (is a package-level variable's initializer slow, or blocked?); this exercise's other tests were not run", min(startTime, lim.Time)), details)
	case res.TimedOut:
		return Error, capMessage(fmt.Sprintf("stopped after %v: the test did not finish (an endless loop, or something blocked where the test's own watchdog cannot stop it?)", lim.Time), details)
	case outOfMemory.MatchString(stderr):
		return Error, capMessage(fmt.Sprintf("stopped: the test ran out of memory (a test may use %s of data memory; under -race the runtime's shadow memory counts too)", bytesString(int(lim.Memory))), details)
	case strings.HasPrefix(stderr, "kata sandbox:"):
		return Error, capMessage("the grader could not start the test", stderr)
	case t.started && t.fails > 0:
		return Fail, capMessage("", details)
	case !res.Exited:
		return Error, capMessage(fmt.Sprintf("the test process was killed (%s) before the test reported a result", res.Signal), details)
	case strings.Contains(stderr, "panic: ") || strings.Contains(stderr, "fatal error: "):
		return Error, capMessage("the test process crashed before the test could report a result (a panic in a goroutine that is not the test's own ends the whole process):", details)
	case t.started && (t.passes > 1 || t.runs > 1):
		return Error, capMessage("the test's result was reported more than once: something printed a forged one", details)
	case t.started && t.skips > 0:
		return Fail, capMessage("the test skipped itself; a graded test must run", details)
	case res.ExitCode == 0:
		return Error, capMessage("the test process exited before the test reported a result: something ended the process early", details)
	case t.started && t.passes > 0:
		// It passed, then the process failed: harness.Main's leak check, or a race reported
		// after the test.
		return Fail, capMessage(fmt.Sprintf("the test passed, but its process then failed (exit status %d):", res.ExitCode), details)
	default:
		return Error, capMessage(fmt.Sprintf("the test process exited with status %d without reporting a result", res.ExitCode), details)
	}
}

func joinNonEmpty(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "\n")
}

// capMessage puts head on its own line above details and cuts the whole to messageCap bytes.
func capMessage(head, details string) string {
	msg := joinNonEmpty(head, details)
	if len(msg) > messageCap {
		cut := messageCap
		for cut > 0 && msg[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		msg = fmt.Sprintf("%s\n... (%d more bytes cut)", msg[:cut], len(msg)-cut)
	}
	return msg
}

func bytesString(n int) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
