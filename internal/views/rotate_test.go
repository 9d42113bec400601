package views

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/provcheck/provcheck/internal/luma"
)

// TestTiltLadder: the turned views' angles are the rungs of a ladder up
// to MaxTilt.
func TestTiltLadder(t *testing.T) {
	if got, want := RotationAngles, []float64{-6, -4.5, -3, -1.5, 0, 1.5, 3, 4.5, 6}; !slices.Equal(got, want) {
		t.Errorf("RotationAngles %v, want %v", got, want)
	}
	if got, want := TiltLadder(2, false), []float64{-6, -4, -2, 2, 4, 6}; !slices.Equal(got, want) {
		t.Errorf("TiltLadder(2, false) = %v, want %v", got, want)
	}
	if got := RotationNames; got[0] != "rotate-6" || got[4] != "centre80" || got[5] != "rotate1.5" {
		t.Errorf("names %v", got)
	}
}

// turnedReference is Turned as first written, a luma.Grid.Bilinear call
// per cell: the reference the optimised version must equal bit for bit.
func turnedReference(g *luma.Grid, deg float64, buf []float32, cw, ch int) {
	cx, cy := float64(g.W)/2, float64(g.H)/2
	sin, cos := math.Sincos(deg * math.Pi / 180)
	for v := 0; v < ch; v++ {
		dy := float64(v) + 0.5 - float64(ch)/2
		for u := 0; u < cw; u++ {
			dx := float64(u) + 0.5 - float64(cw)/2
			sx := cx + float64(dx*cos) - float64(dy*sin) - 0.5
			sy := cy + float64(dx*sin) + float64(dy*cos) - 0.5
			buf[v*cw+u] = g.Bilinear(sx, sy)
		}
	}
}

func randomGrid(rng *rand.Rand, w, h int) *luma.Grid {
	g := &luma.Grid{W: w, H: h, V: make([]float32, w*h)}
	for i := range g.V {
		g.V[i] = rng.Float32() * 255
	}
	return g
}

// TestTurnedSameAsReference: Turned equals turnedReference cell for cell,
// exactly, on random grids of several sizes (odd, tiny, the turned side)
// and at the ladder's angles and odd ones; at 45°, −90° and 180° many
// sources fall outside the grid, on both ends of rows, and rows are run
// backwards. Where the processor has the vector instructions, runs of 8
// cells take turned8 and the rest the scalar loop.
func TestTurnedSameAsReference(t *testing.T) {
	t.Logf("vector instructions: %v", hasVector)
	rng := rand.New(rand.NewPCG(1, 2))
	angles := slices.Clone(RotationAngles)
	for a := -6.0; a <= 6; a += 0.37 {
		angles = append(angles, a)
	}
	angles = append(angles, 0, 45, -90, 180)
	for _, size := range [][2]int{{16, 16}, {17, 23}, {31, 16}, {64, 48}, {255, 191}, {256, 144}, {144, 256}} {
		g := randomGrid(rng, size[0], size[1])
		cw, ch, ok := TurnedSize(g)
		if !ok {
			t.Fatalf("%v: too small", size)
		}
		got, want := make([]float32, cw*ch), make([]float32, cw*ch)
		for _, a := range angles {
			Turned(g, a, got, cw, ch)
			turnedReference(g, a, want, cw, ch)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%dx%d at %v°: cell %d is %v, want %v", size[0], size[1], a, i, got[i], want[i])
				}
			}
		}
	}
}

// BenchmarkTurned turns a TurnedSide grid by every rung of the ladder with
// Turned and with the reference, in the same run:
//
//	go test ./internal/views -run '^$' -bench Turned
func BenchmarkTurned(b *testing.B) {
	g := randomGrid(rand.New(rand.NewPCG(3, 4)), TurnedSide, TurnedSide*9/16)
	cw, ch, _ := TurnedSize(g)
	buf := make([]float32, cw*ch)
	for _, impl := range []struct {
		name string
		turn func(*luma.Grid, float64, []float32, int, int)
	}{{"optimised", Turned}, {"reference", turnedReference}} {
		b.Run(impl.name, func(b *testing.B) {
			for b.Loop() {
				for _, a := range RotationAngles {
					impl.turn(g, a, buf, cw, ch)
				}
			}
		})
	}
}
