package orb

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// resizeReference is resizeBilinear one pixel at a time, with its taps
// in a slice of structs and clamp8's rounding (math.Round).
func resizeReference(src *Gray, w, h int) *Gray {
	dst := &Gray{W: w, H: h, Pix: make([]uint8, w*h)}
	fx := float64(src.W) / float64(w)
	fy := float64(src.H) / float64(h)
	type tap struct {
		i     int
		a, na float64
	}
	xt := make([]tap, w)
	for x := range xt {
		sx := (float64(x)+0.5)*fx - 0.5
		sx = math.Max(0, math.Min(sx, float64(src.W-1)))
		i := int(sx)
		if i >= src.W-1 {
			i = src.W - 2
		}
		a := sx - float64(i)
		xt[x] = tap{i, a, 1 - a}
	}
	for y := 0; y < h; y++ {
		sy := (float64(y)+0.5)*fy - 0.5
		sy = math.Max(0, math.Min(sy, float64(src.H-1)))
		j := int(sy)
		if j >= src.H-1 {
			j = src.H - 2
		}
		b := sy - float64(j)
		nb := 1 - b
		r0 := src.Pix[j*src.W:][:src.W]
		r1 := src.Pix[(j+1)*src.W:][:src.W]
		out := dst.Pix[y*w:][:len(xt)]
		for x, t := range xt {
			p0, p1 := r0[t.i:t.i+2], r1[t.i:t.i+2]
			top := float64(p0[0])*t.na + float64(p0[1])*t.a
			bot := float64(p1[0])*t.na + float64(p1[1])*t.a
			out[x] = clamp8(top*nb + bot*b)
		}
	}
	return dst
}

// TestResizeSameAsReference: every pyramid step (1/ScaleFactor) and
// other sizes, down and up, of random and of flat pictures (all 0, all
// 255: the rounding's ends), equal the reference byte for byte. Widths
// that are and are not multiples of 8 take the vector steps and the
// scalar tail; the picture's last row is read by both.
func TestResizeSameAsReference(t *testing.T) {
	t.Logf("vector instructions: %v", hasVector)
	rng := rand.New(rand.NewPCG(5, 6))
	pictures := map[string]*Gray{}
	for _, sz := range [][2]int{{2, 2}, {9, 5}, {40, 40}, {63, 17}, {320, 180}, {641, 359}} {
		g := &Gray{W: sz[0], H: sz[1], Pix: make([]uint8, sz[0]*sz[1])}
		for i := range g.Pix {
			g.Pix[i] = uint8(rng.IntN(256))
		}
		pictures[fmt.Sprintf("random-%dx%d", sz[0], sz[1])] = g
	}
	for _, v := range []uint8{0, 255} {
		g := &Gray{W: 100, H: 60, Pix: make([]uint8, 6000)}
		for i := range g.Pix {
			g.Pix[i] = v
		}
		pictures[fmt.Sprintf("flat-%d", v)] = g
	}
	pictures["scene"] = scene(7, 640, 360)
	for name, g := range pictures {
		var sizes [][2]int
		for _, s := range []float64{1.2, 1.44, 2, 3.7, 1, 0.5, 1 / 1.2} {
			sizes = append(sizes, [2]int{max(2, int(math.Round(float64(g.W)/s))), max(2, int(math.Round(float64(g.H)/s)))})
		}
		sizes = append(sizes, [2]int{8, 3}, [2]int{17, 2}, [2]int{g.W, 1})
		for _, sz := range sizes {
			got, want := resizeBilinear(g, sz[0], sz[1]), resizeReference(g, sz[0], sz[1])
			for i := range want.Pix {
				if got.Pix[i] != want.Pix[i] {
					t.Fatalf("%s to %dx%d: pixel %d is %d, want %d", name, sz[0], sz[1], i, got.Pix[i], want.Pix[i])
				}
			}
		}
	}
}

// BenchmarkResize: one pyramid step of a 640×360 picture, against the
// reference, in the same run.
func BenchmarkResize(b *testing.B) {
	g := scene(7, 640, 360)
	for _, f := range []struct {
		name string
		fn   func(*Gray, int, int) *Gray
	}{{"reference", resizeReference}, {"resizeBilinear", resizeBilinear}} {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				f.fn(g, 533, 300)
			}
		})
	}
}
