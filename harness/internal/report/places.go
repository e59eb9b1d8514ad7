package report

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/manifest"
)

// places knows the exercise's files and the functions and types the learner's files declare.
type places struct {
	root   string
	dir    string          // "exercises/01_cell"
	files  map[string]bool // the learner's file names: "cell.go"
	decls  []decl
	params map[string]string // the type parameters of the learner's generic types: "JoinHandle": "[T]"
}

type decl struct {
	name, recv string // "Borrow", "RefCell"; recv is "" for a function or a type
	params     string // the receiver's type parameters, as its declaration names them: "[T]"
	isType     bool
	loc        Location
}

// tests lists the top-level tests that the exercise's test files declare.
func (p *places) tests() []string {
	files, _ := filepath.Glob(filepath.Join(p.root, filepath.FromSlash(p.dir), "*_test.go"))
	var out []string
	for _, f := range files {
		parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, d := range parsed.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Test") && fn.Name.Name != "TestMain" {
				out = append(out, fn.Name.Name)
			}
		}
	}
	return out
}

func newPlaces(root string, ex manifest.Exercise) *places {
	p := &places{root: root, dir: ex.Dir(), files: map[string]bool{}, params: map[string]string{}}
	fset := token.NewFileSet()
	for _, name := range ex.Files {
		p.files[name] = true
		f, _ := parser.ParseFile(fset, filepath.Join(root, filepath.FromSlash(ex.Dir()), name), nil, parser.SkipObjectResolution)
		if f == nil {
			continue
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				dc := decl{name: d.Name.Name}
				if d.Recv != nil && len(d.Recv.List) > 0 {
					dc.recv = recvName(d.Recv.List[0].Type)
				}
				dc.params = typeParams(d.Recv)
				dc.loc = p.declLoc(fset, name, d.Pos(), dc.display())
				p.decls = append(p.decls, dc)
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						if ts.TypeParams != nil {
							p.params[ts.Name.Name] = "[" + strings.Join(fieldNames(ts.TypeParams), ", ") + "]"
						}
						dc := decl{name: ts.Name.Name, isType: true}
						dc.loc = p.declLoc(fset, name, ts.Pos(), dc.display())
						p.decls = append(p.decls, dc)
					}
				}
			}
		}
	}
	return p
}

func (p *places) declLoc(fset *token.FileSet, file string, pos token.Pos, fn string) Location {
	return Location{File: p.dir + "/" + file, Line: fset.Position(pos).Line, Func: fn}
}

func (d decl) display() string {
	if d.recv != "" {
		return d.recv + d.params + "." + d.name
	}
	return d.name
}

// typeParams returns a generic method's receiver type parameters as written: "[T]".
func typeParams(recv *ast.FieldList) string {
	if recv == nil || len(recv.List) == 0 {
		return ""
	}
	e := recv.List[0].Type
	if star, ok := e.(*ast.StarExpr); ok {
		e = star.X
	}
	var idx []ast.Expr
	switch t := e.(type) {
	case *ast.IndexExpr:
		idx = []ast.Expr{t.Index}
	case *ast.IndexListExpr:
		idx = t.Indices
	default:
		return ""
	}
	var names []string
	for _, x := range idx {
		if id, ok := x.(*ast.Ident); ok {
			names = append(names, id.Name)
		}
	}
	return "[" + strings.Join(names, ", ") + "]"
}

func fieldNames(fl *ast.FieldList) []string {
	var out []string
	for _, f := range fl.List {
		for _, n := range f.Names {
			out = append(out, n.Name)
		}
	}
	return out
}

// unshape writes a function name from a stack trace as the learner's code spells it: the
// compiler's instantiation "JoinHandle[go.shape.int].Join" becomes "JoinHandle[T].Join", and a
// generic function's "Spawn[go.shape.int]" becomes "Spawn".
func (p *places) unshape(fn string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(fn, '[')
		if open < 0 {
			b.WriteString(fn)
			return b.String()
		}
		end := matchingBracket(fn, open)
		if end < 0 {
			b.WriteString(fn)
			return b.String()
		}
		name := fn[:open]
		b.WriteString(name)
		inner := fn[open+1 : end]
		if !strings.Contains(inner, "go.shape.") && !strings.Contains(inner, "...") {
			b.WriteString(fn[open : end+1])
		} else if i := strings.LastIndexAny(name, ". "); end+1 < len(fn) && fn[end+1] == '.' {
			b.WriteString(p.params[name[i+1:]]) // a method's receiver type keeps its parameters
		}
		fn = fn[end+1:]
	}
}

func matchingBracket(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}

func recvName(e ast.Expr) string {
	for {
		switch t := e.(type) {
		case *ast.StarExpr:
			e = t.X
		case *ast.IndexExpr:
			e = t.X
		case *ast.IndexListExpr:
			e = t.X
		case *ast.Ident:
			return t.Name
		default:
			return ""
		}
	}
}

// classify says whether path (absolute, root-relative, module-relative or a bare file name as
// in the watchdog's report) is one of the learner's files, or another file of the exercise's
// folder (a test), and returns it relative to the root.
func (p *places) classify(file string) (relPath string, learner, inExercise bool) {
	file = filepath.ToSlash(file)
	base := path.Base(file)
	if !strings.Contains(file, "/") {
		// The harness's reports name files of the exercise's folder by their base name.
		return p.dir + "/" + base, p.files[base], true
	}
	if d := path.Dir(file); d == p.dir || strings.HasSuffix(d, "/"+p.dir) {
		return p.dir + "/" + base, p.files[base], true
	}
	return rel(p.root, file), false, false
}

var identRE = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?`)

// named finds the learner's function or type that a message names first ("NewRefCell returned
// nil", "Counter.Add x3 from 4 goroutines"): functions and methods before types.
func (p *places) named(texts ...string) (Location, bool) {
	var typeHit *Location
	for _, text := range texts {
		for _, m := range identRE.FindAllString(text, -1) {
			x, y, qualified := strings.Cut(m, ".")
			if qualified {
				if d, ok := p.find(y, x, false); ok { // Recv.Method
					return d.loc, true
				}
				if d, ok := p.find(y, "", false); ok { // pkg.Func, or a method named after a dot
					return d.loc, true
				}
			}
			if d, ok := p.find(x, "", false); ok {
				return d.loc, true
			}
			if typeHit == nil {
				if d, ok := p.find(x, "", true); ok {
					typeHit = &d.loc
				} else if qualified {
					if d, ok := p.find(y, "", true); ok {
						typeHit = &d.loc
					}
				}
			}
		}
		if typeHit != nil {
			return *typeHit, true
		}
	}
	return Location{}, false
}

// find returns the first declaration of name: a type when isType, else a function, or a
// method of recv (any receiver when recv is "").
func (p *places) find(name, recv string, isType bool) (decl, bool) {
	for _, d := range p.decls {
		if d.name != name || d.isType != isType {
			continue
		}
		if isType || recv == "" || d.recv == recv {
			return d, true
		}
	}
	return decl{}, false
}

// testNameWords splits "TestRefCell_BorrowSeesTheValue" into "RefCell", "BorrowSeesTheValue".
func testNameWords(name string) []string {
	name, _, _ = strings.Cut(name, "/")
	return strings.Split(strings.TrimPrefix(name, "Test"), "_")
}
