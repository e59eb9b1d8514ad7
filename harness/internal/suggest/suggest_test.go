package suggest_test

import (
	"slices"
	"testing"

	"github.com/kata-go/concurrency/harness/internal/suggest"
)

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{{"check", "check", 0}, {"chekc", "check", 2}, {"", "watch", 5}, {"cel", "cell", 1}} {
		if got := suggest.Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestClosest(t *testing.T) {
	names := []string{"check", "watch", "hint", "list", "next"}
	if got, want := suggest.Closest("chek", names, 2, 2), []string{"check"}; !slices.Equal(got, want) {
		t.Errorf(`Closest("chek") = %v, want %v`, got, want)
	}
	if got := suggest.Closest("zzzzzz", names, 3, 2); len(got) != 0 {
		t.Errorf(`Closest("zzzzzz") = %v, want none`, got)
	}
	if got, want := suggest.Closest("lint", names, 3, 2), []string{"hint", "list"}; !slices.Equal(got, want) {
		t.Errorf(`Closest("lint") = %v, want %v (equals keep their order)`, got, want)
	}
}
