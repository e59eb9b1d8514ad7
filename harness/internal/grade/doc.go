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
// The bytes read are checked once by package policy (allowed imports; a file that parses; no
// cgo, unsafe, syscall, //go:linkname or //line directives, init functions, process exits,
// reads of the arguments or environment, or writes to standard output and error, names
// resolved by the type checker) and then, unchanged, compiled: `go test -c -race` of the
// pristine package with the learner files swapped in through -overlay, once per distinct
// content (a learner file left as the stub shares the pristine binary, whose tests run once per
// session: nothing of a submission is in it, so every submission that left the stub shares
// those results). The exercises of one submission are compiled together, in one go command
// (`go test -c -o DIR` with every package); an exercise that it did not build is compiled
// again alone, so that its compiler message is its own. A file that breaks the policy, or that the policy cannot parse, scores 0
// for its exercise and is neither compiled nor run. The exercise's expected tests are listed
// from the PRISTINE test binary (-test.list), never from the submission's.
//
// The go command runs with an environment of the grader's making (buildEnv): none of the
// caller's GOFLAGS, GOEXPERIMENT, GOWORK, CGO_* or go env file reaches it, only where modules
// come from and which toolchain runs. It builds into the grader's own cache (a folder of the
// user's cache directory, emptied when a session leaves it larger than 1 GiB), never the go
// command's default one, and it and every compiler and linker it starts are bounded: 1 GiB of
// data memory and 256 MiB per file written each, 5 minutes (per exercise built), 256 KiB of
// output. A file that passes a bound does not compile, and scores 0. Learner files are built
// with a copy of that cache made for the session, which goes with it: what the compiler made of
// a submission never reaches a later session's build. Finished test binaries, of the pristine
// tree and of submissions, are kept beside the cache (the least recently used go past 2 GiB),
// each named by the SHA-256 of everything it is built from: the toolchain, the pristine tree's
// place and version, the grader's version, the exercise and its learner files. A session takes a kept
// binary only for exactly those inputs, where its own build would make the same one; grading a
// submission again, unchanged, runs no go command. Only the grader writes kept binaries, and
// only ones the go command built; a test process runs a copy.
//
// # How a test counts as passed
//
// An exercise's expected tests first run together, in one process (package sandbox:
// bubblewrap when available, always with time, output and memory limits, those of one test),
// as
//
//	BIN -test.run=^(TestA|TestB|...)$ -test.v=test2json -test.count=1 -test.shuffle=NONCE -test.paniconexit0 -test.failfast
//
// When that process passes the rules below for every expected test, each of them counts as
// passed. When it does not (a test failed, the process crashed or passed a limit, anything in
// its transcript is not exactly as below), that run decides nothing: each expected test then
// runs in its own process, as
//
//	BIN -test.run=^TestX$ -test.v=test2json -test.count=1 -test.shuffle=NONCE -test.paniconexit0
//
// and that run alone decides its result. (Most submissions pass most exercises: those cost one
// process per exercise instead of one per test.) A test counts as passed only if all of these
// hold for the process that decides it:
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
// Together, rule 1 is the exit status of the one process, and rules 2 and 3 hold for each
// expected test in its transcript (one nonce line; for each test one RUN line, one PASS line
// and no FAIL or SKIP line, all after it; testing's final PASS after every one of them).
//
// A test binary that has not printed its nonce line within 10 seconds (or its time limit) (a
// slow or blocked package initializer) is stopped, and the exercise's remaining tests are not
// run: they fail with the same message at once. The binary is the same for every test, so
// when the process that runs them together is stopped so, no test is run again alone.
//
// Inside the test, harness.Run decides the verdict before it formats anything of the
// learner's: a test passes only when its body returned normally, and a panic value is
// formatted on a goroutine of its own, so that a String or Error method that panics, blocks
// or calls runtime.Goexit cannot end or stall the report (it fails the test).
//
// # Why a submission cannot forge a pass, and what enforces it
//
// Exit status 0 is the anchor: a test binary exits 0 only when testing ran the selected test
// to a pass and harness.Main found no leaked goroutine, or when something called an exit
// function, or when its code was rewritten to. Each of the last two is closed by something
// named here:
//
//   - the policy: learner code cannot call an exit function (os and syscall are not
//     importable, unsafe, //go:linkname and cgo are refused), cannot write to standard output,
//     and cannot open /proc/self/mem (no exercise may import os; 09_pipeline, whose code runs
//     commands, has os/exec only). -test.paniconexit0 also turns os.Exit(0) during a test into
//     a failure. Memory tricks within the process need a data race, which the race detector
//     reports as a failure.
//   - the sandbox (bubblewrap): a child process that learner code starts (09_pipeline) runs
//     in the same sandbox, where there is no proc file system (/proc holds one file, a copy
//     of the environment the test process was given), so it can neither read the test
//     process's arguments, nor write its memory (/proc/PID/mem) or its output
//     (/proc/PID/fd/1); the seccomp filter denies ptrace, process_vm_writev and pidfd_getfd;
//     no new user namespace can be made to mount a /proc. A killed process has no exit status.
//   - running the tests together changes none of this. Exit status 0 of that process means
//     testing ran every selected test to a pass (and harness.Main found no leak), or one of
//     the two ways closed above; -test.run selects exactly the expected tests, from the
//     pristine test files; and each must show its own RUN and PASS lines once. Anything else
//     sends every test to a process of its own, which decides as before: a submission can
//     gain nothing from the first run that it could not gain from the second, and a failure
//     in the first run costs nothing but its time. What does differ: tests that pass together
//     share one process, so learner code that keeps package-level state sees every test's
//     calls, in an order the nonce shuffles; a test that would fail alone but passes after
//     another test left that state behind passes. No correct solution depends on it, and the
//     mutants and cheats score as they did with one process per test.
//   - the run-time checks (the transcript rules above): printed forgeries can only add lines,
//     and a second RUN or PASS line of TestX makes the test count as an error, not a pass; an
//     exit in init leaves no nonce line, so nothing printed before it counts, with or without
//     the framing byte; an exit during a test leaves no PASS line from testing, or panics
//     under -test.paniconexit0. They are checked even where the policy already stops a cheat,
//     so that each such cheat also fails with the policy switched off (the grader's own tests
//     do that).
//
// What the rules do not cover, said plainly: code that could both print a complete forged
// transcript after the nonce line and then exit 0 would pass. Only the policy keeps learner
// code from doing both in the test process (which is why it is checked on the exact bytes
// compiled, why a file it cannot parse is refused, and why an exercise's allowed imports must
// never include os, syscall, reflect or unsafe), and only bubblewrap keeps a child process of
// 09_pipeline from doing it through /proc. Without bubblewrap (--sandbox off, or auto where it
// is missing, which the report says plainly) learner code runs with the grader's permissions:
// a child of a 09_pipeline test can rewrite the test process and forge a pass, or change any
// file the grader can (the kept test binaries, which later sessions run, included), and any
// test can read every file the grader can, the other submissions included. Grade with
// bubblewrap.
//
// # What graded code can see and use
//
// With bubblewrap, a test process reads only its binary, its exercise's folder of the pristine
// tree, go.mod and go.sum, /usr, a few files of /etc and /proc/self/environ (a copy of its own
// environment, where the race detector reads GORACE): not the solutions, the alternates, the
// class folder or any report. Its writable places are its own /tmp (256 MiB) and /dev/shm
// (64 MiB); its network is its own loopback. --out may not be inside the pristine tree or the
// class folder, where a later run would show or grade it. Each student's reports are written
// into a folder of their own (students/STUDENT/), and everything of a submission that a text
// report or the terminal shows (names, messages) has its control characters escaped. SIGTERM,
// like an interrupt, kills every test process and removes the work folders.
//
// What the sandbox does not bound: CPU is shared fairly between sandboxes only through the
// kernel's session autogroups (each test runs in a session of its own); the number of
// processes is bounded (RLIMIT_NPROC) only when the grader does not run as root.
//
// # Shards and merges
//
// --shard K/N grades the K-th of N shards of a class: the students whose place in the class
// folder, sorted by name byte by byte and counted from 0, leaves K-1 divided by N. The N shards
// are disjoint and cover the class; each writes only its JSON report, shard-K-of-N.json. Every
// report carries the version of the pristine tests (a SHA-256 of go.mod, go.sum, exercises/
// but its Markdown, and the Go files of harness/ that the test binaries are built from) and of the grader (a
// SHA-256 of this package's own sources, kept in the binary).
//
// kata grade merge grades nothing: it writes the class's files (gradebook, page, class.json,
// each student's reports) from the reports it is given, as they are, and it trusts them. It
// refuses reports of other versions, exercises or sandboxes, and a student graded twice; a
// report file that is missing or cannot be read, and a shard of which no report is given,
// become rows of the gradebook, so that no student silently drops out of it. A student's name
// read from a report must be a folder name (no / or \, not hidden): it names the folder the
// student's reports are written into. A report uploaded by a learner's own repository (the
// report.json of grade.yml) is only as honest as that repository's workflow, which the
// learner can change: a grade that counts comes from a run the teacher controls (kata grade
// --class, or .github/workflows/grade-class.yml, which grades the learners' repositories with
// the teacher's copy of the tests and clones them with a token that is passed to git on its
// command line for the clone only, never written to disk or given to a test process).
//
// # Exit codes of Main
//
//	0  graded, and every submission earned every point
//	1  graded, and some points were not earned (or a test did not pass)
//	2  could not grade: a usage error, a broken environment (no go command, a sandbox that
//	   --sandbox=require could not build), or an exercise whose pristine tests do not build;
//	   for kata grade merge, also reports it refused, or a report it could not read
package grade
