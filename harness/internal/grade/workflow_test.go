package grade

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

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
