// Package manifest reads exercises/manifest.toml, the one list of the kata's exercises in
// learning order. Verification, the kata CLI and the grader all read it through this package.
package manifest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/kata-go/concurrency/harness/internal/suggest"
)

// Path is where the manifest lives, relative to the repository root.
const Path = "exercises/manifest.toml"

// FormatVersion is the manifest format this package reads.
const FormatVersion = 1

// ErrNoRoot is returned by FindRoot when no folder above the start holds the manifest.
var ErrNoRoot = errors.New("not inside the kata repository (no " + Path + " found in this folder or above)")

// ErrUnknownExercise is wrapped by Manifest.Lookup when a name matches no exercise.
var ErrUnknownExercise = errors.New("no such exercise")

// Manifest is the parsed exercises/manifest.toml.
type Manifest struct {
	FormatVersion  int    `toml:"format_version"`
	WelcomeMessage string `toml:"welcome_message"`
	FinalMessage   string `toml:"final_message"`
	// WelcomeMessageZh and FinalMessageZh are the two messages in Simplified Chinese.
	WelcomeMessageZh string `toml:"welcome_message_zh"`
	FinalMessageZh   string `toml:"final_message_zh"`
	// CommonImports may be imported by the learner files of every exercise. Parse merges them
	// into each Exercise.Imports, so that a correct solution built with, say, sync/atomic where
	// the reference used a mutex is never refused by the grader.
	CommonImports []string   `toml:"common_imports"`
	Exercises     []Exercise `toml:"exercises"`
}

// Exercise is one [[exercises]] entry.
type Exercise struct {
	// Name is the folder name under exercises/ and solutions/, such as "01_cell".
	Name string `toml:"name"`
	// Title is the seed section's English title, shown to the learner.
	Title string `toml:"title"`
	// Seed is the heading of the seed chapter's section the exercise maps into Go.
	Seed string `toml:"seed"`
	// Files are the learner-editable files, relative to the exercise folder. They are the only
	// files the grader takes from a submission.
	Files []string `toml:"files"`
	// Points is the exercise's weight in a grade, split evenly over its top-level tests.
	Points int `toml:"points"`
	// Imports are the packages the learner files may import when graded: the manifest's
	// common_imports and the exercise's own imports, sorted, each once.
	Imports []string `toml:"imports"`
	// Hints come in levels: a nudge, an approach, nearly the answer. Shown one at a time.
	Hints []string `toml:"hints"`
	// HintsZh are the same levels in Simplified Chinese, one for each of Hints.
	HintsZh []string `toml:"hints_zh"`
	// Minutes is roughly how long the exercise takes a learner who has done the ones before it.
	Minutes int `toml:"minutes"`
	// Tasks are the hints of the README's numbered tasks, for an exercise whose tasks each add
	// one idea: [[exercises.tasks]] entries, numbered from 1 as in the README.
	Tasks []Task `toml:"tasks"`
}

// Task is the hints of one numbered task of an exercise's README.
type Task struct {
	Number int      `toml:"number"`
	Title  string   `toml:"title"`
	Hints  []string `toml:"hints"` // levels, as for the exercise's hints
	// HintsZh are the same levels in Simplified Chinese, one for each of Hints.
	HintsZh []string `toml:"hints_zh"`
}

// FormatMinutes writes a rough duration as the README's table does: "45 min", "1 h", "1.5 h".
func FormatMinutes(m int) string {
	switch {
	case m < 60:
		return fmt.Sprintf("%d min", m)
	case m%60 == 0:
		return fmt.Sprintf("%d h", m/60)
	default:
		return strconv.FormatFloat(float64(m)/60, 'f', 1, 64) + " h"
	}
}

// Task returns the task numbered n, and whether there is one.
func (e Exercise) Task(n int) (Task, bool) {
	for _, t := range e.Tasks {
		if t.Number == n {
			return t, true
		}
	}
	return Task{}, false
}

var namePattern = regexp.MustCompile(`^([0-9]{2})_([a-z][a-z0-9]*)$`)

// Number is the exercise's position as written in its name (1 for "01_cell").
func (e Exercise) Number() int {
	n, _ := strconv.Atoi(e.Name[:2])
	return n
}

// Short is the name without its number ("cell" for "01_cell"): the Go package name.
func (e Exercise) Short() string { return e.Name[3:] }

// Dir is the exercise folder relative to the repository root, with forward slashes.
func (e Exercise) Dir() string { return "exercises/" + e.Name }

// SolutionDir is the reference solution's folder relative to the repository root.
func (e Exercise) SolutionDir() string { return "solutions/" + e.Name }

// Package is the exercise's import path pattern for go test, relative to the module root.
func (e Exercise) Package() string { return "./" + e.Dir() }

// Load reads and checks the manifest of the repository at root.
func Load(root string) (*Manifest, error) {
	return LoadFS(os.DirFS(root))
}

// LoadFS reads and checks the manifest at Path inside fsys.
func LoadFS(fsys fs.FS) (*Manifest, error) {
	data, err := fs.ReadFile(fsys, Path)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return Parse(data)
}

