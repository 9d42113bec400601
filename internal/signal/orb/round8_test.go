package orb

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRound8: round8 equals clamp8 on halves, their neighbours and random
// values in and around [0, 255].
func TestRound8(t *testing.T) {
	check := func(v float64) {
		if got, want := round8(v), clamp8(v); got != want {
			t.Fatalf("round8(%v) = %d, want %d", v, got, want)
		}
	}
	for k := -4; k <= 2*256+4; k++ {
		h := float64(k) / 2
		for _, v := range []float64{h, math.Nextafter(h, math.Inf(-1)), math.Nextafter(h, math.Inf(1))} {
			check(v)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1_000_000 {
		check(r.Float64()*270 - 5)
	}
	for _, v := range []float64{0, math.Copysign(0, -1), 0.49999999999999994, 254.49999999999997, 255, 1e300, -1e300, math.Inf(1), math.Inf(-1)} {
		check(v)
	}
}
