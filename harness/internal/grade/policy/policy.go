// Package policy is the grader's static check of a learner file, made on the exact bytes that
// are then compiled, before anything of it runs.
//
// A graded file may import only the packages its exercise allows (the manifest's imports),
// and may not, whatever it imports:
//
//   - fail to parse: a file that go/parser rejects (a syntax error, or nesting deeper than
//     its limit, which the compiler may accept) cannot be checked, so it is refused;
//   - use cgo (import "C") or package unsafe or syscall;
//   - carry compiler directives other than //go:build and //go:generate (//go:linkname
//     reaches into any package; //go:norace hides races from the detector), or line
//     directives (//line, /*line), which would make the compiler and this check report
//     made-up positions;
//   - declare init functions, or use dot imports (which hide what a name refers to);
//   - end the process (os.Exit, syscall.Exit), or read its arguments or environment;
//   - write to standard output or error: fmt.Print*, the print and println built-ins,
//     os.Stdout and os.Stderr, the log package's standard logger, slog's package-level
//     logging functions, runtime/debug.PrintStack, WriteHeapDump and SetCrashOutput.
//     (slog.Default itself is allowed: an exercise's contract uses it as the fallback logger.)
//
// Names are resolved by the type checker (go/types), not matched as text: a local variable
// named fmt is not the package, and the built-ins are found however they are written
// ((println)(...) included). Positions are the file's real lines.
//
// Together with the import allow-list, this keeps learner code from printing a forged test
// result, from ending its test process early, and from reading the process's arguments or
// environment; see package grade for how the grader uses that.
package policy

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Violation is one broken rule, at a line of a file.
type Violation struct {
	File string // the file's name, as given to Check
	Line int
	// Rule is a short stable name: "size", "syntax", "import", "cgo", "unsafe", "directive",
	// "init", "dot-import", "exit", "output", "env".
	Rule string
	// Message says what is wrong in words a learner acts on.
	Message string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s:%d: %s", v.File, v.Line, v.Message)
}

// MaxFileSize is the largest learner file Check accepts.
const MaxFileSize = 1 << 20

// Check applies the policy to the learner file src, named filename, that may import only the
// packages in allowed. It returns every violation found, in source order; a file that does not
// parse is one violation (rule "syntax"). The error is reserved for a failure of the check
// itself.
func Check(filename string, src []byte, allowed []string) ([]Violation, error) {
	if len(src) > MaxFileSize {
		return []Violation{{File: filename, Line: 1, Rule: "size", Message: fmt.Sprintf("the file is %d bytes, more than the %d a learner file may have", len(src), MaxFileSize)}}, nil
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return []Violation{syntaxViolation(filename, src, err)}, nil
	}
	c := &checker{fset: fset, file: filename}
	c.checkDirectives(f)
	c.checkImports(f, allowed)
	c.checkDecls(f)
	slices.SortStableFunc(c.out, func(a, b Violation) int { return a.Line - b.Line })
	return c.out, nil
}

// syntaxViolation describes a parse error at its real line: the parser's own positions follow
// //line directives, its byte offsets do not.
func syntaxViolation(filename string, src []byte, err error) Violation {
	line, msg := 1, err.Error()
	var list scanner.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		line = 1 + bytes.Count(src[:min(max(list[0].Pos.Offset, 0), len(src))], []byte("\n"))
		msg = list[0].Msg
	}
	return Violation{File: filename, Line: line, Rule: "syntax", Message: "the file does not parse, so it cannot be checked or graded: " + msg}
}

type checker struct {
	fset *token.FileSet
	file string
	out  []Violation
}

