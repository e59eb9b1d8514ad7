// Package grade is `kata grade`: it grades a learner's submission, or a whole class of them,
// with the pristine tests, so that a correct solution always gets full marks, nothing else
// does, and no submission can hang, crash or fool the grader.
//
// # What is graded
//
// Only the learner-editable files that the manifest names (exercises/NN_name/name.go) are
// taken from a submission; the tests, the harness, go.mod and everything else come from the
// pristine tree (--tests, by default the repository kata runs in). A learner file must be a
// regular file reached through real folders of the submission: a symbolic link is refused.
// Other files of the submission that were added or changed (an edited test, a new _test.go
// with its own TestMain) have no effect and are listed as ignored.
//
// The bytes read are checked once by package policy (allowed imports; no cgo, unsafe,
// syscall, //go:linkname, init functions, process exits or writes to standard output and
// error) and then, unchanged, compiled: `go test -c -race` of the pristine package with the
// learner files swapped in through -overlay, once per distinct content (a learner file left
// as the stub shares the pristine binary). A file that breaks the policy scores 0 for its
// exercise and is neither compiled nor run. The exercise's expected tests are listed from the
// PRISTINE test binary (-test.list), never from the submission's.
//
// # How a test counts as passed
//
// Each expected test runs in its own process (package sandbox: bubblewrap when available,
// always with time, output and memory limits), as
//
//	BIN -test.run=^TestX$ -test.v=test2json -test.count=1 -test.shuffle=NONCE -test.paniconexit0
//
// and counts as passed only if all of these hold:
//
//  1. the process exited by itself with status 0, within its limits (its exit status comes
//     from the kernel, not from anything it printed);
//  2. its standard output holds the line "-test.shuffle NONCE", with the fresh random NONCE
//     of this run, which testing.M.Run prints after every init function has run and before
//     any test starts;
//  3. after that line, the framed lines of testing (-test.v=test2json starts them with the
//     byte 0x16) show exactly one "=== RUN   TestX", exactly one "--- PASS: TestX (...)",
//     no FAIL or SKIP of TestX, and testing's final "PASS" after the pass.
//
// Why a submission cannot forge that. Exit status 0 is the anchor: a test binary exits 0 only
// when testing ran the selected test to a pass and harness.Main found no leaked goroutine, or
// when something called an exit function. Learner code cannot call one: os and syscall are
// not importable, unsafe, //go:linkname and cgo are refused, and -test.paniconexit0 turns
// os.Exit(0) during a test into a failure. Memory tricks need a data race, which the race
// detector reports as a failure. Another process cannot end the test process either: the
// sandbox's seccomp filter denies ptrace, process_vm_writev and pidfd_getfd, and a killed
// process has no exit status. So exit 0 means testing itself finished, and the transcript
// testing printed is there; printed forgeries could only add lines, and a second RUN or PASS
// line of TestX makes the test count as an error, not a pass. The transcript rules are checked as well so
// that each known cheat fails even with the policy switched off (the grader's own tests do
// that): an exit in init leaves no nonce line, so nothing printed before it counts, with or
// without the framing byte; an exit during a test leaves no PASS line from testing, or
// panics under -test.paniconexit0.
//
// What the rules do not cover, said plainly: code that could both print a complete forged
// transcript after the nonce line and then exit 0 would pass; only the static policy keeps
// learner code from doing both, which is why it is checked on the exact bytes compiled and
// why an exercise's allowed imports must never include os, syscall, reflect or unsafe. An
// exercise whose code may run commands (os/exec) relies on the sandbox too: a command could
// print to the test's output, but not change how the test process exits.
//
// # Exit codes of Main
//
//	0  graded, and every submission earned every point
//	1  graded, and some points were not earned (or a test did not pass)
//	2  could not grade: a usage error, a broken environment (no go command, a sandbox that
//	   --sandbox=require could not build), or an exercise whose pristine tests do not build
package grade
