// Package state keeps the kata CLI's progress file, .kata-state.json at the repository root
// (ignored by git). The file only caches what the tests said: the CLI rebuilds it from the
// tests when it is missing or cannot be read, and a test run always overrules it.
package state

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// FileName is the progress file's name, at the repository root.
const FileName = ".kata-state.json"

// Version is the file format this package writes and reads.
const Version = 1

// note heads the file, for a learner who opens it.
const note = "kata's progress file: a cache of what the tests said. Safe to delete; kata rebuilds it from the tests."

// ErrMissing is returned by Load when there is no progress file yet.
var ErrMissing = errors.New("no progress file yet")

// ErrCorrupt is wrapped by Load's error when the progress file cannot be read as one.
var ErrCorrupt = errors.New("progress file unreadable")

// State is the learner's progress.
type State struct {
	// Current is the exercise the learner is on: the default of check and watch.
	Current string
	// Exercises holds one entry per exercise ever touched, keyed by the exercise's full name.
	Exercises map[string]*Exercise
}

// Exercise is the progress of one exercise.
type Exercise struct {
	// Done is what the last run of its tests said: all of them passed.
	Done bool `json:"done"`
	// Passed and Total count the top-level tests of the last run.
	Passed int `json:"passed"`
	Total  int `json:"total"`
	// Hash identifies the exercise folder's Go files at the last run (see Hash); a different
	// hash now means the last result may be stale.
	Hash string `json:"hash,omitempty"`
	// HintsSeen is the highest hint level shown (0 for none).
	HintsSeen int `json:"hints_seen"`
	// TaskHintsSeen is the highest hint level shown of each task that has hints of its own,
	// by task number.
	TaskHintsSeen map[int]int `json:"task_hints_seen,omitempty"`
	// Attempts counts the runs of its tests through kata.
	Attempts int `json:"attempts"`
	// FirstTry and LastTry are the times of the first and the last of those runs.
	FirstTry time.Time `json:"first_try,omitzero"`
	LastTry  time.Time `json:"last_try,omitzero"`
}

type file struct {
	Note      string               `json:"note"`
	Version   int                  `json:"version"`
	Current   string               `json:"current,omitempty"`
	Exercises map[string]*Exercise `json:"exercises"`
}

// New returns an empty State.
func New() *State { return &State{Exercises: map[string]*Exercise{}} }

// Path is the progress file of the repository at root.
func Path(root string) string { return filepath.Join(root, FileName) }

// Load reads the progress file of the repository at root. When the file is missing (ErrMissing)
// or unreadable (an error wrapping ErrCorrupt), it returns an empty State together with the
// error, so the caller can rebuild the progress from the tests; it never fails otherwise.
func Load(root string) (*State, error) {
	data, err := os.ReadFile(Path(root))
	if errors.Is(err, fs.ErrNotExist) {
		return New(), ErrMissing
	}
	if err != nil {
		return New(), fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	s, err := Parse(data)
	if err != nil {
		return New(), err
	}
	return s, nil
}

// Parse decodes a progress file. The error wraps ErrCorrupt.
func Parse(data []byte) (*State, error) {
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if f.Version != Version {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrCorrupt, f.Version, Version)
	}
	s := New()
	s.Current = f.Current
	for name, e := range f.Exercises {
		if e == nil || e.HintsSeen < 0 || e.Attempts < 0 || e.Passed < 0 || e.Total < e.Passed {
			return nil, fmt.Errorf("%w: bad entry for %q", ErrCorrupt, name)
		}
		s.Exercises[name] = e
	}
	return s, nil
}

// Save writes the progress file of the repository at root, replacing it in one step so that
// a reader never sees half a file.
func (s *State) Save(root string) error {
	data, err := json.MarshalIndent(file{Note: note, Version: Version, Current: s.Current, Exercises: s.Exercises}, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(root, FileName+".*")
	if err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save progress: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	if err := os.Rename(tmp.Name(), Path(root)); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	return nil
}

// Get returns the entry of the exercise name, adding an empty one when there is none.
func (s *State) Get(name string) *Exercise {
	e := s.Exercises[name]
	if e == nil {
		e = &Exercise{}
		s.Exercises[name] = e
	}
	return e
}

// Record notes a run of the exercise name's tests at now: whether all passed, how many of the
// total top-level tests passed, and the hash of the files it ran on.
func (s *State) Record(name string, done bool, passed, total int, hash string, now time.Time) {
	e := s.Get(name)
	e.Done = done
	e.Passed, e.Total = passed, total
	e.Hash = hash
	e.Attempts++
	if e.FirstTry.IsZero() {
		e.FirstTry = now
	}
	e.LastTry = now
}

// Hash identifies the Go files of the folder dir (names and contents): the learner's files and
// the tests. It is "" when dir cannot be read.
func Hash(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	h := sha256.New()
	names := []string{}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return ""
		}
		h.Write([]byte(n))
		h.Write([]byte{0})
		h.Write(data)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