// add records a violation at pos's real line (//line directives do not move it).
func (c *checker) add(pos token.Pos, rule, format string, args ...any) {
	c.out = append(c.out, Violation{File: c.file, Line: c.fset.PositionFor(pos, false).Line, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

var directive = regexp.MustCompile(`^//go:([a-z_]+)`)

// allowedDirectives may appear in a learner file.
var allowedDirectives = map[string]bool{"build": true, "generate": true}

func (c *checker) checkDirectives(f *ast.File) {
	for _, g := range f.Comments {
		for _, cm := range g.List {
			if strings.HasPrefix(cm.Text, "//line ") || strings.HasPrefix(cm.Text, "/*line ") {
				c.add(cm.Pos(), "directive", "line directives (//line) are not allowed: they make the compiler report made-up positions")
				continue
			}
			m := directive.FindStringSubmatch(cm.Text)
			if m == nil || allowedDirectives[m[1]] {
				continue
			}
			switch m[1] {
			case "linkname":
				c.add(cm.Pos(), "directive", "//go:linkname is not allowed: it reaches into other packages' private code")
			case "norace":
				c.add(cm.Pos(), "directive", "//go:norace is not allowed: graded code runs under the race detector")
			default:
				c.add(cm.Pos(), "directive", "the compiler directive //go:%s is not allowed in a graded file", m[1])
			}
		}
	}
}

func (c *checker) checkImports(f *ast.File, allowed []string) {
	for _, imp := range f.Imports {
		p, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			continue
		}
		name := ""
		if imp.Name != nil {
			name = imp.Name.Name
		}
		switch {
		case p == "C":
			c.add(imp.Pos(), "cgo", `cgo (import "C") is not allowed`)
			continue
		case p == "unsafe":
			c.add(imp.Pos(), "unsafe", `package unsafe is not allowed: graded code must be memory-safe`)
			continue
		case p == "syscall":
			c.add(imp.Pos(), "import", `package syscall is not allowed`)
		case !slices.Contains(allowed, p):
			c.add(imp.Pos(), "import", "import %q is not allowed in this exercise; it may import only %s", p, list(allowed))
		}
		if name == "." {
			c.add(imp.Pos(), "dot-import", "dot imports (import . %q) are not allowed: name the package", p)
		}
	}
}

func list(allowed []string) string {
	if len(allowed) == 0 {
		return "nothing"
	}
	return strings.Join(allowed, ", ")
}

// defaultName is the name an import is known by without an explicit name: the last element
// of its path, or the one before a major-version suffix ("math/rand/v2" is "rand").
func defaultName(p string) string {
	base := path.Base(p)
	if len(base) > 1 && base[0] == 'v' && strings.Trim(base[1:], "0123456789") == "" {
		if dir := path.Dir(p); dir != "." {
			base = path.Base(dir)
		}
	}
	return strings.ReplaceAll(base, "-", "_")
}

// forbidden lists, per package path, the names a learner file may not use, and why.
var forbidden = map[string]map[string]string{
	"os": {
		"Exit": "exit", "Stdout": "output", "Stderr": "output", "NewFile": "output",
		"Args": "env", "Getenv": "env", "LookupEnv": "env", "Environ": "env",
	},
	"syscall": {
		"Exit": "exit", "Stdout": "output", "Stderr": "output",
	},
	"fmt": {
		"Print": "output", "Printf": "output", "Println": "output",
	},
	"log": {
		"Print": "output", "Printf": "output", "Println": "output",
		"Fatal": "output", "Fatalf": "output", "Fatalln": "output",
		"Panic": "output", "Panicf": "output", "Panicln": "output",
		"Default": "output", "Writer": "output", "SetOutput": "output", "Output": "output",
	},
	"log/slog": {
		"Debug": "output", "Info": "output", "Warn": "output", "Error": "output",
		"DebugContext": "output", "InfoContext": "output", "WarnContext": "output", "ErrorContext": "output",
		"Log": "output", "LogAttrs": "output", "SetDefault": "output",
		// slog.Default stays allowed: 11_tcp's contract names it as the logger used when
		// none is given. What it writes goes to standard error, which no verdict reads.
	},
	"runtime/debug": {
		"PrintStack": "output", "WriteHeapDump": "output", "SetCrashOutput": "output",
	},
}

// noImports gives the type checker, for every import, an empty package of the right name: the
// names a file uses from it are still resolved to the package, which is all the check needs.
type noImports struct{}

func (noImports) Import(path string) (*types.Package, error) {
	p := types.NewPackage(path, defaultName(path))
	p.MarkComplete()
	return p, nil
}

func (c *checker) checkDecls(f *ast.File) {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "init" {
			c.add(fd.Pos(), "init", "init functions are not allowed: no code of yours may run before the tests start")
		}
	}
	// Type errors (everything from the unloaded imports, names of the package's other files)
	// are expected: the checker goes on, and records what each name refers to.
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: noImports{}, Error: func(error) {}}
	conf.Check(f.Name.Name, c.fset, []*ast.File{f}, info)
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			id, ok := n.X.(*ast.Ident)
			if !ok {
				return true
			}
			pkg, ok := info.Uses[id].(*types.PkgName)
			if !ok {
				return true
			}
			switch forbidden[pkg.Imported().Path()][n.Sel.Name] {
			case "exit":
				c.add(n.Pos(), "exit", "%s.%s is not allowed: your code must not end the test process", id.Name, n.Sel.Name)
			case "env":
				c.add(n.Pos(), "env", "%s.%s is not allowed: your code must not read the test process's arguments or environment", id.Name, n.Sel.Name)
			case "output":
				c.add(n.Pos(), "output", "%s.%s is not allowed: your code must not write to standard output or error (return values or errors instead)", id.Name, n.Sel.Name)
			}
		case *ast.Ident:
			if b, ok := info.Uses[n].(*types.Builtin); ok && (b.Name() == "print" || b.Name() == "println") {
				c.add(n.Pos(), "output", "the built-in %s is not allowed: it writes to standard error", b.Name())
			}
		}
		return true
	})
}
