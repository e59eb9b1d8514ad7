// Package stack reads Go goroutine dumps: the text of runtime.Stack and debug.Stack, and the
// stacks inside a crashing or timed-out test binary's output and the race detector's reports.
// It is the one parser of them in the repository: the harness's watchdog, the CLI's reports
// and the exercises' tests all read dumps through it.
//
// It reads what the runtime writes, as goleak's parser does: a header per goroutine
// ("goroutine 7 [chan receive, 2 minutes]:"), then a function line and a position line per
// frame; "...N frames elided..." where the runtime cut a deep stack; "created by F in goroutine
// N" and its position; and the "[originating from goroutine N]:" tracebacks of
// GODEBUG=tracebackancestors, which belong to the goroutine above them.
package stack

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Goroutine is one goroutine of a dump.
type Goroutine struct {
	ID int64
	// State is what it was doing: "running", "chan receive", "sync.Mutex.Lock", ...
	State string
	// Frames are its calls, innermost first.
	Frames []Frame
	// Elided counts the frames the runtime left out of a deep stack.
	Elided int
	// CreatedBy is the go statement that started it; zero for the main goroutine.
	CreatedBy Frame
	// CreatorID is the goroutine that ran that go statement, when the dump says (Go 1.21+).
	CreatorID int64
	// Ancestors are the tracebacks of the goroutines that created it, with
	// GODEBUG=tracebackancestors; their IDs are the ancestors'.
	Ancestors []Goroutine
}

// Frame is one call.
type Frame struct {
	// Func is the function as the runtime names it:
	// "github.com/x/exercises/07_barrier.(*Barrier[...]).Wait".
	Func string
	File string // absolute path
	Line int
}

// Short is the function without its package path: "(*Barrier[...]).Wait".
func (f Frame) Short() string { return ShortFunc(f.Func) }

// String is "(*Barrier).Wait (barrier.go:41)": what the harness's reports show of a frame.
func (f Frame) String() string {
	return fmt.Sprintf("%s (%s:%d)", f.Short(), filepath.Base(f.File), f.Line)
}

// Parse reads a dump. Blocks that do not start with a goroutine header are skipped; lines it
// cannot read end the goroutine they are in, never the dump.
func Parse(dump []byte) []Goroutine {
	var out []Goroutine
	lines := strings.Split(string(bytes.TrimSpace(dump)), "\n")
	for i := 0; i < len(lines); {
		id, state, ok := ParseHeader(lines[i])
		if !ok {
			i++
			continue
		}
		g := Goroutine{ID: id, State: state}
		i = g.read(lines, i+1)
		for i < len(lines) {
			anc, ok := ancestorHeader(lines[i])
			if !ok {
				break
			}
			a := Goroutine{ID: anc}
			i = a.read(lines, i+1)
			g.Ancestors = append(g.Ancestors, a)
		}
		out = append(out, g)
	}
	return out
}

// read reads g's frames from lines[i:] and returns the index after them.
func (g *Goroutine) read(lines []string, i int) int {
	for i < len(lines) {
		line := strings.TrimRight(lines[i], "\r")
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			return i + 1
		case strings.HasPrefix(trimmed, "...") && strings.HasSuffix(trimmed, "frames elided..."):
			n, _ := strconv.Atoi(strings.Fields(strings.Trim(trimmed, "."))[0])
			g.Elided += n
			i++
			continue
		case strings.HasPrefix(line, "\t") || strings.HasPrefix(line, " "):
			return i // a position line without its function: not a frame
		}
		if _, _, ok := ParseHeader(line); ok {
			return i
		}
		if _, ok := ancestorHeader(line); ok {
			return i
		}
		if i+1 >= len(lines) {
			return i + 1
		}
		file, n, ok := ParsePosition(lines[i+1])
		if !ok {
			return i + 1
		}
		if fn, ok := strings.CutPrefix(line, "created by "); ok {
			fn, in, _ := strings.Cut(fn, " in goroutine ")
			g.CreatedBy = Frame{Func: fn, File: file, Line: n}
			g.CreatorID, _ = strconv.ParseInt(in, 10, 64)
		} else {
			g.Frames = append(g.Frames, Frame{Func: trimArgs(line), File: file, Line: n})
		}
		i += 2
	}
	return i
}

