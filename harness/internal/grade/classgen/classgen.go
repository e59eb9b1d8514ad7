// Package classgen writes a made-up class for the grader's benchmark: N copies of the
// repository, each a submission whose learner files come from the reference solutions, the
// alternates (harness/testdata/alternates), the mutants (harness/testdata/mutants, applied
// with package mutant) and the stubs, in given proportions, from a seed. The same options
// always write the same class.
//
// Every learner file of every copy ends with a package-level variable whose initial value names
// the copy and the exercise. The compiler keeps such a variable in the package's object file,
// so no two copies build the same and nothing of one is reused for another: a class of N
// copies costs N times the builds, as a real class does.
package classgen

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kata-go/concurrency/harness/internal/manifest"
	"github.com/kata-go/concurrency/harness/internal/mutant"
)

// Kind is what a generated submission holds.
type Kind string

// The kinds of submission.
const (
	// Correct: every exercise is the reference solution or one of its alternates.
	Correct Kind = "correct"
	// OneBug: as Correct, but one exercise is a mutant (a known-wrong solution).
	OneBug Kind = "one_bug"
	// Stub: every exercise is left as the stub.
	Stub Kind = "stub"
)

// Mix gives the share of each kind of submission; the shares need not add up to 1.
type Mix struct {
	Correct, OneBug, Stub float64
}

// DefaultMix is the class the grader is measured on: 60% correct, 25% with one bug, 15% stubs.
var DefaultMix = Mix{Correct: 0.60, OneBug: 0.25, Stub: 0.15}

// Options say which class to write.
type Options struct {
	// Root is the repository the copies are made of.
	Root string
	// N is the number of submissions.
	N int
	// Seed chooses the kinds' order, the alternates and the mutants.
	Seed uint64
	// Mix gives the share of each kind (DefaultMix when zero).
	Mix Mix
	// Exercises limits the learner files filled in to these exercises (all when empty); the
	// others are left as the stub.
	Exercises []string
}

// ErrNoSubmissions is returned by Generate when N is not positive.
var ErrNoSubmissions = errors.New("classgen: the class needs at least one submission")

// Submission is one generated copy.
type Submission struct {
	// Name is the copy's folder name inside the class folder: "student-07".
	Name string
	Kind Kind
	// Variants says what each exercise's learner file is: "solution", "stub",
	// "alternate:NAME" or "mutant:NAME".
	Variants map[string]string
}

// Generate writes the class into dir (created if needed; it must hold no submission of that
// name already) and returns what it wrote, in folder order.
func Generate(dir string, opt Options) ([]Submission, error) {
	if opt.N <= 0 {
		return nil, ErrNoSubmissions
	}
	if opt.Mix == (Mix{}) {
		opt.Mix = DefaultMix
	}
	m, err := manifest.Load(opt.Root)
	if err != nil {
		return nil, fmt.Errorf("classgen: %w", err)
	}
	exs, err := chosen(m, opt.Exercises)
	if err != nil {
		return nil, fmt.Errorf("classgen: %w", err)
	}
	src, err := loadSources(opt.Root, exs)
	if err != nil {
		return nil, err
	}
	files, err := repositoryFiles(opt.Root)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x6b617461))
	kinds := kindsOf(opt.N, opt.Mix)
	rng.Shuffle(len(kinds), func(i, j int) { kinds[i], kinds[j] = kinds[j], kinds[i] })
	var subs []Submission
	for i, kind := range kinds {
		s := Submission{Name: fmt.Sprintf("student-%02d", i+1), Kind: kind, Variants: map[string]string{}}
		buggy := -1
		if kind == OneBug {
			buggy = rng.IntN(len(exs))
		}
		learner := map[string]string{} // slash path -> content
		for j, e := range exs {
			name, text := src[e.Name].pick(rng, kind, j == buggy)
			s.Variants[e.Name] = name
			learner[e.Dir()+"/"+e.Files[0]] = text + mark(opt.Seed, s.Name, e.Name)
		}
		if err := writeCopy(opt.Root, filepath.Join(dir, s.Name), files, learner); err != nil {
			return nil, err
		}
		subs = append(subs, s)
	}
	return subs, nil
}

// mark is the line added to every learner file: a variable the compiler keeps, whose value
// differs between any two copies and exercises.
func mark(seed uint64, student, exercise string) string {
	return fmt.Sprintf("\n// kataClassgenMark makes this copy build unlike any other of its class.\nvar kataClassgenMark = %q\n",
		fmt.Sprintf("classgen seed %d %s %s", seed, student, exercise))
}

func chosen(m *manifest.Manifest, names []string) ([]manifest.Exercise, error) {
	if len(names) == 0 {
		return m.Exercises, nil
	}
	var exs []manifest.Exercise
	for _, n := range names {
		e, err := m.Lookup(n)
		if err != nil {
			return nil, err
		}
		exs = append(exs, e)
	}
	slices.SortFunc(exs, func(a, b manifest.Exercise) int { return a.Number() - b.Number() })
	return slices.CompactFunc(exs, func(a, b manifest.Exercise) bool { return a.Name == b.Name }), nil
}

