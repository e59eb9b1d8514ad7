package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"testing"
)

func TestMain(m *testing.M) {
	// The grading runs in a process of its own: this test binary, started again.
	if spec, ok := os.LookupEnv(childEnv); ok {
		os.Exit(child(context.Background(), spec, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// A tiny class (two submissions, one exercise) is written, graded and compared with the
// floor, and every figure the command promises is printed.
func TestGradebench_ATinyClass(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the benchmark builds and runs a class")
	}
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), []string{"-n", "2", "-seed", "3", "-exercises", "01_cell", "-mix", "1,1,0"}, &stdout, &stderr)
	out := stdout.String()
	if code != 0 {
		t.Fatalf("gradebench exited %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr.String())
	}
	for _, want := range []string{
		`(?m)^class: 2 submissions \(1 correct, 1 with one bug, 0 stubs\), seed 3`,
		`(?m)^grade: [0-9.]+s in all, [0-9.]+s per submission`,
		`(?m)^  build +[0-9.]+s busy, [1-9][0-9]* go commands`,
		`(?m)^  run +[0-9.]+s busy, [1-9][0-9]* test processes`,
		`(?m)^  report +[0-9.]+s`,
		`(?m)^floor: go test -race -count=1 ./exercises/01_cell in each folder: [0-9.]+s in all`,
		`(?m)^ratio: [0-9.]+ of the floor`,
		`(?m)^scores: as expected`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("no line matches %s in:\n%s", want, out)
		}
	}
}

func TestParse_RefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-n", "0"},
		{"-mix", "1,2"},
		{"-mix", "1,x,0"},
		{"extra"},
	} {
		if _, err := parse(args, &bytes.Buffer{}); err == nil {
			t.Errorf("parse(%q) = nil error, want one", args)
		}
	}
}
