// Package verify is the repository's proof that its exercises teach what they claim. It has no
// API: its tests, run by `go test -race ./harness/...` (or `kata verify`), check for every
// exercise in exercises/manifest.toml that
//
//   - the folders, README, hints, solution, mutants and alternates exist and agree with the manifest;
//   - the stub compiles and every top-level test fails on it, within seconds;
//   - the reference solution passes under -race, repeated, shuffled and with GOMAXPROCS 1, 2 and 4,
//     with no leak;
//   - every mutant (harness/testdata/mutants/NN_name/*.diff, a known-wrong solution kept as a
//     diff against the reference, see package mutant) applies, compiles and is caught by one of
//     the tests that its row of the contract map names (see package contract);
//   - the contract map names only tests and mutants that exist, and names every mutant;
//   - every alternate (harness/testdata/alternates/NN_name/*.go, a correct solution built another
//     way; at least two) passes, so the tests do not reject correct code.
//
// Solutions, mutants and alternates stand in for the learner's file through -overlay; nothing in
// the tree is copied or changed (a mutant is applied into a fresh temporary file). Each variant
// is compiled once with go test -c -race, variants of different exercises in one go command, and
// its binary runs as often as the check needs. With -short only the files, the contract map, the
// stub and one run of the solution are checked.
//
// The environment tunes it: KATA_VERIFY_JOBS=N sets how many test binaries run at once (default:
// twice the number of CPUs, as they mostly wait); KATA_VERIFY_REPEAT=N runs every mutant N more
// times at each of GOMAXPROCS 1, 2 and 4, each in its own process, and fails any mutant not
// caught every time; KATA_VERIFY_REPEAT_SCHED=1 limits that to the mutants the contract maps mark
// (sched); KATA_VERIFY_RATES=FILE writes the measured catch rates there.
package verify
