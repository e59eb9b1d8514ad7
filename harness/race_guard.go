package harness

import (
	"path/filepath"
	"runtime"
	"testing"
)

// RequireRace fails t and stops it, with the command to run, unless the test binary was built
// with -race. Every exercise needs the race detector: a data race is a failure here even when
// the answers come out right.
func RequireRace(t testing.TB) {
	t.Helper()
	requireRace(t, 1)
}

// requireRace is RequireRace for a caller skip frames above the test file's frame.
func requireRace(t testing.TB, skip int) {
	t.Helper()
	if RaceEnabled {
		return
	}
	t.Fatal(raceMessage(exerciseDir(skip + 1)))
}

// raceMessage says what to run instead, for the exercise folder dir.
func raceMessage(dir string) string {
	return "this exercise needs the race detector: go test -race ./" + dir
}

// exerciseDir names the folder of the test file skip frames above its caller, relative to
// the repository (for example "exercises/01_cell"), or "..." when that is unknown.
func exerciseDir(skip int) string {
	_, file, _, ok := runtime.Caller(skip + 1)
	if !ok {
		return "..."
	}
	dir := filepath.ToSlash(filepath.Dir(file))
	if i := lastIndexDir(dir, "exercises"); i >= 0 {
		return dir[i:]
	}
	return filepath.Base(dir) + "/..."
}

func lastIndexDir(path, name string) int {
	for i := len(path) - len(name); i >= 0; i-- {
		if path[i:i+len(name)] == name && (i == 0 || path[i-1] == '/') && (i+len(name) == len(path) || path[i+len(name)] == '/') {
			return i
		}
	}
	return -1
}
