package manifest_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kata-go/concurrency/harness/internal/manifest"
)

const good = `format_version = 1
common_imports = ["sync", "errors"]
[[exercises]]
name = "01_cell"
title = "Changing the Unchangeable"
seed = "Changing the Unchangeable"
files = ["cell.go"]
points = 10
imports = ["fmt", "errors"]
hints = ["a", "b", "c"]

[[exercises]]
name = "02_rc"
title = "Shared References"
seed = "Shared References"
files = ["rc.go"]
points = 10
hints = ["a", "b", "c"]
`

func TestParse_Good(t *testing.T) {
	m, err := manifest.Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Exercises) != 2 {
		t.Fatalf("got %d exercises, want 2", len(m.Exercises))
	}
	if got, want := m.Exercises[0].Imports, []string{"errors", "fmt", "sync"}; !slices.Equal(got, want) {
		t.Errorf("01_cell imports = %v, want common and its own, sorted, each once: %v", got, want)
	}
	if got, want := m.Exercises[1].Imports, []string{"errors", "sync"}; !slices.Equal(got, want) {
		t.Errorf("02_rc imports = %v, want the common ones: %v", got, want)
	}
	e := m.Exercises[1]
	if e.Number() != 2 || e.Short() != "rc" || e.Dir() != "exercises/02_rc" || e.SolutionDir() != "solutions/02_rc" || e.Package() != "./exercises/02_rc" {
		t.Errorf("02_rc: Number %d, Short %q, Dir %q, SolutionDir %q, Package %q", e.Number(), e.Short(), e.Dir(), e.SolutionDir(), e.Package())
	}
}

func TestParse_Rejects(t *testing.T) {
	for _, tc := range []struct{ name, edit, from, want string }{
		{"unknown key", `points = 10`, "points = 10\npionts = 3", `unknown key "exercises.pionts"`},
		{"format version", `format_version = 1`, `format_version = 2`, "format_version is 2"},
		{"numbering", `name = "02_rc"`, `name = "03_rc"`, "numbered 3 but listed 2"},
		{"bad name", `name = "02_rc"`, `name = "rc"`, `name "rc" is not NN_name`},
		{"hints", `hints = ["a", "b", "c"]`, `hints = ["a"]`, "1 hint levels, want 3"},
		{"test file", `files = ["rc.go"]`, `files = ["rc_test.go"]`, "must be a plain .go file"},
		{"path", `files = ["rc.go"]`, `files = ["../rc.go"]`, "must be a plain .go file"},
		{"points", `points = 10`, `points = 0`, "points must be > 0"},
		{"task numbering", `hints = ["a", "b", "c"]
`, "hints = [\"a\", \"b\", \"c\"]\n[[exercises.tasks]]\nnumber = 2\ntitle = \"t\"\nhints = [\"h\"]\n", "task 1 is numbered 2"},
		{"Chinese hint levels", `hints = ["a", "b", "c"]
`, "hints = [\"a\", \"b\", \"c\"]\nhints_zh = [\"甲\", \"乙\"]\n", "2 Chinese hint levels (hints_zh) for 3 English ones"},
		{"Chinese task hint levels", `hints = ["a", "b", "c"]
`, "hints = [\"a\", \"b\", \"c\"]\n[[exercises.tasks]]\nnumber = 1\ntitle = \"t\"\nhints = [\"h\"]\nhints_zh = [\"甲\", \"乙\"]\n", "task 1 has 2 Chinese hint levels (hints_zh) for 1 English ones"},
		{"task hints", `hints = ["a", "b", "c"]
`, "hints = [\"a\", \"b\", \"c\"]\n[[exercises.tasks]]\nnumber = 1\ntitle = \"t\"\n", "task 1 has no hints"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := strings.Replace(good, tc.edit, tc.from, 1)
			_, err := manifest.Parse([]byte(data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse(%s) = %v, want an error containing %q", tc.name, err, tc.want)
			}
		})
	}
}

