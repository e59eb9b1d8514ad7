package grade

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"time"
)

//go:embed class.html.tmpl
var classHTML string

var classTemplate = template.Must(template.New("class").Funcs(template.FuncMap{
	"num":   num,
	"color": heatColor,
	"pct":   Percent,
}).Parse(classHTML))

// heatColor is a cell's background: red through yellow to green by the share of points
// earned, grey for an exercise that was not graded normally.
func heatColor(e ExerciseResult) template.CSS {
	if e.Status == Missing || e.Status == NotGraded || e.MaxScore == 0 {
		return "hsl(0, 0%, 85%)"
	}
	return template.CSS(fmt.Sprintf("hsl(%d, 70%%, 72%%)", int(120*e.Score/e.MaxScore)))
}

// htmlCap bounds each message carried in the HTML report.
const htmlCap = 2 << 10

// The data the report's script reads: the heatmap's details and the pass rates.
type htmlData struct {
	Exercises []string      `json:"exercises"`
	Students  []htmlStudent `json:"students"`
}

type htmlStudent struct {
	Name      string         `json:"name"`
	Score     float64        `json:"score"`
	Max       float64        `json:"max"`
	Exercises []htmlExercise `json:"exercises"`
}

type htmlExercise struct {
	Score   float64    `json:"score"`
	Max     float64    `json:"max"`
	Status  string     `json:"status"`
	Message string     `json:"message,omitempty"`
	Policy  []string   `json:"policy,omitempty"`
	Ignored []string   `json:"ignored,omitempty"`
	Tests   []htmlTest `json:"tests"`
}

type htmlTest struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "\n... (cut; the student's JSON report has it all)"
}

// writeClassHTML writes the class report: one self-contained page (inline CSS and script, no
// request to anywhere), a heatmap of students by exercises whose cells open the failing tests
// and their messages, and the class's pass rate per exercise and per test. The notices of a
// merge (reports it could not read) are shown above the heatmap.
func writeClassHTML(w io.Writer, cr *ClassReport) error {
	reports := cr.Reports
	var d htmlData
	if len(reports) > 0 {
		for _, e := range reports[0].Exercises {
			d.Exercises = append(d.Exercises, e.Name)
		}
	}
	for _, r := range reports {
		s := htmlStudent{Name: r.Student, Score: r.Score, Max: r.MaxScore}
		for _, e := range r.Exercises {
			he := htmlExercise{Score: e.Score, Max: e.MaxScore, Status: string(e.Status), Message: cut(e.Message, htmlCap), Policy: e.PolicyViolations, Ignored: e.IgnoredFiles, Tests: []htmlTest{}}
			for _, t := range e.Tests {
				ht := htmlTest{Name: t.Name, Status: string(t.Status)}
				if t.Status != Pass && e.Status == Graded {
					ht.Message = cut(t.Message, htmlCap)
				}
				he.Tests = append(he.Tests, ht)
			}
			s.Exercises = append(s.Exercises, he)
		}
		d.Students = append(d.Students, s)
	}
	sandbox := ""
	if len(reports) > 0 {
		sandbox = reports[0].Sandbox
	}
	return classTemplate.Execute(w, map[string]any{
		"Reports":   reports,
		"Exercises": d.Exercises,
		"Data":      d,
		"Generated": time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		"Sandbox":   sandbox,
		"Notices":   cr.Notices,
	})
}