// ParseHeader reads "goroutine 42 [sync.Cond.Wait, 2 minutes]:", and "goroutine 42 gp=0x...
// m=nil [chan send]:" as GOTRACEBACK=system writes it.
func ParseHeader(line string) (id int64, state string, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), "goroutine ")
	if !ok || !strings.HasSuffix(rest, ":") {
		return 0, "", false
	}
	num, rest, _ := strings.Cut(rest, " ")
	id, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, "", false
	}
	open := strings.Index(rest, "[")
	end := strings.LastIndex(rest, "]")
	if open < 0 || end < open {
		return id, "", true
	}
	state, _, _ = strings.Cut(rest[open+1:end], ",")
	return id, state, true
}

// ancestorHeader reads "[originating from goroutine 6]:".
func ancestorHeader(line string) (int64, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), "[originating from goroutine ")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(strings.TrimSuffix(rest, "]:"), 10, 64)
	return id, err == nil
}

// ParsePosition reads a frame's position line: "\t/path/x.go:12 +0x1d", with
// " fp=0x... sp=0x... pc=0x..." after it under GOTRACEBACK=system. The path may hold spaces
// and, on Windows, a drive's colon ("C:/Users/Ada Lovelace/kata/x.go:12"): the line number is
// the first ":DIGITS" that ends the line or comes before a space.
func ParsePosition(line string) (file string, n int, ok bool) {
	if !strings.HasPrefix(line, "\t") && !strings.HasPrefix(line, " ") {
		return "", 0, false
	}
	pos := strings.TrimSpace(line)
	for j := strings.Index(pos, ":"); j > 0; {
		end := j + 1
		for end < len(pos) && pos[end] >= '0' && pos[end] <= '9' {
			end++
		}
		if end > j+1 && (end == len(pos) || pos[end] == ' ') {
			n, err := strconv.Atoi(pos[j+1 : end])
			return pos[:j], n, err == nil
		}
		next := strings.Index(pos[j+1:], ":")
		if next < 0 {
			break
		}
		j += 1 + next
	}
	return "", 0, false
}

// ReadFrames reads consecutive frames (a function line, then its position line) from the
// start of lines, as the race detector and goleak print them, and returns them with how many
// lines they took. "created by" frames are returned with Func still prefixed "created by ".
func ReadFrames(lines []string) (frames []Frame, used int) {
	for i := 0; i+1 < len(lines); i += 2 {
		fn := strings.TrimSpace(lines[i])
		file, n, ok := ParsePosition(lines[i+1])
		if !ok || fn == "" {
			return frames, i
		}
		if strings.HasPrefix(fn, "created by ") {
			fn, _, _ = strings.Cut(fn, " in goroutine ")
		} else {
			fn = trimArgs(fn)
		}
		frames = append(frames, Frame{Func: fn, File: file, Line: n})
		used = i + 2
	}
	return frames, used
}

// trimArgs drops the argument list of a function line: "pkg.F(0xc000012345, 0x1)" is "pkg.F".
func trimArgs(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndex(s, "("); i > 0 {
			return s[:i]
		}
	}
	return s
}

// ShortFunc is a function name without its package path: "(*Barrier).Wait" for
// "github.com/x/exercises/07_barrier.(*Barrier).Wait(0xc0000b2000)", "Spawn[...]" for
// "created by github.com/x/exercises/03_spawn.Spawn[...] in goroutine 7".
func ShortFunc(s string) string {
	s = strings.TrimPrefix(s, "created by ")
	if i := strings.Index(s, " in goroutine "); i >= 0 {
		s = s[:i]
	}
	s = trimArgs(s)
	// The package path ends at the last slash before the first bracket (type arguments may
	// hold slashes of their own: "F[go.shape.*example.com/x.T]").
	head := s
	if i := strings.IndexByte(s, '['); i >= 0 {
		head = s[:i]
	}
	if i := strings.LastIndex(head, "/"); i >= 0 {
		s, head = s[i+1:], head[i+1:]
	}
	if i := strings.Index(head, "."); i >= 0 && !strings.HasPrefix(head, "(") {
		s = s[i+1:]
	}
	return s
}
