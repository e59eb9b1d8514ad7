package diff

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestUnified_SameTextsGiveNothing(t *testing.T) {
	assert.Empty(t, Unified("a", "b", "x\ny\n", "x\ny\n", 3))
	assert.Empty(t, Unified("a", "b", "", "", 3))
}

func TestUnified_OneChangeInTheMiddle(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n"
	b := "1\n2\n3\n4\nfive\n6\n7\n8\n9\n"
	want := `--- yours
+++ reference
@@ -2,7 +2,7 @@
 2
 3
 4
-5
+five
 6
 7
 8
`
	assert.Equal(t, want, Unified("yours", "reference", a, b, 3))
}

func TestUnified_FarApartChangesMakeTwoHunks(t *testing.T) {
	var a, b []string
	for i := range 20 {
		a = append(a, string(rune('a'+i)))
		b = append(b, string(rune('a'+i)))
	}
	b[1] = "B"
	b = append(b[:15], append([]string{"new"}, b[15:]...)...)
	got := Unified("x", "y", strings.Join(a, "\n")+"\n", strings.Join(b, "\n")+"\n", 2)
	assert.Equal(t, `--- x
+++ y
@@ -1,4 +1,4 @@
 a
-b
+B
 c
 d
@@ -14,4 +14,5 @@
 n
 o
+new
 p
 q
`, got)
}

func TestUnified_InsertIntoEmptyAndDeleteAll(t *testing.T) {
	assert.Equal(t, "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n", Unified("a", "b", "", "x\ny\n", 3))
	assert.Equal(t, "--- a\n+++ b\n@@ -1 +0,0 @@\n-x\n", Unified("a", "b", "x\n", "", 3))
}

func TestLines_IsAShortestScript(t *testing.T) {
	got := Lines("a\nb\nc\nd\n", "a\nc\nd\ne\n")
	var ops strings.Builder
	for _, l := range got {
		ops.WriteByte(byte(l.Op))
	}
	assert.Equal(t, " - +", strings.ReplaceAll(ops.String(), "  ", " "), "keep a, delete b, keep c d, insert e")
	assert.Len(t, got, 5)
}

func TestApply_UndoesUnified(t *testing.T) {
	a := "package p\n\nfunc A() int {\n\treturn 1\n}\n\nfunc B() {}\n\nfunc C() {}\n"
	for _, b := range []string{
		"package p\n\nfunc A() int {\n\treturn 2\n}\n\nfunc B() {}\n\nfunc C() {}\n",
		"// head\npackage p\n\nfunc A() int {\n\treturn 1\n}\n\nfunc B() {}\n\nfunc C() {}\n// tail\n",
		"package p\n\nfunc C() {}\n",
		"",
		a,
	} {
		patch := Unified("a.go", "b.go", a, b, 3)
		got, err := Apply(a, patch)
		if err != nil || got != b {
			t.Errorf("Apply(a, Unified(a, %q)) = %q, %v; want %q\npatch:\n%s", b, got, err, b, patch)
		}
	}
}

func TestApply_RefusesAPatchThatDoesNotFit(t *testing.T) {
	patch := Unified("a", "b", "x\ny\nz\n", "x\nY\nz\n", 1)
	if _, err := Apply("x\nq\nz\n", patch); err == nil || !strings.Contains(err.Error(), "does not fit") {
		t.Errorf("Apply to a changed text = %v, want a 'does not fit' error", err)
	}
}
