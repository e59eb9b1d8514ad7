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
	root  string
	dir   string          // "exercises/01_cell"
	files map[string]bool // the learner's file names: "cell.go"
	decls []decl
}

type decl struct {
	name, recv string // "Borrow", "RefCell"; recv is "" for a function or a type
	isType     bool
	loc        Location
}

func newPlaces(root string, ex manifest.Exercise) *places {
	p := &places{root: root, dir: ex.Dir(), files: map[string]bool{}}
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
				dc.loc = p.declLoc(fset, name, d.Pos(), dc.display())
				p.decls = append(p.decls, dc)
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
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
		return d.recv + "." + d.name
	}
	return d.name
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
