package contract

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `# 01_cell: contract map

Prose before the table.

| task | sentence | tests | mutants |
|---|---|---|---|
| 1 | ` + "`Cell.Get`" + ` returns the value last stored. | TestCell_Get | get_returns_zero |
| 2 | Borrow fails while a RefMut is live \| even after a Release. | TestA, TestB | borrow_ignores_refmut, nil_sentinels |
| 3 | Release is idempotent. | TestA | release_twice (sched) |

Prose after the table, | with a bar.
`

func TestParse_ReadsRows(t *testing.T) {
	m, err := Parse("CONTRACT.md", []byte(sample))
	require.NoError(t, err)
	require.Len(t, m.Rows, 3)
	assert.Equal(t, Row{Line: 7, Task: "1", Sentence: "`Cell.Get` returns the value last stored.", Tests: []string{"TestCell_Get"}, Mutants: []Mutant{{Name: "get_returns_zero"}}}, m.Rows[0])
	assert.Equal(t, "Borrow fails while a RefMut is live | even after a Release.", m.Rows[1].Sentence)
	assert.Equal(t, []string{"TestA", "TestB"}, m.Rows[1].Tests)
	assert.Equal(t, []Mutant{{Name: "release_twice", Sched: true}}, m.Rows[2].Mutants)
}

func TestMap_Lookups(t *testing.T) {
	m, err := Parse("CONTRACT.md", []byte(sample))
	require.NoError(t, err)
	assert.Equal(t, []string{"TestA", "TestB"}, m.TestsOf("nil_sentinels"))
	assert.Empty(t, m.TestsOf("unknown"))
	assert.True(t, m.Sched("release_twice"))
	assert.False(t, m.Sched("get_returns_zero"))
}

func TestParse_Rejects(t *testing.T) {
	for name, tc := range map[string]struct{ text, want string }{
		"wrong columns": {"| task | sentence | tests |\n|---|---|---|\n| 1 | s | T |\n", "columns must be"},
		"no rows":       {"# nothing\n", "no table rows"},
		"no test":       {"| task | sentence | tests | mutants |\n|-|-|-|-|\n| 1 | s | - | m |\n", "names no test"},
		"no mutant":     {"| task | sentence | tests | mutants |\n|-|-|-|-|\n| 1 | s | T |  |\n", "names no mutant"},
		"extra cell":    {"| task | sentence | tests | mutants |\n|-|-|-|-|\n| 1 | s | x | T | m |\n", "5 cells"},
		"bad mutant":    {"| task | sentence | tests | mutants |\n|-|-|-|-|\n| 1 | s | T | two words |\n", "bad mutant"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("CONTRACT.md", []byte(tc.text))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestMap_Check(t *testing.T) {
	m, err := Parse("CONTRACT.md", []byte(sample))
	require.NoError(t, err)
	assert.Empty(t, m.Check([]string{"TestCell_Get", "TestA", "TestB"}, []string{"get_returns_zero", "borrow_ignores_refmut", "nil_sentinels", "release_twice"}))

	errs := m.Check([]string{"TestCell_Get", "TestA"}, []string{"get_returns_zero", "borrow_ignores_refmut", "nil_sentinels", "orphan"})
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	text := strings.Join(msgs, "\n")
	assert.Contains(t, text, "CONTRACT.md:8: TestB is not a top-level test")
	assert.Contains(t, text, "CONTRACT.md:9: no mutant release_twice.diff")
	assert.Contains(t, text, "mutant orphan.diff is in no row")
	assert.Len(t, errs, 3)
}
