package grade

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// actionlint is pinned; `go run pkg@version` fetches it through the module proxy without
// touching go.mod.
const actionlint = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"

// Every workflow of the repository passes actionlint.
func TestWorkflows_Actionlint(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: actionlint is not run")
	}
	root := repoRoot(t)
	files, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"run", actionlint, "-no-color"}, files...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	assert.NoError(t, err, "actionlint %s:\n%s", strings.Join(files, " "), out)
}

// The learner's workflow grades the submission with the pristine tests, in the sandbox, and
// keeps the JSON and JUnit reports.
func TestWorkflows_GradeRunsTheGrader(t *testing.T) {
	wf := string(readFile(t, filepath.Join(repoRoot(t), ".github", "workflows", "grade.yml")))
	for _, want := range []string{
		"on:\n  push:",
		"repository: ${{ env.KATA_REPOSITORY }}",
		"ref: ${{ env.KATA_REF }}",
		"kata grade --submission ../submission --sandbox require",
		"--format text,markdown,json,junit,autograding --out ../kata-report",
		"actions/upload-artifact@",
		"bubblewrap",
	} {
		assert.Contains(t, wf, want)
	}
}
