package runner

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// BuildTests finds the binary the go command wrote on every system (on Windows its name ends
// in .exe), and RunBinary runs it.
func TestBuildTests_FindsAndRunsTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	dir := module(t, map[string]string{"p/p_test.go": "package p\n\nimport \"testing\"\n\nfunc TestOK(t *testing.T) {}\n"})
	const pkg = "example.test/m/p"
	builds, err := BuildTests(context.Background(), dir, t.TempDir(), []string{pkg}, nil)
	require.NoError(t, err)
	b := builds[pkg]
	require.NotEmpty(t, b.Binary, "BuildTests found no binary: %s", b.Output)

	res, err := RunBinary(context.Background(), b.Binary, filepath.Join(dir, "p"), time.Minute)
	require.NoError(t, err)
	ok, _ := res.Test("TestOK")
	assert.Equal(t, Pass, ok.Status, "TestOK: %s", ok.Output)
}
