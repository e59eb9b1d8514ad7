package grade

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kata-go/concurrency/harness/internal/grade/policy"
	"github.com/kata-go/concurrency/harness/internal/manifest"
)

// Every reference solution and alternate passes the grading policy with its exercise's
// allowed imports, so a correct solution is never refused. (A mutant may break it.)
func TestPolicy_SolutionsAndAlternatesAreAllowed(t *testing.T) {
	root := repoRoot(t)
	m, err := manifest.Load(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range m.Exercises {
		var files []string
		for _, f := range e.Files {
			files = append(files, filepath.Join(root, "solutions", e.Name, f))
		}
		alts, _ := filepath.Glob(filepath.Join(root, "harness", "testdata", "alternates", e.Name, "*.go"))
		files = append(files, alts...)
		for _, p := range files {
			src, err := os.ReadFile(p)
			if os.IsNotExist(err) {
				continue
			}
			if !assert.NoError(t, err) {
				continue
			}
			rel, _ := filepath.Rel(root, p)
			vs, err := policy.Check(rel, src, e.Imports)
			assert.NoError(t, err, rel)
			for _, v := range vs {
				t.Errorf("%s (imports allowed by the manifest: %v): %s", e.Name, e.Imports, v)
			}
		}
	}
}
