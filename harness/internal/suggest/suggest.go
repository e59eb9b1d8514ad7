// Package suggest finds the names closest to a mistyped word, for "did you mean" messages.
package suggest

// Closest returns up to n of names whose edit distance to word is at most maxDistance, nearest
// first; names equally near keep their order.
func Closest(word string, names []string, n, maxDistance int) []string {
	type scored struct {
		name string
		d    int
	}
	var all []scored
	for _, name := range names {
		if d := Distance(word, name); d <= maxDistance {
			all = append(all, scored{name, d})
		}
	}
	for i := 1; i < len(all); i++ { // insertion sort: stable and short
		for j := i; j > 0 && all[j].d < all[j-1].d; j-- {
			all[j], all[j-1] = all[j-1], all[j]
		}
	}
	var out []string
	for i := 0; i < len(all) && i < n; i++ {
		out = append(out, all[i].name)
	}
	return out
}

// Distance is the Levenshtein distance between a and b, counted in bytes.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
