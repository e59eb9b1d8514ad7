package translation_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kata-go/concurrency/harness/internal/translation"
)

const english = "# 01 · Cells\n\n" +
	"## The Rust idea\n\n" +
	"```rust\nlet c = Cell::new(42); // a comment stays English\n```\n\n" +
	"## Tasks\n\n" +
	"1. `Cell`: `Get` and `Set`.\n" +
	"2. `RefCell`: borrows.\n\n" +
	"### Task 2 in detail\n\nRun `go test -race ./exercises/01_cell` or `go tool kata\nhint cell`.\n\n" +
	"## Run\n\n" +
	"```sh\ngo test -race ./exercises/01_cell\n# a comment, not a heading\n```\n"

const chinese = "# 01 · Cells\n\n" +
	"## Rust 的思路\n\n" +
	"```rust\nlet c = Cell::new(42); // a comment stays English\n```\n\n" +
	"## 任务\n\n" +
	"1. `Cell`：`Get` 和 `Set`。\n" +
	"2. `RefCell`：借用。\n\n" +
	"### 任务 2 详解\n\n用 `go tool kata hint cell` 或 `go test -race ./exercises/01_cell` 运行。\n\n" +
	"## 运行\n\n" +
	"```sh\ngo test -race ./exercises/01_cell\n# a comment, not a heading\n```\n"

func TestCompare_ExactTranslationPasses(t *testing.T) {
	if err := translation.Compare([]byte(english), []byte(chinese)); err != nil {
		t.Errorf("Compare of a faithful translation: %v", err)
	}
	if err := translation.Compare([]byte(english), []byte(english)); err != nil {
		t.Errorf("Compare of a text with itself: %v", err)
	}
}

func TestCompare_CatchesEachDrift(t *testing.T) {
	for _, tc := range []struct {
		name      string
		old, new  string // an edit of the translation
		inEnglish bool   // make the edit in the English instead: the translation fell behind
		want      string
	}{
		{"code changed", "Cell::new(42)", "Cell::new(43)", false, `code block 1 differs from the English (under heading "The Rust idea")`},
		{"English code changed", "# a comment, not a heading", "# another comment", true, `code block 2 differs from the English (under heading "Run")`},
		{"indentation of code", "```sh\ngo test", "```sh\n go test", false, "code block 2 differs"},
		{"fence language", "```sh", "```bash", false, "code block 2 differs"},
		{"block removed", "```rust\nlet c = Cell::new(42); // a comment stays English\n```\n", "", false, "1 code blocks, the English 2"},
		{"block added in English", "## Run\n", "## Run\n\n```sh\ngo vet ./...\n```\n", true, "2 code blocks, the English 3"},
		{"heading removed", "### 任务 2 详解\n", "**任务 2 详解**\n", false, `0 level-3 headings, the English 1 ("Task 2 in detail")`},
		{"heading level", "## 运行", "### 运行", false, "2 level-3 headings, the English 1"},
		{"task renumbered", "2. `RefCell`", "3. `RefCell`", false, "numbered items 1, 3 differ from the English 1, 2"},
		{"task added in English", "2. `RefCell`: borrows.\n", "2. `RefCell`: borrows.\n3. `Rc`.\n", true, "numbered items 1, 2 differ from the English 1, 2, 3"},
		{"command changed", "`go tool kata hint cell`", "`go tool kata hint rc`", false, "lacks the English command `go tool kata hint cell`"},
		{"command added", "。\n\n## 运行", "，或 `go run ./harness/cmd/kata check`。\n\n## 运行", false, "has the command `go run ./harness/cmd/kata check`, not in the English text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			en, zh := english, chinese
			if tc.inEnglish {
				en = edit(t, en, tc.old, tc.new)
			} else {
				zh = edit(t, zh, tc.old, tc.new)
			}
			err := translation.Compare([]byte(en), []byte(zh))
			if !errors.Is(err, translation.ErrDrift) {
				t.Fatalf("Compare = %v, want an error wrapping ErrDrift", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Compare = %v\nwant a line containing %q", err, tc.want)
			}
		})
	}
}

// TestCompare_ProseIsFree proves that what a translator must change is not held against it:
// headings' and items' words, the order of commands in a sentence, and a heading-like line or
// a numbered line inside a code block.
func TestCompare_ProseIsFree(t *testing.T) {
	en := english + "\n```\n## not a heading\n3. not an item\n```\n"
	zh := strings.Replace(chinese, "用 `go tool kata hint cell` 或", "或者", 1) + "\n```\n## not a heading\n3. not an item\n```\n"
	zh = strings.Replace(zh, "或者", "先看 `go tool kata hint cell`，再", 1)
	if err := translation.Compare([]byte(en), []byte(zh)); err != nil {
		t.Errorf("Compare: %v", err)
	}
}

func TestCompareFiles(t *testing.T) {
	fsys := fstest.MapFS{
		"exercises/01_cell/README.md":       {Data: []byte(english)},
		"exercises/01_cell/README.zh-CN.md": {Data: []byte(strings.Replace(chinese, "42", "7", 1))},
		"exercises/02_rc/README.md":         {Data: []byte(english)},
	}
	err := translation.CompareFiles(fsys, "exercises/01_cell/README.md")
	want := `exercises/01_cell/README.zh-CN.md: code block 1 differs from README.md's (under heading "The Rust idea")`
	if !errors.Is(err, translation.ErrDrift) || !strings.Contains(err.Error(), want) {
		t.Errorf("CompareFiles = %v\nwant ErrDrift and %q", err, want)
	}
	if err := translation.CompareFiles(fsys, "exercises/02_rc/README.md"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("CompareFiles without a translation = %v, want fs.ErrNotExist", err)
	}
	if got, want := translation.Path("README.md"), "README.zh-CN.md"; got != want {
		t.Errorf("Path(README.md) = %q, want %q", got, want)
	}
}

func edit(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("the test's text lacks %q", old)
	}
	return strings.Replace(s, old, new, 1)
}
