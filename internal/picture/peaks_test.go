package picture

import (
	"math/rand/v2"
	"testing"
)

// windowMax is the largest value of every boundary's window, from the
// sparse table of windowRuns (built over reuse's tables when given).
func windowMax(v []float32, n, along, reach int, reuse [][]float32) []float32 {
	win := make([]float32, len(v))
	runs := windowRuns(v, n, along, reach, reuse)
	for b := 1; b < n; b++ {
		lo, hi := windowLines(runs, n, along, b, reach)
		for i := range along {
			win[b*along+i] = max(lo[i], hi[i])
		}
	}
	return win
}

// windowMaxLoop is windowMax by scanning every window.
func windowMaxLoop(v []float32, n, along, reach int) []float32 {
	win := make([]float32, len(v))
	for b := 1; b < n; b++ {
		w := win[b*along : (b+1)*along]
		copy(w, v[b*along:(b+1)*along])
		for o := max(1, b-reach); o <= min(n-1, b+reach); o++ {
			for i, x := range v[o*along : (o+1)*along] {
				if x > w[i] {
					w[i] = x
				}
			}
		}
	}
	return win
}

// TestWindowMaxSameAsLoop: the sparse-table window maxima equal the
// maxima of every window, for every reach and number of boundaries,
// with ties (values drawn from a few levels), in new tables and in tables
// reused from other values.
func TestWindowMaxSameAsLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n <= 20; n++ {
		for _, along := range []int{1, 7} {
			for reach := 0; reach <= 9; reach++ {
				v := make([]float32, n*along)
				for i := range v {
					v[i] = float32(rng.IntN(6)) * 0.75
				}
				other := make([]float32, len(v))
				for i := range other {
					other[i] = float32(rng.IntN(6)) * 0.75
				}
				want := windowMaxLoop(v, n, along, reach)
				for _, reuse := range [][][]float32{nil, windowRuns(other, n, along, reach, nil)} {
					got := windowMax(v, n, along, reach, reuse)
					for i := range want {
						if got[i] != want[i] {
							t.Fatalf("n=%d along=%d reach=%d reuse=%v: at %d %v, want %v", n, along, reach, reuse != nil, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}
