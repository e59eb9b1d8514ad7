package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kata-go/concurrency/harness/internal/manifest"
)

func TestLangFromEnv(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want Lang
	}{
		{map[string]string{}, English},
		{map[string]string{"KATA_LANG": "zh"}, Chinese},
		{map[string]string{"KATA_LANG": "zh-CN"}, Chinese},
		{map[string]string{"KATA_LANG": "en", "LANG": "zh_CN.UTF-8"}, English},
		{map[string]string{"KATA_LANG": "zh", "LC_ALL": "en_US.UTF-8"}, Chinese},
		{map[string]string{"LANG": "zh_CN.UTF-8"}, Chinese},
		{map[string]string{"LANG": "en_GB.UTF-8"}, English},
		{map[string]string{"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, Chinese},
		{map[string]string{"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, English}, // LC_ALL overrides LANG
		{map[string]string{"LC_ALL": "zh_CN.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, Chinese},
	} {
		got := LangFromEnv(func(k string) string { return c.env[k] })
		assert.Equal(t, c.want, got, "LangFromEnv(%v)", c.env)
	}
}

// TestMessages_Chinese proves that every text the commands pass to tr or say has its Chinese
// in zhTexts, with the same formatting verbs, and that zhTexts holds nothing unused.
func TestMessages_Chinese(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	var used []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "tr" && sel.Sel.Name != "say") {
				return true
			}
			if id, ok := call.Args[0].(*ast.Ident); ok && id.Name == "format" {
				return true // say passing its own format on to tr
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !assert.True(t, ok && lit.Kind == token.STRING, "%s: %s's text is not a string literal", fset.Position(call.Pos()), sel.Sel.Name) {
				return true
			}
			text, err := strconv.Unquote(lit.Value)
			require.NoError(t, err)
			used = append(used, text)
			zh, ok := zhTexts[text]
			if assert.True(t, ok, "%s: %q has no Chinese in zhTexts", fset.Position(call.Pos()), text) {
				assert.Equal(t, verbs(text), verbs(zh), "zhTexts[%q] = %q: not the same verbs", text, zh)
			}
			return true
		})
	}
	assert.Greater(t, len(used), 20, "found too few texts: is the test still finding the calls?")
	for en := range zhTexts {
		assert.Contains(t, used, en, "zhTexts has %q, which no code uses", en)
	}
}

var verbRE = regexp.MustCompile(`%(?:\[\d+\])?[-+# 0]*\d*(?:\.\d+)?[a-zA-Z%]`)

// verbs are the formatting verbs of a format, indexes removed, sorted.
func verbs(format string) []string {
	var out []string
	for _, v := range verbRE.FindAllString(format, -1) {
		out = append(out, regexp.MustCompile(`\[\d+\]`).ReplaceAllString(v, ""))
	}
	slices.Sort(out)
	return out
}

func TestMinutes(t *testing.T) {
	en, zh := &App{Lang: English}, &App{Lang: Chinese}
	for m, want := range map[int][2]string{30: {"30 min", "30 分钟"}, 60: {"1 h", "1 小时"}, 90: {"1.5 h", "1.5 小时"}} {
		assert.Equal(t, want[0], en.minutes(m))
		assert.Equal(t, want[1], zh.minutes(m))
	}
}

// TestReadme proves that kata points a Chinese learner to README.zh-CN.md where there is
// one, and to README.md otherwise, and an English learner always to README.md.
func TestReadme(t *testing.T) {
	root := t.TempDir()
	e := manifest.Exercise{Name: "02_add"}
	require.NoError(t, os.MkdirAll(filepath.Join(root, "exercises", "02_add"), 0o755))
	en, zh := &App{Root: root, Lang: English}, &App{Root: root, Lang: Chinese}
	assert.Equal(t, "exercises/02_add/README.md", zh.readme(e), "no translation yet")
	require.NoError(t, os.WriteFile(filepath.Join(root, "exercises", "02_add", "README.zh-CN.md"), []byte("# 02\n"), 0o644))
	assert.Equal(t, "exercises/02_add/README.zh-CN.md", zh.readme(e))
	assert.Equal(t, "exercises/02_add/README.md", en.readme(e))
}
