package orb

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestArc9: arc9 against a plain walk round the circle, for every mask.
func TestArc9(t *testing.T) {
	for m := uint32(0); m < 1<<16; m++ {
		want := false
		for i := 0; i < 16 && !want; i++ {
			run := 0
			for k := 0; k < 9 && m>>((i+k)%16)&1 == 1; k++ {
				run++
			}
			want = run == 9
		}
		if got := arc9(m); got != want {
			t.Fatalf("arc9(%016b) = %v, want %v", m, got, want)
		}
	}
}

// fastRef, arc9Ref and harrisRef are fast, arc9 and harris as they were
// first written: a w×h array of scores, a branch per circle pixel and
// float64 sums.
func fastRef(g *Gray, thr int) []corner {
	w, h := g.W, g.H
	var off [16]int
	for i, c := range circle {
		off[i] = c[1]*w + c[0]
	}
	score := make([]int32, w*h)
	p := g.Pix
	for y := edge - 1; y < h-edge+1; y++ {
		for x := edge - 1; x < w-edge+1; x++ {
			i := y*w + x
			c := int(p[i])
			hi, lo := c+thr, c-thr
			// Any arc of 9 holds pixel 0 or 8, and pixel 4 or 12.
			v0, v8 := int(p[i+off[0]]), int(p[i+off[8]])
			if v0 <= hi && v0 >= lo && v8 <= hi && v8 >= lo {
				continue
			}
			v4, v12 := int(p[i+off[4]]), int(p[i+off[12]])
			if v4 <= hi && v4 >= lo && v12 <= hi && v12 >= lo {
				continue
			}
			var mb, md uint32
			sb, sd := 0, 0
			for k := 0; k < 16; k++ {
				v := int(p[i+off[k]])
				if v > hi {
					mb |= 1 << k
					sb += v - hi
				} else if v < lo {
					md |= 1 << k
					sd += lo - v
				}
			}
			s := 0
			if arc9Ref(mb) {
				s = sb
			}
			if arc9Ref(md) && sd > s {
				s = sd
			}
			if s > 0 {
				score[i] = int32(s)
			}
		}
	}
	var out []corner
	for y := edge; y < h-edge; y++ {
		for x := edge; x < w-edge; x++ {
			i := y*w + x
			s := score[i]
			if s == 0 {
				continue
			}
			if s < score[i-1] || s <= score[i+1] || s < score[i-w-1] || s < score[i-w] || s < score[i-w+1] ||
				s <= score[i+w-1] || s <= score[i+w] || s <= score[i+w+1] {
				continue
			}
			out = append(out, corner{x: x, y: y, r: harrisRef(g, x, y)})
		}
	}
	return out
}

func arc9Ref(m uint32) bool {
	if m == 0 {
		return false
	}
	m |= m << 16
	a := m
	for i := 1; i < 9; i++ {
		a &= m >> i
	}
	return a != 0
}

func harrisRef(g *Gray, x, y int) float32 {
	w := g.W
	p := g.Pix
	var sxx, syy, sxy float64
	r := harrisBlock / 2
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			i := (y+dy)*w + x + dx
			gx := 2*(int(p[i+1])-int(p[i-1])) + int(p[i-w+1]) - int(p[i-w-1]) + int(p[i+w+1]) - int(p[i+w-1])
			gy := 2*(int(p[i+w])-int(p[i-w])) + int(p[i+w-1]) - int(p[i-w-1]) + int(p[i+w+1]) - int(p[i-w+1])
			sxx += float64(gx * gx)
			syy += float64(gy * gy)
			sxy += float64(gx * gy)
		}
	}
	// Normalise so that the response does not depend on the block size.
	n := 1.0 / (float64(harrisBlock*harrisBlock) * 16 * 255)
	sxx, syy, sxy = sxx*n, syy*n, sxy*n
	return float32(sxx*syy - sxy*sxy - harrisK*(sxx+syy)*(sxx+syy))
}

// TestFastSameAsRef: fast finds the corners fastRef finds, in the same
// order with the same responses, at every threshold the row-at-a-time
// path takes and on either side of it, on pictures with detail, noise,
// bright and dark pictures and odd sizes (rows of 64 centres and more take
// the vector steps where the processor has them).
func TestFastSameAsRef(t *testing.T) {
	noise := &Gray{W: 203, H: 117, Pix: make([]uint8, 203*117)}
	r := rand.New(rand.NewPCG(5, 6))
	for i := range noise.Pix {
		noise.Pix[i] = uint8(r.IntN(256))
	}
	bright := scene(9, 151, 97)
	for i, v := range bright.Pix {
		bright.Pix[i] = 200 + v/5
	}
	// Centres near 0 and 255, where centre ± thr leaves the byte range
	// (the vector steps saturate it).
	dark := scene(10, 260, 90)
	for i, v := range dark.Pix {
		dark.Pix[i] = v / 5
	}
	t.Logf("vector instructions: %v", hasVector)
	for _, g := range []*Gray{scene(7, 320, 180), scene(8, 97, 61), noise, bright, dark, {W: 35, H: 35, Pix: make([]uint8, 35*35)}} {
		for _, thr := range []int{-1, 0, 1, 5, 8, 20, 40, 100, 200, 254, 255, 256, 300} {
			got, want := fast(g, thr), fastRef(g, thr)
			if !slices.Equal(got, want) {
				t.Fatalf("%dx%d at %d: %d corners, want %d", g.W, g.H, thr, len(got), len(want))
			}
		}
	}
}
