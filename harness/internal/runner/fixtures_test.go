package runner

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kata-go/concurrency/harness/internal/manifest"
	"github.com/kata-go/concurrency/harness/internal/mutant"
)

var update = flag.Bool("update", false, "re-record the go test -json fixtures in testdata from the exercises they come from")

// recording is how a fixture of testdata was made from this repository's own exercises: the
// exercise's tests run on its stub, or on one of its mutants, under -race.
type recording struct {
	fixture  string // testdata/NAME.jsonl
	exercise string // "01_cell"
	mutant   string // the mutant standing in for the learner file; "" for the stub
	run      string // a -run pattern, or "" for every test
	// racy is set when the mutant's failure is a data race, whose first message depends on the
	// schedule (whether the learner's goroutine wrote before the test read): only the tests and
	// their verdicts are compared.
	racy bool
}

// recordings are the fixtures that come from the exercises. (The other fixtures come from
// small packages made up for one case each; their learner files are in
// ../report/testdata/repo.)
var recordings = []recording{
	{fixture: "cell_stub", exercise: "01_cell"},
	{fixture: "race_generic", exercise: "03_spawn", mutant: "done_closed_in_spawn", run: "^TestJoin_ReturnsTheValueOfF$", racy: true},
}

// fixtureRoot is where the fixtures say the repository was: no path of the machine that
// recorded them gets in.
const fixtureRoot = "/home/learner/kata"

// TestFixtures_AreCurrent runs each recorded fixture's exercise again and fails when the
// fixture no longer says what the tests say now (another test, another verdict, another first
// message), so that the parsers are never tested against output the exercises stopped
// producing. With -update it records them anew:
//
//	go test ./harness/internal/runner -run TestFixtures -update
//
// A re-recorded fixture also copies its learner file into ../report/testdata/repo, whose line
// numbers the report's tests read.
func TestFixtures_AreCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("runs exercises' tests")
	}
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recordings {
		t.Run(rec.fixture, func(t *testing.T) {
			e, err := m.Lookup(rec.exercise)
			if err != nil {
				t.Fatal(err)
			}
			live, learner := record(t, root, e, rec)
			path := filepath.Join("testdata", rec.fixture+".jsonl")
			if *update {
				write(t, path, live)
				write(t, filepath.Join("..", "report", "testdata", "repo", e.Dir(), e.Files[0]), learner)
				return
			}
			recorded, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := digest(Parse(strings.NewReader(live)), rec.racy), digest(Parse(strings.NewReader(string(recorded))), rec.racy); got != want {
				t.Errorf("%s is stale: the tests of %s say something else now.\nNow:\n%s\nRecorded:\n%s\nRe-record it: go test ./harness/internal/runner -run TestFixtures -update",
					path, e.Name, got, want)
			}
		})
	}
}

// record runs the recording and returns go test's output with the root rewritten, and the
// learner file it ran on.
func record(t *testing.T, root string, e manifest.Exercise, rec recording) (output, learner string) {
	t.Helper()
	file := filepath.Join(root, e.Dir(), e.Files[0])
	cfg := Config{Dir: root, Package: e.Package(), Flags: []string{"-count=1"}, Env: []string{"KATA_SEED=1"}}
	if rec.run != "" {
		cfg.Flags = append(cfg.Flags, "-run="+rec.run)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	learner = string(data)
	if rec.mutant != "" {
		mutants, err := mutant.Load(root, e)
		if err != nil {
			t.Fatal(err)
		}
		learner = ""
		for _, mu := range mutants {
			if mu.Name == rec.mutant {
				learner = mu.Source
			}
		}
		if learner == "" {
			t.Fatalf("%s has no mutant %s", e.Name, rec.mutant)
		}
		standIn := filepath.Join(t.TempDir(), e.Files[0])
		write(t, standIn, learner)
		cfg.Replace = map[string]string{file: standIn}
	}
	var out strings.Builder
	res, err := runCapture(cfg, &out)
	if err != nil {
		t.Fatal(err)
	}
	if res.BuildFailed {
		t.Fatalf("%s does not build:\n%s", e.Name, res.BuildOutput)
	}
	return strings.ReplaceAll(out.String(), root, fixtureRoot), learner
}

// runCapture runs go test -json with cfg and keeps its raw event stream.
func runCapture(cfg Config, raw *strings.Builder) (*Result, error) {
	_, cmd, done, err := cfg.command(context.Background())
	if err != nil {
		return nil, err
	}
	defer done()
	out, _ := cmd.Output() // a failing test is what most fixtures record
	raw.Write(out)
	return Parse(strings.NewReader(string(out))), nil
}

var numberRE = regexp.MustCompile(`\d+`)

// digest is what a fixture must keep saying: each top-level test, its verdict and, unless the
// recording is racy, the first line of its first message outside the race reports (which may
// come before or after it), numbers left out (random inputs, line numbers, goroutines).
func digest(r *Result, racy bool) string {
	var b strings.Builder
	for _, tt := range r.TopLevel() {
		first, race, inRace := "", false, false
		for _, l := range strings.Split(tt.Output, "\n") {
			l = strings.TrimSpace(l)
			switch {
			case l == "==================":
				inRace = !inRace
				race = true
				continue
			case inRace || first != "" || l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- "),
				strings.HasSuffix(l, "race detected during execution of test"):
				continue
			}
			first = l
		}
		_ = race // whether the detector caught the race in this one run varies: not part of the digest
		if racy {
			first = "(depends on the schedule)"
		}
		fmt.Fprintf(&b, "%s %s: %s\n", tt.Name, tt.Status, numberRE.ReplaceAllString(first, "#"))
	}
	return b.String()
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
