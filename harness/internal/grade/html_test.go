package grade

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// chromium finds headless Chromium, or skips the test (fails it on CI, which installs it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no Chromium on CI: .ci/run installs Debian's chromium (apt-get install chromium)")
	}
	t.Skip("no Chromium here (Debian: apt-get install chromium); the class report's DOM is not checked")
	return ""
}

// dumpDOM loads url in headless Chromium and returns the DOM once its scripts have run.
func dumpDOM(t *testing.T, url string) *html.Node {
	t.Helper()
	bin := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--no-first-run", "--user-data-dir="+t.TempDir(), "--dump-dom", url)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "chromium --dump-dom: %s", stderr.String())
	doc, err := html.Parse(strings.NewReader(string(out)))
	require.NoError(t, err)
	return doc
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasClass(n *html.Node, class string) bool {
	v, _ := attr(n, "class")
	for _, c := range strings.Fields(v) {
		if c == class {
			return true
		}
	}
	return false
}

// find returns every element under n for which match is true, in document order.
func find(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func byID(n *html.Node, id string) *html.Node {
	found := find(n, func(n *html.Node) bool { v, _ := attr(n, "id"); return v == id })
	if len(found) == 0 {
		return nil
	}
	return found[0]
}

func withClass(n *html.Node, class string) []*html.Node {
	return find(n, func(n *html.Node) bool { return hasClass(n, class) })
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// The class report of the survive-suite, loaded in Chromium: its heatmap shows every
// student's scores, a cell opened through the address shows that student's failing tests
// and messages, and the pass rates the page's script computes are the class's.
func TestClassHTML_InChromium(t *testing.T) {
	c := withPolicy(t)
	require.NoError(t, c.err)
	page := filepath.Join(c.out, "class.html")
	for _, bad := range []string{"src=", "href=", "http://", "https://", "@import", "url(", "fetch(", "XMLHttpRequest"} {
		assert.NotContains(t, classHTML, bad, "the report must be self-contained and fetch nothing")
	}
	assert.Contains(t, classHTML, "Content-Security-Policy\" content=\"default-src 'none'")

	// Which row is the deadlock cheat: rows come in class.json's order.
	rows := find(dumpDOM(t, "file://"+page), func(n *html.Node) bool { _, ok := attr(n, "data-student"); return ok && n.Data == "tr" })
	require.Len(t, rows, len(c.reports), "heatmap rows")
	deadlock := -1
	for i, row := range rows {
		name := text(withClass(row, "name")[0])
		r, ok := c.reports[name]
		require.True(t, ok, "a heatmap row for an unknown student %q", name)
		assert.Equal(t, num(r.Score)+" / "+num(r.MaxScore), text(withClass(row, "total")[0]), "%s: total", name)
		cells := withClass(row, "cell")
		require.Len(t, cells, 1)
		assert.Equal(t, num(r.Exercises[0].Score), text(cells[0]), "%s: 01_cell", name)
		if name == "deadlock" {
			deadlock = i
		}
	}
	require.NotEqual(t, -1, deadlock)

	doc := dumpDOM(t, fmt.Sprintf("file://%s#cell=%d-0", page, deadlock))

	// The opened cell: the deadlock cheat's four failing tests and their messages.
	detail := byID(doc, "detail")
	require.NotNil(t, detail)
	_, hidden := attr(detail, "hidden")
	assert.False(t, hidden, "the detail panel is open")
	assert.Equal(t, "deadlock, 01_cell: 6.36 / 10", text(byID(doc, "detail-title")))
	var failing []string
	for _, li := range withClass(doc, "failing-test") {
		failing = append(failing, text(withClass(li, "test-name")[0]))
		assert.Contains(t, text(li), "did not finish within 1s")
	}
	assert.Equal(t, []string{
		"TestRefCell_ManySharedBorrowsAtOnce", "TestRefCell_MutableBorrowIsExclusive",
		"TestRefCell_ReleaseTwiceCountsOnce", "TestRefCell_MustBorrowPanicsWithTheSentinel",
	}, failing)

	// The figures the script computed, against the reports.
	var passed, total, full int
	perTest := map[string]int{}
	for _, r := range c.reports {
		e := r.Exercises[0]
		passed += e.Passed()
		total += len(e.Tests)
		if e.Score == e.MaxScore {
			full++
		}
		for _, tr := range e.Tests {
			if tr.Status == Pass {
				perTest[tr.Name]++
			}
		}
	}
	exRows := find(byID(doc, "exercise-rates"), func(n *html.Node) bool { v, _ := attr(n, "data-exercise"); return v == "01_cell" })
	require.Len(t, exRows, 1)
	assert.Equal(t, num(Percent(float64(passed), float64(total)))+"%", text(withClass(exRows[0], "rate")[0]), "01_cell pass rate")
	assert.Equal(t, fmt.Sprintf("%d / %d", full, len(c.reports)), text(withClass(exRows[0], "full")[0]), "01_cell full marks")

	testRows := find(byID(doc, "test-rates"), func(n *html.Node) bool { _, ok := attr(n, "data-test"); return ok })
	require.Len(t, testRows, 11, "one row per test of 01_cell")
	for _, row := range testRows {
		id, _ := attr(row, "data-test")
		name := strings.TrimPrefix(id, "01_cell/")
		assert.Equal(t, fmt.Sprintf("%d / %d", perTest[name], len(c.reports)), text(withClass(row, "count")[0]), "%s: students passing", id)
		assert.Equal(t, num(Percent(float64(perTest[name]), float64(len(c.reports))))+"%", text(withClass(row, "rate")[0]), "%s: pass rate", id)
	}
}
