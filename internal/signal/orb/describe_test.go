package orb

import (
	"math"
	"testing"
)

// describeEach is describe turning and box-summing both ends of every
// pair.
func describeEach(lv *level, x, y int, ang float64) Descriptor {
	var d Descriptor
	c, s := math.Cos(ang), math.Sin(ang)
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
