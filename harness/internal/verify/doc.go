// Package verify is the repository's proof that its exercises teach what they claim. It has no
// API: its tests, run by `go test -race ./harness/...` (or `kata verify`), check for every
// exercise in exercises/manifest.toml that
//
//   - the folders, README, hints, solution, mutants and alternates exist and agree with the manifest;
//   - the stub compiles and every top-level test fails on it, within seconds;
//   - the reference solution passes under -race, repeated, shuffled and with GOMAXPROCS 1, 2 and 4,
//     with no leak;
//   - every mutant (harness/testdata/mutants/NN_name/*.diff, a known-wrong solution kept as a
//     diff against the reference, see package mutant) applies, compiles and is caught by at
//     least one test;
//   - every alternate (harness/testdata/alternates/NN_name/*.go, a correct solution built another
//     way) passes, so the tests do not reject correct code.
//
// Solutions, mutants and alternates stand in for the learner's file through go test -overlay;
// nothing in the tree is copied or changed (a mutant is applied into a temporary file). With -short only the files, the stub and one run of
// the solution are checked. KATA_VERIFY_JOBS sets how many go test processes run at once
// (default: the number of CPUs).
package verify
