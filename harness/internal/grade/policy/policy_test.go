package policy_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kata-go/concurrency/harness/internal/grade/policy"
)

func rules(vs []policy.Violation) string {
	var r []string
	for _, v := range vs {
		r = append(r, v.Rule)
	}
	return strings.Join(r, " ")
}

func TestCheck(t *testing.T) {
	allowed := []string{"errors", "fmt", "sync", "log/slog", "runtime/debug", "math/rand/v2"}
	for _, tc := range []struct {
		name, src, want string
	}{
		{"clean", `package p
import ("errors"; "fmt"; "sync")
var ErrX = errors.New("x")
type T struct{ mu sync.Mutex }
func (t *T) F(n int) error { return fmt.Errorf("n=%d: %w", n, ErrX) }`, ""},
		{"import not allowed", `package p
import "os"
func F() { _ = os.Getpid() }`, "import"},
		{"os.Exit", `package p
import "os"
func F() { os.Exit(0) }`, "import exit"},
		{"syscall.Exit in a var initializer", `package p
import "syscall"
var _ = func() int { syscall.Exit(0); return 0 }()`, "import exit"},
		{"init", `package p
func init() {}`, "init"},
		{"method named init is fine", `package p
type T struct{}
func (T) init() {}`, ""},
		{"cgo", `package p
// #include <stdio.h>
import "C"`, "cgo"},
		{"unsafe", `package p
import "unsafe"
var _ = unsafe.Sizeof(0)`, "unsafe"},
		{"linkname", `package p
import _ "unsafe"
//go:linkname f runtime.exit
func f(int32)`, "unsafe directive"},
		{"norace", `package p
//go:norace
func F() {}`, "directive"},
		{"build and generate are fine", `//go:build linux

//go:generate stringer -type T
package p`, ""},
		{"fmt.Println", `package p
import "fmt"
func F() { fmt.Println("--- PASS: TestX (0.00s)") }`, "output"},
		{"fmt.Print as a value", `package p
import "fmt"
var p = fmt.Print`, "output"},
		{"fmt.Fprintln to a writer is fine", `package p
import ("fmt"; "io")
func F(w io.Writer) { fmt.Fprintln(w, "x") }`, "import"},
		{"println", `package p
func F() { println("\x16--- PASS: TestX (0.00s)") }`, "output"},
		{"a println of one's own is fine", `package p
func println(...any) {}
func F() { println("x") }`, ""},
		{"a local named fmt is fine", `package p
type w struct{}
func (w) Println(...any) {}
func F() { fmt := w{}; fmt.Println("x") }`, ""},
		{"renamed import", `package p
import f "fmt"
func F() { f.Printf("x") }`, "output"},
		{"dot import", `package p
import . "fmt"
func F() { Println("x") }`, "dot-import"},
		{"slog default logger", `package p
import "log/slog"
func F() { slog.Info("x") }`, "output"},
		{"slog logger of one's own is fine", `package p
import "log/slog"
func F(l *slog.Logger) { l.Info("x") }`, ""},
		{"debug.PrintStack", `package p
import "runtime/debug"
func F() { debug.PrintStack() }`, "output"},
		{"println in parentheses", `package p
func F() { (println)("\x16--- PASS: TestX (0.00s)") }`, "output"},
		{"print deferred, in parentheses twice", `package p
func F() { defer ((print))("x") }`, "output"},
		{"a shadowed println is fine", `package p
func F() { println := func(...any) {}; println("x") }`, ""},
		{"fmt.Println in parentheses", `package p
import "fmt"
func F() { (fmt.Println)("x") }`, "output"},
		{"line directive", `package p
//line other.go:1
func F() {}`, "directive"},
		{"versioned import name", `package p
import "math/rand/v2"
func F() int { return rand.IntN(3) }`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs, err := policy.Check("x.go", []byte(tc.src), allowed)
			require.NoError(t, err)
			assert.Equal(t, tc.want, rules(vs), "Check(%s): %v", tc.name, vs)
		})
	}
}

func TestCheck_AFileThatDoesNotParseIsRefused(t *testing.T) {
	vs, err := policy.Check("x.go", []byte("package p\n\nfunc {"), nil)
	require.NoError(t, err)
	require.Len(t, vs, 1)
	assert.Equal(t, "syntax", vs[0].Rule)
	assert.Equal(t, 3, vs[0].Line)
	// Nesting deeper than go/parser's limit, which the compiler accepts.
	deep := "package p\n\nvar X = " + strings.Repeat("(", 100_000) + "1" + strings.Repeat(")", 100_000) + "\n"
	vs, err = policy.Check("x.go", []byte(deep), nil)
	require.NoError(t, err)
	assert.Equal(t, "syntax", rules(vs))
}

func TestCheck_PositionsAreRealDespiteLineDirectives(t *testing.T) {
	src := "package p\n\nimport \"os\"\n\n//line fake.go:900\nfunc F() { os.Exit(0) }\n"
	vs, err := policy.Check("x.go", []byte(src), []string{"os"})
	require.NoError(t, err)
	require.Len(t, vs, 2)
	assert.Equal(t, "x.go:5: line directives (//line) are not allowed: they make the compiler report made-up positions", vs[0].String())
	assert.Equal(t, "x.go:6: os.Exit is not allowed: your code must not end the test process", vs[1].String())
	vs, err = policy.Check("x.go", []byte("package p\n//line fake.go:900\nfunc {\n"), nil)
	require.NoError(t, err)
	require.Len(t, vs, 1)
	assert.Equal(t, 3, vs[0].Line, "the syntax error's real line: %v", vs[0])
}

func TestCheck_MessagesNameTheLineAndTheReason(t *testing.T) {
	vs, err := policy.Check("cell.go", []byte("package cell\n\nimport \"os\"\n\nfunc F() { os.Exit(0) }\n"), []string{"errors"})
	require.NoError(t, err)
	require.Len(t, vs, 2)
	assert.Equal(t, `cell.go:3: import "os" is not allowed in this exercise; it may import only errors`, vs[0].String())
	assert.Equal(t, "cell.go:5: os.Exit is not allowed: your code must not end the test process", vs[1].String())
}

func TestCheck_TooLarge(t *testing.T) {
	vs, err := policy.Check("x.go", make([]byte, policy.MaxFileSize+1), nil)
	require.NoError(t, err)
	assert.Equal(t, "size", rules(vs))
}
