package orb

import (
	"math"
	"testing"
)

// describeEach is describe turning and box-summing both ends of every
// pair.
func describeEach(lv *level, x, y int, ang float64) Descriptor {
	return describeEachTurned(lv, x, y, math.Cos(ang), math.Sin(ang))
}

func describeEachTurned(lv *level, x, y int, c, s float64) Descriptor {
	var d Descriptor
	rot := func(px, py int8) (int, int) {
		fx, fy := float64(px), float64(py)
		return x + int(math.Round(c*fx-s*fy)), y + int(math.Round(s*fx+c*fy))
	}
	for i, p := range pattern {
		ax, ay := rot(p.ax, p.ay)
		bx, by := rot(p.bx, p.by)
		if boxSum(lv, ax, ay) < boxSum(lv, bx, by) {
			d[i>>6] |= 1 << (i & 63)
		}
	}
	return d
}

// TestDescribeSameAsEach: descriptors from the distinct points equal
// those from both ends of every pair, at every angle, on two pictures.
func TestDescribeSameAsEach(t *testing.T) {
	if len(points) >= 2*len(pattern) || len(points) < 100 {
		t.Fatalf("%d distinct points", len(points))
	}
	for _, g := range []*Gray{scene(7, 320, 180), scene(11, 200, 300)} {
		lv := &level{img: g, scale: 1}
		lv.integ = integral(g)
		n := 0
		for y := edge; y < g.H-edge; y += 7 {
			for x := edge; x < g.W-edge; x += 5 {
				ang := float64(n%720)*math.Pi/360 - math.Pi
				n++
				if got, want := describe(lv, x, y, ang), describeEach(lv, x, y, ang); got != want {
					t.Fatalf("(%d,%d) at %v: %x, want %x", x, y, ang, got, want)
				}
			}
		}
	}
}

// TestDescribeRoundsHalvesAway: turns whose offsets fall exactly on
// halves (cosine and sine of ±0.5, 0.25, 0.75) round as math.Round does,
// away from zero, in the vector steps too.
func TestDescribeRoundsHalvesAway(t *testing.T) {
	t.Logf("vector instructions: %v", hasVector)
	g := scene(7, 320, 180)
	lv := &level{img: g, scale: 1}
	lv.integ = integral(g)
	for _, cs := range [][2]float64{{0.5, 0.5}, {-0.5, 0.5}, {0.5, -0.5}, {-0.5, -0.5}, {0.25, 0.75}, {-0.75, 0.25}, {1, 0}, {0, -1}} {
		for y := 40; y < g.H-40; y += 9 {
			for x := 40; x < g.W-40; x += 13 {
				if got, want := describeTurned(lv, x, y, cs[0], cs[1]), describeEachTurned(lv, x, y, cs[0], cs[1]); got != want {
					t.Fatalf("(%d,%d) turned by %v: %x, want %x", x, y, cs, got, want)
				}
			}
		}
	}
}

// BenchmarkDescribe: 500 descriptors from the distinct points against
// from both ends of every pair, in the same run.
func BenchmarkDescribe(b *testing.B) {
	g := scene(7, 640, 360)
	lv := &level{img: g, scale: 1}
	lv.integ = integral(g)
	for _, f := range []struct {
		name string
		fn   func(*level, int, int, float64) Descriptor
	}{{"each", describeEach}, {"distinct", describe}} {
		b.Run(f.name, func(b *testing.B) {
			c0 := cpuTime()
			for b.Loop() {
				for k := range 500 {
					f.fn(lv, edge+k%500, edge+k%250, float64(k)*0.01)
				}
			}
			cpuPerOp(b, c0)
		})
	}
}
