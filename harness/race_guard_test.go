package harness

import "testing"

// nameTheFolder stands for RequireRace and Main: a function that names the folder of the test
// file that called it.
func nameTheFolder() string { return exerciseDir(1) }

func TestExerciseDir_NamesTheCallersFolder(t *testing.T) {
	if got, want := nameTheFolder(), "harness/..."; got != want {
		t.Errorf("exerciseDir(1) from a test in harness/ = %q, want %q", got, want)
	}
	if got, want := raceMessage("exercises/01_cell"), "this exercise needs the race detector: go test -race ./exercises/01_cell"; got != want {
		t.Errorf("raceMessage = %q, want %q", got, want)
	}
}