// kindsOf splits n submissions by the shares of mix (largest remainder first), in the order
// correct, one bug, stub.
func kindsOf(n int, mix Mix) []Kind {
	shares := []float64{mix.Correct, mix.OneBug, mix.Stub}
	order := []Kind{Correct, OneBug, Stub}
	total := shares[0] + shares[1] + shares[2]
	if total <= 0 {
		shares, total = []float64{1, 0, 0}, 1
	}
	counts := make([]int, 3)
	left := n
	for i, s := range shares {
		counts[i] = int(float64(n) * s / total)
		left -= counts[i]
	}
	for ; left > 0; left-- {
		best := 0
		for i, s := range shares {
			rem := float64(n)*s/total - float64(counts[i])
			if rem > float64(n)*shares[best]/total-float64(counts[best]) {
				best = i
			}
		}
		counts[best]++
	}
	var kinds []Kind
	for i, c := range counts {
		for range c {
			kinds = append(kinds, order[i])
		}
	}
	return kinds
}

// sources are the learner files an exercise can be given.
type sources struct {
	stub, solution string
	alternates     []named
	mutants        []named
}

type named struct{ name, text string }

// pick returns the variant of the exercise for a submission of kind; buggy says this is the
// exercise a OneBug submission gets wrong.
func (s sources) pick(rng *rand.Rand, kind Kind, buggy bool) (name, text string) {
	switch {
	case kind == Stub:
		return "stub", s.stub
	case buggy && len(s.mutants) > 0:
		m := s.mutants[rng.IntN(len(s.mutants))]
		return "mutant:" + m.name, m.text
	}
	i := rng.IntN(len(s.alternates) + 1)
	if i == len(s.alternates) {
		return "solution", s.solution
	}
	return "alternate:" + s.alternates[i].name, s.alternates[i].text
}

func loadSources(root string, exs []manifest.Exercise) (map[string]sources, error) {
	out := map[string]sources{}
	for _, e := range exs {
		if len(e.Files) != 1 {
			return nil, fmt.Errorf("classgen: %s has %d learner files; only exercises with one are supported", e.Name, len(e.Files))
		}
		var s sources
		for p, dst := range map[string]*string{
			filepath.Join(root, filepath.FromSlash(e.Dir()), e.Files[0]):         &s.stub,
			filepath.Join(root, filepath.FromSlash(e.SolutionDir()), e.Files[0]): &s.solution,
		} {
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("classgen: %w", err)
			}
			*dst = string(data)
		}
		alts, err := filepath.Glob(filepath.Join(root, "harness", "testdata", "alternates", e.Name, "*.go"))
		if err != nil {
			return nil, err
		}
		for _, p := range alts {
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, fmt.Errorf("classgen: %w", err)
			}
			s.alternates = append(s.alternates, named{strings.TrimSuffix(filepath.Base(p), ".go"), string(data)})
		}
		ms, err := mutant.Load(root, e)
		if err != nil {
			return nil, fmt.Errorf("classgen: %w", err)
		}
		for _, m := range ms {
			s.mutants = append(s.mutants, named{m.Name, m.Source})
		}
		out[e.Name] = s
	}
	return out, nil
}

// copied are the parts of the repository a learner's copy holds: everything the plain
// `go test -race ./exercises/...` needs, and what the grader compares with the pristine tree.
var copied = []string{"go.mod", "go.sum", "README.md", "CONTRIBUTING.md", "exercises", "harness", "solutions"}

// repositoryFiles lists the regular files of copied under root, as slash paths, skipping
// folders whose name starts with a dot.
func repositoryFiles(root string) ([]string, error) {
	var out []string
	for _, top := range copied {
		err := filepath.WalkDir(filepath.Join(root, top), func(p string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir() && strings.HasPrefix(d.Name(), "."):
				return filepath.SkipDir
			case !d.Type().IsRegular():
				return nil
			}
			rel, err := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
			return err
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("classgen: list the repository: %w", err)
		}
	}
	return out, nil
}

// writeCopy writes the repository's files into dst (hard links where it can), with learner
// (slash path -> content) in place of those files.
func writeCopy(root, dst string, files []string, learner map[string]string) error {
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("classgen: %s exists already", dst)
	}
	for _, rel := range files {
		to := filepath.Join(dst, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			return fmt.Errorf("classgen: %w", err)
		}
		data, ok := learner[rel]
		if !ok {
			if err := linkOrCopy(filepath.Join(root, filepath.FromSlash(rel)), to); err != nil {
				return fmt.Errorf("classgen: %w", err)
			}
			continue
		}
		if err := os.WriteFile(to, []byte(data), 0o644); err != nil {
			return fmt.Errorf("classgen: %w", err)
		}
	}
	return nil
}

// linkOrCopy makes dst a hard link to src, or a copy where links cannot be made. Nothing
// writes to a copy's files but its learner files, which are written anew.
func linkOrCopy(src, dst string) error {
	if os.Link(src, dst) == nil {
		return nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}
