package harness

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

// Rand returns a random source for t's inputs, so that no answer can be hard-coded. Its seed
// is logged when t fails; setting KATA_SEED to that number replays the same inputs.
func Rand(t testing.TB) *rand.Rand {
	t.Helper()
	seed, err := strconv.ParseUint(os.Getenv("KATA_SEED"), 10, 64)
	if err != nil {
		seed = rand.Uint64()
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("random inputs came from seed %d: KATA_SEED=%d go test -race -run '^%s$' replays them", seed, seed, t.Name())
		}
	})
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}