func TestParse_Tasks(t *testing.T) {
	data := good + "minutes = 30\n[[exercises.tasks]]\nnumber = 1\ntitle = \"Serve\"\nhints = [\"one\", \"two\"]\n"
	m, err := manifest.Parse([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	e := m.Exercises[1]
	if e.Minutes != 30 {
		t.Errorf("Minutes = %d, want 30", e.Minutes)
	}
	task, ok := e.Task(1)
	if !ok || task.Title != "Serve" || !slices.Equal(task.Hints, []string{"one", "two"}) {
		t.Errorf("Task(1) = %+v, %v; want Serve with two hints", task, ok)
	}
	if _, ok := e.Task(2); ok {
		t.Error("Task(2) found a task that is not there")
	}
}

func TestLookup(t *testing.T) {
	m, err := manifest.Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"01_cell", "cell", "1", "01", "CELL", "exercises/01_cell/"} {
		e, err := m.Lookup(name)
		if err != nil || e.Name != "01_cell" {
			t.Errorf("Lookup(%q) = %q, %v; want 01_cell", name, e.Name, err)
		}
	}
	_, err = m.Lookup("cel")
	if !errors.Is(err, manifest.ErrUnknownExercise) || !strings.Contains(err.Error(), "did you mean 01_cell?") {
		t.Errorf(`Lookup("cel") = %v; want ErrUnknownExercise suggesting 01_cell`, err)
	}
	_, err = m.Lookup("zzzzzzzzzz")
	if !errors.Is(err, manifest.ErrUnknownExercise) || strings.Contains(err.Error(), "did you mean") {
		t.Errorf(`Lookup("zzzzzzzzzz") = %v; want ErrUnknownExercise with no suggestion`, err)
	}
}

func TestLoadFS(t *testing.T) {
	_, err := manifest.LoadFS(fstest.MapFS{})
	if err == nil {
		t.Fatal("LoadFS of an empty tree: no error")
	}
	m, err := manifest.LoadFS(fstest.MapFS{manifest.Path: {Data: []byte(good)}})
	if err != nil || len(m.Exercises) != 2 {
		t.Fatalf("LoadFS = %v, %v", m, err)
	}
}

func TestFindRoot(t *testing.T) {
	root, err := manifest.FindRoot(".")
	if err != nil {
		t.Fatalf("FindRoot from inside the repository: %v", err)
	}
	if _, err := manifest.Load(root); err != nil {
		t.Errorf("the repository's own manifest: %v", err)
	}
	if _, err := manifest.FindRoot(t.TempDir()); !errors.Is(err, manifest.ErrNoRoot) {
		t.Errorf("FindRoot(empty temp dir) = %v, want ErrNoRoot", err)
	}
}

func TestUntranslated(t *testing.T) {
	m, err := manifest.Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"welcome_message_zh", "final_message_zh", "01_cell: hints_zh", "02_rc: hints_zh"}
	if got := m.Untranslated(); !slices.Equal(got, want) {
		t.Errorf("Untranslated() of a manifest without Chinese = %q, want %q", got, want)
	}

	zh := strings.Replace(good, "format_version = 1\n", "format_version = 1\nwelcome_message_zh = \"欢迎\"\nfinal_message_zh = \"完成\"\n", 1)
	zh = strings.ReplaceAll(zh, `hints = ["a", "b", "c"]`, `hints = ["a", "b", "c"]`+"\nhints_zh = [\"甲\", \"乙\", \"丙\"]")
	zh += "[[exercises.tasks]]\nnumber = 1\ntitle = \"t\"\nhints = [\"h\"]\n"
	m, err = manifest.Parse([]byte(zh))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Untranslated(), []string{"02_rc task 1: hints_zh"}; !slices.Equal(got, want) {
		t.Errorf("Untranslated() with a task left in English = %q, want %q", got, want)
	}
	if !slices.Equal(m.Exercises[0].HintsZh, []string{"甲", "乙", "丙"}) {
		t.Errorf("HintsZh = %q, want the three levels", m.Exercises[0].HintsZh)
	}

	blank := strings.Replace(zh, `"乙"`, `"  "`, 1)
	m, err = manifest.Parse([]byte(blank))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Untranslated(); !slices.Contains(got, "01_cell: hints_zh") {
		t.Errorf("Untranslated() with a blank Chinese level = %q, want it to list 01_cell: hints_zh", got)
	}
}
