package views

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestWarpedProjectiveSameAsWarped: WarpedProjective equals Warped through
// Projective.At cell for cell, exactly, for similarities and perspective
// maps, mirrored and not, windows inside the grid and reaching past it
// (clamped samples), divisors that cross zero inside the window, and
// window widths with and without a tail of fewer than 8 cells.
func TestWarpedProjectiveSameAsWarped(t *testing.T) {
	t.Logf("vector instructions: %v", hasVector)
	rng := rand.New(rand.NewPCG(8, 9))
	g := randomGrid(rng, 320, 180)
	maps := map[string]Projective{
		"identity": {H: [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, RW: 320, RH: 180, SX: 1, SY: 1},
		"mirrored": {H: [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1}, RW: 320, RH: 180, Mirrored: true, MirrorX: 319, SX: 1, SY: 1},
		"tile":     {H: [9]float64{0.5, 0, 10, 0, 0.5, 5, 0, 0, 1}, RW: 640, RH: 360, SX: 0.5, SY: 0.5},
		"turned":   {H: [9]float64{0.9, -0.2, 40, 0.2, 0.9, -10, 0, 0, 1}, RW: 300, RH: 170, SX: 1.1, SY: 0.9},
		"outside":  {H: [9]float64{2, 0.1, -100, -0.1, 2, -50, 0, 0, 1}, RW: 320, RH: 180, SX: 1, SY: 1},
		// The divisor h6·x + h7·y + h8 crosses zero near x = 160.
		"singular": {H: [9]float64{1, 0, 0, 0, 1, 0, -1.0 / 160, 0, 1}, RW: 320, RH: 180, SX: 1, SY: 1},
		// Divisors under 1e-12 everywhere: every point maps to (−1, −1).
		"degenerate": {H: [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 1e-13}, RW: 320, RH: 180, SX: 1, SY: 1},
		"zero":       {H: [9]float64{1, 0, 0, 0, 1, 0, 0, 0, 0}, RW: 320, RH: 180, Mirrored: true, MirrorX: 319, SX: 1, SY: 1},
	}
	for i := range 20 {
		var h [9]float64
		for j := range h {
			h[j] = rng.NormFloat64()
		}
		h[0], h[4], h[8] = h[0]+2, h[4]+2, 1
		h[6], h[7] = h[6]*1e-3, h[7]*1e-3
		maps[fmt.Sprintf("random-%d", i)] = Projective{H: h, RW: 200 + 100*rng.Float64(), RH: 100 + 100*rng.Float64(),
			Mirrored: i%2 == 1, MirrorX: 300, SX: 0.5 + rng.Float64(), SY: 0.5 + rng.Float64()}
	}
	for name, p := range maps {
		for _, size := range [][2]int{{64, 64}, {71, 40}, {8, 9}, {256, 144}} {
			cw, ch := size[0], size[1]
			got, want := make([]float32, cw*ch), make([]float32, cw*ch)
			WarpedProjective(g, got, cw, ch, &p)
			Warped(g, want, cw, ch, p.At)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s, %dx%d: cell %d is %v, want %v", name, cw, ch, i, got[i], want[i])
				}
			}
		}
	}
}

// BenchmarkWarpedProjective: a 256×144 guided view, through the closure
// and with WarpedProjective, in the same run.
func BenchmarkWarpedProjective(b *testing.B) {
	g := randomGrid(rand.New(rand.NewPCG(3, 4)), 512, 288)
	p := Projective{H: [9]float64{0.9, -0.1, 40, 0.1, 0.9, 20, 1e-5, -2e-5, 1}, RW: 480, RH: 270, SX: 1, SY: 1}
	buf := make([]float32, 256*144)
	b.Run("closure", func(b *testing.B) {
		for b.Loop() {
			Warped(g, buf, 256, 144, p.At)
		}
	})
	b.Run("projective", func(b *testing.B) {
		for b.Loop() {
			WarpedProjective(g, buf, 256, 144, &p)
		}
	})
}
