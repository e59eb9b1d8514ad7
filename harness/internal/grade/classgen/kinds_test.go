package classgen

import (
	"slices"
	"testing"
)

// The class the grader is measured on: 30 submissions, 18 correct, 8 with a bug, 4 stubs.
func TestKindsOf_SplitsByLargestRemainder(t *testing.T) {
	kinds := kindsOf(30, DefaultMix)
	got := []int{0, 0, 0}
	for _, k := range kinds {
		got[slices.Index([]Kind{Correct, OneBug, Stub}, k)]++
	}
	if !slices.Equal(got, []int{18, 8, 4}) {
		t.Errorf("kindsOf(30, DefaultMix) gives %v correct, one-bug, stub; want [18 8 4]", got)
	}
	if n := len(kindsOf(7, Mix{})); n != 7 {
		t.Errorf("kindsOf(7, no shares) gives %d kinds, want 7 (all correct)", n)
	}
}
