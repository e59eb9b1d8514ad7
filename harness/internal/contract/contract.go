// Package contract reads an exercise's contract map: harness/testdata/mutants/NN_name/CONTRACT.md,
// a Markdown table that lists every sentence of the exercise's contract (the stub's doc comments
// and the README's tasks) that states behaviour, with the top-level tests that fail when only
// that sentence is broken and the mutants that break only it:
//
//	| task | sentence | tests | mutants |
//	|---|---|---|---|
//	| 2 | Borrow fails with ErrAlreadyMutablyBorrowed while a RefMut is live. | TestRefCell_BorrowWhileMut | borrow_ignores_refmut |
//	| 3 | Release is idempotent, even with other borrows in between. | TestRefCell_ReleaseTwice | release_twice (sched) |
//
// Tests and mutants are comma-separated; a mutant is its file name without ".diff", marked
// "(sched)" when its bug shows only under some interleavings. Verification checks the map
// against the tests and the mutants (see package verify).
package contract

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/manifest"
	"github.com/kata-go/concurrency/harness/internal/mutant"
)

// FileName is the contract map's name in an exercise's mutants folder.
const FileName = "CONTRACT.md"

// ErrMissing is returned by Load when an exercise has no contract map.
var ErrMissing = errors.New("no contract map")

// Map is one exercise's contract map.
type Map struct {
	Path string // the file, as given to Parse
	Rows []Row
}

// Row is one sentence of the contract.
type Row struct {
	Line     int    // the row's line in the file, from 1
	Task     string // the README's task number, as written
	Sentence string
	Tests    []string
	Mutants  []Mutant
}

// Mutant is a mutant named in a row.
type Mutant struct {
	Name  string // the .diff file's name without the extension
	Sched bool   // marked "(sched)": caught only by forcing an interleaving
}

var header = []string{"task", "sentence", "tests", "mutants"}

// Load reads the contract map of e in the repository at root. It wraps ErrMissing when the
// file does not exist.
func Load(root string, e manifest.Exercise) (*Map, error) {
	p := filepath.Join(root, mutant.Dir(e), FileName)
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", filepath.Join(mutant.Dir(e), FileName), ErrMissing)
	}
	if err != nil {
		return nil, err
	}
	return Parse(filepath.Join(mutant.Dir(e), FileName), data)
}

// Parse reads a contract map. Text outside the table is prose and ignored; the table must
// have the columns task, sentence, tests and mutants, and every row at least one test and one
// mutant.
func Parse(name string, data []byte) (*Map, error) {
	m := &Map{Path: name}
	sc := bufio.NewScanner(bytes.NewReader(data))
	inTable := false
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break // one table; what follows is prose
			}
			continue
		}
		cells := splitRow(line)
		switch {
		case !inTable:
			if !slices.Equal(lower(cells), header) {
				return nil, fmt.Errorf("%s:%d: the table's columns must be %s, got %s", name, n, strings.Join(header, " | "), strings.Join(cells, " | "))
			}
			inTable = true
		case isRule(cells):
		default:
			row, err := parseRow(cells)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, n, err)
			}
			row.Line = n
			m.Rows = append(m.Rows, row)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(m.Rows) == 0 {
		return nil, fmt.Errorf("%s: no table rows: want | %s |", name, strings.Join(header, " | "))
	}
	return m, nil
}

func parseRow(cells []string) (Row, error) {
	if len(cells) != len(header) {
		return Row{}, fmt.Errorf("%d cells, want %d (%s); a | inside a sentence must be written \\|", len(cells), len(header), strings.Join(header, " | "))
	}
	r := Row{Task: cells[0], Sentence: cells[1], Tests: list(cells[2])}
	if r.Sentence == "" {
		return r, errors.New("the sentence is empty")
	}
	if len(r.Tests) == 0 {
		return r, fmt.Errorf("%q names no test", r.Sentence)
	}
	for _, s := range list(cells[3]) {
		name, sched := strings.CutSuffix(s, "(sched)")
		name = strings.TrimSpace(name)
		if name == "" || strings.ContainsAny(name, " ()") {
			return r, fmt.Errorf("bad mutant %q: want a file name without .diff, optionally followed by (sched)", s)
		}
		r.Mutants = append(r.Mutants, Mutant{Name: name, Sched: sched})
	}
	if len(r.Mutants) == 0 {
		return r, fmt.Errorf("%q names no mutant", r.Sentence)
	}
	return r, nil
}

// splitRow splits a table row into trimmed cells, honouring \| as a literal bar.
func splitRow(line string) []string {
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	line = strings.ReplaceAll(line, `\|`, "\x00")
	cells := strings.Split(line, "|")
	for i, c := range cells {
		cells[i] = strings.ReplaceAll(strings.TrimSpace(c), "\x00", "|")
	}
	return cells
}

func isRule(cells []string) bool {
	for _, c := range cells {
		if strings.Trim(c, "-: ") != "" {
			return false
		}
	}
	return true
}

func lower(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.ToLower(c)
	}
	return out
}

func list(cell string) []string {
	var out []string
	for _, s := range strings.Split(cell, ",") {
		if s = strings.Trim(strings.TrimSpace(s), "`"); s != "" && s != "-" && s != "—" {
			out = append(out, s)
		}
	}
	return out
}

// RowsOf returns the rows that name the mutant.
func (m *Map) RowsOf(mutant string) []Row {
	var out []Row
	for _, r := range m.Rows {
		if slices.ContainsFunc(r.Mutants, func(x Mutant) bool { return x.Name == mutant }) {
			out = append(out, r)
		}
	}
	return out
}

// TestsOf returns the tests of every row that names the mutant, each once, in map order.
func (m *Map) TestsOf(mutant string) []string {
	var out []string
	for _, r := range m.RowsOf(mutant) {
		for _, t := range r.Tests {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out
}

// Sched reports whether any row marks the mutant "(sched)".
func (m *Map) Sched(mutant string) bool {
	for _, r := range m.Rows {
		for _, x := range r.Mutants {
			if x.Name == mutant && x.Sched {
				return true
			}
		}
	}
	return false
}

// Check compares the map with the exercise's top-level tests and mutants and returns one
// error per fault: a test or mutant the map names that does not exist, and a mutant that no
// row names.
func (m *Map) Check(tests, mutants []string) []error {
	var errs []error
	for _, r := range m.Rows {
		for _, t := range r.Tests {
			if !slices.Contains(tests, t) {
				errs = append(errs, fmt.Errorf("%s:%d: %s is not a top-level test of the exercise", m.Path, r.Line, t))
			}
		}
		for _, x := range r.Mutants {
			if !slices.Contains(mutants, x.Name) {
				errs = append(errs, fmt.Errorf("%s:%d: no mutant %s.diff in this folder", m.Path, r.Line, x.Name))
			}
		}
	}
	for _, name := range mutants {
		if len(m.RowsOf(name)) == 0 {
			errs = append(errs, fmt.Errorf("%s: mutant %s.diff is in no row: add it to the row of the sentence it breaks", m.Path, name))
		}
	}
	return errs
}