// Parse decodes and checks a manifest. Unknown keys are an error, so a typo never goes unseen.
func Parse(data []byte) (*Manifest, error) {
	var m Manifest
	md, err := toml.Decode(string(data), &m)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	if keys := md.Undecoded(); len(keys) > 0 {
		return nil, fmt.Errorf("manifest: unknown key %q", keys[0].String())
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	for i := range m.Exercises {
		imports := append(slices.Clone(m.CommonImports), m.Exercises[i].Imports...)
		slices.Sort(imports)
		m.Exercises[i].Imports = slices.Compact(imports)
	}
	return &m, nil
}

func (m *Manifest) check() error {
	if m.FormatVersion != FormatVersion {
		return fmt.Errorf("format_version is %d, this kata reads %d", m.FormatVersion, FormatVersion)
	}
	if len(m.Exercises) == 0 {
		return errors.New("no exercises")
	}
	seen := map[string]bool{}
	for i, e := range m.Exercises {
		if !namePattern.MatchString(e.Name) {
			return fmt.Errorf("exercise %d: name %q is not NN_name", i+1, e.Name)
		}
		if e.Number() != i+1 {
			return fmt.Errorf("exercise %s: numbered %d but listed %d", e.Name, e.Number(), i+1)
		}
		if seen[e.Short()] {
			return fmt.Errorf("exercise %s: name used twice", e.Name)
		}
		seen[e.Short()] = true
		switch {
		case e.Title == "":
			return fmt.Errorf("exercise %s: no title", e.Name)
		case e.Seed == "":
			return fmt.Errorf("exercise %s: no seed section", e.Name)
		case len(e.Files) == 0:
			return fmt.Errorf("exercise %s: no learner files", e.Name)
		case e.Points <= 0:
			return fmt.Errorf("exercise %s: points must be > 0", e.Name)
		case len(e.Hints) < 3:
			return fmt.Errorf("exercise %s: %d hint levels, want 3 (a nudge, an approach, nearly the answer)", e.Name, len(e.Hints))
		case len(e.HintsZh) > 0 && len(e.HintsZh) != len(e.Hints):
			return fmt.Errorf("exercise %s: %d Chinese hint levels (hints_zh) for %d English ones: translate each level", e.Name, len(e.HintsZh), len(e.Hints))
		}
		for j, t := range e.Tasks {
			switch {
			case t.Number != j+1:
				return fmt.Errorf("exercise %s: task %d is numbered %d; number tasks 1, 2, ... as the README does", e.Name, j+1, t.Number)
			case t.Title == "":
				return fmt.Errorf("exercise %s: task %d has no title", e.Name, t.Number)
			case len(t.Hints) == 0:
				return fmt.Errorf("exercise %s: task %d has no hints", e.Name, t.Number)
			case len(t.HintsZh) > 0 && len(t.HintsZh) != len(t.Hints):
				return fmt.Errorf("exercise %s: task %d has %d Chinese hint levels (hints_zh) for %d English ones: translate each level", e.Name, t.Number, len(t.HintsZh), len(t.Hints))
			}
		}
		for _, f := range e.Files {
			if f != filepath.Base(f) || !strings.HasSuffix(f, ".go") || strings.HasSuffix(f, "_test.go") {
				return fmt.Errorf("exercise %s: learner file %q must be a plain .go file in the exercise folder", e.Name, f)
			}
		}
	}
	return nil
}

// Untranslated lists what the manifest has in English and not yet in Simplified Chinese: the
// welcome and final messages, and the hints of every exercise and task, each named as its key
// ("01_cell: hints_zh", "11_tcp task 3: hints_zh"); nil when everything is translated. Parse
// already refuses Chinese hints whose levels do not match the English ones.
func (m *Manifest) Untranslated() []string {
	var out []string
	if strings.TrimSpace(m.WelcomeMessageZh) == "" {
		out = append(out, "welcome_message_zh")
	}
	if strings.TrimSpace(m.FinalMessageZh) == "" {
		out = append(out, "final_message_zh")
	}
	for _, e := range m.Exercises {
		if !translated(e.HintsZh) {
			out = append(out, e.Name+": hints_zh")
		}
		for _, t := range e.Tasks {
			if !translated(t.HintsZh) {
				out = append(out, fmt.Sprintf("%s task %d: hints_zh", e.Name, t.Number))
			}
		}
	}
	return out
}

// translated reports whether every level of hints says something.
func translated(hints []string) bool {
	return len(hints) > 0 && !slices.ContainsFunc(hints, func(h string) bool { return strings.TrimSpace(h) == "" })
}

// Lookup finds an exercise by its full name ("01_cell"), its short name ("cell") or its
// number ("1" or "01"). The error wraps ErrUnknownExercise and suggests the closest names.
func (m *Manifest) Lookup(name string) (Exercise, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	key = strings.TrimSuffix(strings.TrimPrefix(key, "exercises/"), "/")
	for _, e := range m.Exercises {
		if key == e.Name || key == e.Short() {
			return e, nil
		}
		if n, err := strconv.Atoi(key); err == nil && n == e.Number() {
			return e, nil
		}
	}
	if close := m.Closest(key, 3); len(close) > 0 {
		return Exercise{}, fmt.Errorf("%w %q; did you mean %s?", ErrUnknownExercise, name, strings.Join(close, ", "))
	}
	return Exercise{}, fmt.Errorf("%w %q", ErrUnknownExercise, name)
}

// Closest returns up to n exercise names nearest to name by edit distance, nearest first.
func (m *Manifest) Closest(name string, n int) []string {
	limit := max(2, len(name)/2)
	var out []string
	for _, e := range m.Exercises {
		if suggest.Distance(name, e.Name) <= limit || suggest.Distance(name, e.Short()) <= limit {
			out = append(out, e.Name)
		}
	}
	// Rank by the nearer of the two spellings.
	near := func(e string) int { return min(suggest.Distance(name, e), suggest.Distance(name, e[3:])) }
	slices.SortStableFunc(out, func(a, b string) int { return near(a) - near(b) })
	return out[:min(n, len(out))]
}

// FindRoot walks up from dir to the repository root: the first folder holding Path.
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(Path))); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNoRoot
		}
		dir = parent
	}
}
