package state

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoad_MissingFileIsAnEmptyStateAndErrMissing(t *testing.T) {
	s, err := Load(t.TempDir())
	assert.ErrorIs(t, err, ErrMissing)
	require.NotNil(t, s)
	assert.Empty(t, s.Exercises)
	assert.Empty(t, s.Current)
}

func TestLoad_CorruptFileIsAnEmptyStateAndErrCorrupt(t *testing.T) {
	for name, content := range map[string]string{
		"not json":      "{ this is not json",
		"empty":         "",
		"wrong version": `{"version": 99, "exercises": {}}`,
		"bad entry":     `{"version": 1, "exercises": {"01_cell": {"attempts": -3}}}`,
		"null entry":    `{"version": 1, "exercises": {"01_cell": null}}`,
		"wrong type":    `{"version": 1, "exercises": []}`,
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			require.NoError(t, os.WriteFile(Path(root), []byte(content), 0o644))
			s, err := Load(root)
			assert.ErrorIs(t, err, ErrCorrupt)
			require.NotNil(t, s)
			assert.Empty(t, s.Exercises)
		})
	}
}

func TestSave_ThenLoadGivesTheSameState(t *testing.T) {
	root := t.TempDir()
	s := New()
	s.Current = "02_rc"
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.Record("01_cell", false, 3, 11, "abc", now)
	s.Record("01_cell", true, 11, 11, "def", now.Add(time.Hour))
	s.Get("02_rc").HintsSeen = 2
	require.NoError(t, s.Save(root))

	got, err := Load(root)
	require.NoError(t, err)
	assert.Equal(t, "02_rc", got.Current)
	cell := got.Exercises["01_cell"]
	require.NotNil(t, cell)
	assert.Equal(t, Exercise{Done: true, Passed: 11, Total: 11, Hash: "def", Attempts: 2, FirstTry: now, LastTry: now.Add(time.Hour)}, *cell)
	assert.Equal(t, 2, got.Exercises["02_rc"].HintsSeen)

	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "Save leaves no temporary file behind")
	data, err := os.ReadFile(Path(root))
	require.NoError(t, err)
	assert.Contains(t, string(data), `"note": "kata's progress file`)
}

func TestHash_ChangesWithTheGoFilesOnly(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	write("cell.go", "package cell\n")
	write("cell_test.go", "package cell_test\n")
	h1 := Hash(dir)
	assert.Len(t, h1, 16)
	write("README.md", "notes")
	assert.Equal(t, h1, Hash(dir), "a README does not count")
	write("cell.go", "package cell\n\n// edited\n")
	assert.NotEqual(t, h1, Hash(dir), "an edit to the learner file counts")
	assert.Empty(t, Hash(filepath.Join(dir, "nope")), "an unreadable folder")
}
