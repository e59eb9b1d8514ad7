package grade

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrShard is the error of a --shard value that is not K/N with 1 <= K <= N.
var ErrShard = errors.New("--shard must be K/N, two whole numbers with 1 <= K <= N (the K-th of N shards)")

// shard is one of N parts of a class: the students whose place in the class, sorted by name
// byte by byte (as the class folder lists them), counted from 0, leaves K-1 when divided by
// N. The N shards of a class are disjoint and cover it, whatever its size; a shard may be
// empty when the class has fewer than N students.
type shard struct{ k, n int }

// parseShard reads "K/N".
func parseShard(s string) (shard, error) {
	ks, ns, ok := strings.Cut(s, "/")
	k, err1 := strconv.Atoi(ks)
	n, err2 := strconv.Atoi(ns)
	if !ok || err1 != nil || err2 != nil || k < 1 || k > n {
		return shard{}, fmt.Errorf("%w, not %q", ErrShard, s)
	}
	return shard{k, n}, nil
}

func (s shard) String() string { return fmt.Sprintf("%d/%d", s.k, s.n) }

// file is the name of the shard's JSON report.
func (s shard) file() string { return fmt.Sprintf("shard-%d-of-%d.json", s.k, s.n) }

// shardFile reads the shard from a report file's name, shard-K-of-N.json, as file writes it.
func shardFile(p string) (shard, bool) {
	var s shard
	_, err := fmt.Sscanf(filepath.Base(p), "shard-%d-of-%d.json", &s.k, &s.n)
	return s, err == nil && s.file() == filepath.Base(p) && s.k >= 1 && s.k <= s.n
}

// holds reports whether the student at place i (from 0) of the sorted class is in s.
func (s shard) holds(i int) bool { return i%s.n == s.k-1 }

// pick keeps the submissions of s; subs are sorted by student.
func (s shard) pick(subs []submission) []submission {
	var out []submission
	for i, sub := range subs {
		if s.holds(i) {
			out = append(out, sub)
		}
	}
	return out
}
