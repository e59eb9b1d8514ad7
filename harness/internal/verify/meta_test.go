package verify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kata-go/concurrency/harness/internal/contract"
	"github.com/kata-go/concurrency/harness/internal/mutant"
	"github.com/kata-go/concurrency/harness/internal/translation"
)

// TestVerify_FailsOnABadExercise proves that verification can fail: it runs the verification
// of a copy of 01_cell whose "mutants" behave exactly like the solution, whose contract map
// blames a real mutant on a test that does not catch it, and whose "alternate" is wrong, and
// expects all three to be reported.
func TestVerify_FailsOnABadExercise(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a fixture repository; skipped with -short")
	}
	if os.Getenv("KATA_VERIFY_FIXTURE") != "" {
		t.Skip("already inside a fixture")
	}
	dir := t.TempDir()
	for _, p := range append(ownPackages(t), "go.mod", "go.sum", "harness", "exercises/01_cell", "solutions/01_cell") {
		copyFiles(t, filepath.Join(root, p), filepath.Join(dir, p))
	}
	m, err := os.ReadFile(filepath.Join(root, "exercises", "manifest.toml"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(m), "\n[[exercises]]\nname = \"02_")
	write(t, filepath.Join(dir, "exercises", "manifest.toml"), first)

	solution, err := os.ReadFile(solutionFile(man.Exercises[0]))
	if err != nil {
		t.Fatal(err)
	}
	e := man.Exercises[0]
	mutants, err := mutant.Load(root, e)
	if err != nil {
		t.Fatal(err)
	}
	var wrong string
	for _, m := range mutants {
		if m.Name == "take_keeps_value" {
			wrong = m.Source
		}
	}
	for i := range 5 {
		name := "same_as_solution" + string(rune('a'+i))
		same := "// A comment, and nothing else.\n" + string(solution)
		write(t, filepath.Join(dir, mutant.Dir(e), name+".diff"),
			mutant.Format(e, name, "nothing at all, it is the solution with a comment.", string(solution), same))
	}
	// Take keeping its value is no fault of RefCell's: a RefCell test cannot be the one that
	// catches it.
	write(t, filepath.Join(dir, mutant.Dir(e), "take_keeps_value.diff"),
		mutant.Format(e, "take_keeps_value", "Take returns the value but leaves it in the cell.", string(solution), wrong))
	tests, err := topLevelTests(filepath.Join(root, e.Dir(), e.Short()+"_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	refCellTest := tests[slices.IndexFunc(tests, func(name string) bool { return strings.HasPrefix(name, "TestRefCell") })]
	write(t, filepath.Join(dir, mutant.Dir(e), contract.FileName), fmt.Sprintf(`| task | sentence | tests | mutants |
|---|---|---|---|
| 1 | Nothing at all. | %s | same_as_solutiona, same_as_solutionb, same_as_solutionc, same_as_solutiond, same_as_solutione |
| 1 | Take leaves the zero value. | %s | take_keeps_value |
`, tests[0], refCellTest))
	write(t, filepath.Join(dir, "harness/testdata/alternates/01_cell/wrong.go"),
		"// Alternate of 01_cell: not correct at all, Take keeps the value.\n"+wrong)

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-race", "-count=1", "-run=^TestExercises$", "./harness/internal/verify")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KATA_VERIFY_FIXTURE=1", "GORACE=atexit_sleep_ms=0")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("verification passed on a fixture it must reject:\n%s", out)
	}
	for _, want := range []string{
		"--- FAIL: TestExercises/01_cell/mutant=same_as_solutiona",
		"was not caught: every test of 01_cell passed on it",
		"--- FAIL: TestExercises/01_cell/alternate=wrong",
		"TestCell_TakeLeavesTheZeroValue failed",
		"--- FAIL: TestExercises/01_cell/mutant=take_keeps_value",
		"was caught, but not by the tests its row of harness/testdata/mutants/01_cell/CONTRACT.md names (" + refCellTest + ")",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("verification output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "--- FAIL: TestExercises/01_cell/solution") || strings.Contains(string(out), "--- FAIL: TestExercises/01_cell/stub") {
		t.Errorf("verification blamed the fixture's stub or solution, which are fine:\n%s", out)
	}
}

// ownPackages lists the folders, relative to root, of this module's packages that the
// verification's tests and the first exercise's tests need.
func ownPackages(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-test", "-f", "{{with .Module}}{{if .Main}}{{$.Dir}}{{end}}{{end}}", "./harness/internal/verify", "./"+man.Exercises[0].Dir())
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var dirs []string
	for _, d := range strings.Fields(string(out)) {
		if r, err := filepath.Rel(root, d); err == nil && !strings.HasPrefix(r, "..") {
			dirs = append(dirs, r)
		}
	}
	return dirs
}

// copyFiles copies the regular files of from (not its sub-folders) into to.
func copyFiles(t *testing.T, from, to string) {
	t.Helper()
	info, err := os.Stat(from)
	if err != nil {
		t.Fatal(err)
	}
	if !info.IsDir() {
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		write(t, to, string(data))
		return
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			copyFiles(t, filepath.Join(from, e.Name()), filepath.Join(to, e.Name()))
		}
	}
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), fs.FileMode(0o644)); err != nil {
		t.Fatal(err)
	}
}

// TestDevcontainer_GoVersionMatchesGoMod keeps the Codespaces environment on the Go that
// go.mod asks for: the image's Go minor version is go.mod's.
func TestDevcontainer_GoVersionMatchesGoMod(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, ".devcontainer", "devcontainer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dc struct {
		Image string `json:"image"`
	}
	if err := json.Unmarshal(data, &dc); err != nil {
		t.Fatalf(".devcontainer/devcontainer.json: %v (keep it plain JSON, without comments)", err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	if goLine == nil {
		t.Fatal("go.mod has no go directive")
	}
	_, tag, _ := strings.Cut(dc.Image, ":")
	if !strings.HasPrefix(tag, string(goLine[1])+"-") && tag != string(goLine[1]) {
		t.Errorf(".devcontainer/devcontainer.json uses image %s; go.mod needs go %s: use the %s tag", dc.Image, goLine[1], goLine[1])
	}
}

// TestTranslations keeps every README's Simplified Chinese translation (README.zh-CN.md beside
// it) true to the English: the same code blocks byte for byte, headings per level, task numbers
// and commands. A changed English README needs its translation changed in the same commit.
func TestTranslations(t *testing.T) {
	readmes := []string{"README.md"}
	for _, e := range man.Exercises {
		readmes = append(readmes, e.Dir()+"/README.md")
	}
	for _, readme := range readmes {
		if err := translation.CompareFiles(os.DirFS(root), readme); err != nil {
			t.Errorf("%v\nUpdate %s with %s (CONTRIBUTING.md, \"Translations\").", err, translation.Path(readme), readme)
		}
	}
}

// TestManifest_ChineseHints requires the manifest's Simplified Chinese beside its English: the
// welcome and final messages, and every hint level of every exercise and task (kata shows
// them when KATA_LANG or the locale asks for Chinese).
func TestManifest_ChineseHints(t *testing.T) {
	for _, missing := range man.Untranslated() {
		t.Errorf("exercises/manifest.toml: no %s; write the Chinese beside the English (CONTRIBUTING.md, \"Translations\")", missing)
	}
}
