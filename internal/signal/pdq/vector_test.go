package pdq

import (
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// lumaFromYCbCrScalar is lumaFromYCbCr one pixel at a time, the loop
// processors without the vector instructions run.
func (h *Hasher) lumaFromYCbCrScalar(m *image.YCbCr, dst []float32, ow int) {
	b := m.Rect
	h.cxs = growInts(h.cxs, len(h.xs))
	for x, sx := range h.xs {
		h.cxs[x] = m.COffset(b.Min.X+sx, b.Min.Y)
	}
	for y, sy := range h.ys {
		row := dst[y*ow : y*ow+ow]
		py := b.Min.Y + sy
		yRow := m.YOffset(b.Min.X, py)
		cRow := m.COffset(b.Min.X, py)
		yp := m.Y[yRow : yRow+b.Dx()]
		for x, sx := range h.xs {
			ci := cRow + h.cxs[x]
			r, g, bl := ycbcrToRGB(yp[sx], m.Cb[ci], m.Cr[ci])
			row[x] = luma8(r, g, bl)
		}
	}
}

// TestLumaFromYCbCrSameAsScalar: the luminance of random YCbCr pictures
// of every subsampling, sizes below and above MaxDim (every pixel, and
// sampled), widths with and without a tail of fewer than 16 samples, and
// sub-images whose planes go on past them, equals the one-pixel-at-a-time
// loop bit for bit. The pictures' last rows end their planes, where the
// vector steps stop short.
func TestLumaFromYCbCrSameAsScalar(t *testing.T) {
	t.Logf("vector instructions: %v", hasVector)
	rng := rand.New(rand.NewPCG(3, 9))
	ratios := []image.YCbCrSubsampleRatio{image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422,
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410}
	for _, ratio := range ratios {
		for _, sz := range [][2]int{{16, 16}, {17, 20}, {33, 64}, {100, 75}, {512, 288}, {640, 360}, {1001, 777}} {
			m := image.NewYCbCr(image.Rect(0, 0, sz[0], sz[1]), ratio)
			for _, p := range [][]uint8{m.Y, m.Cb, m.Cr} {
				for i := range p {
					p[i] = uint8(rng.IntN(256))
				}
			}
			pics := map[string]*image.YCbCr{"whole": m}
			if sub, ok := m.SubImage(image.Rect(3, 2, sz[0]-1, sz[1]-2)).(*image.YCbCr); ok && sub.Rect.Dx() >= MinDim && sub.Rect.Dy() >= MinDim {
				pics["sub"] = sub
			}
			for name, pic := range pics {
				h, ref := NewHasher(), NewHasher()
				ow, oh := h.sampleGrid(pic.Rect.Dx(), pic.Rect.Dy())
				ref.sampleGrid(pic.Rect.Dx(), pic.Rect.Dy())
				got, want := make([]float32, ow*oh), make([]float32, ow*oh)
				h.lumaFromYCbCr(pic, got, ow)
				ref.lumaFromYCbCrScalar(pic, want, ow)
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%v %dx%d %s: sample %d is %v, want %v", ratio, sz[0], sz[1], name, i, got[i], want[i])
					}
				}
			}
		}
	}
}

// BenchmarkLumaFromYCbCr: a 4:2:0 picture as the reduced JPEG decode of a
// 1280×720 upload gives it, vector and scalar, in the same run.
func BenchmarkLumaFromYCbCr(b *testing.B) {
	m := image.NewYCbCr(image.Rect(0, 0, 640, 360), image.YCbCrSubsampleRatio420)
	rng := rand.New(rand.NewPCG(1, 1))
	for _, p := range [][]uint8{m.Y, m.Cb, m.Cr} {
		for i := range p {
			p[i] = uint8(rng.IntN(256))
		}
	}
	h := NewHasher()
	ow, oh := h.sampleGrid(640, 360)
	dst := make([]float32, ow*oh)
	for _, f := range []struct {
		name string
		fn   func(*image.YCbCr, []float32, int)
	}{{"scalar", h.lumaFromYCbCrScalar}, {"lumaFromYCbCr", h.lumaFromYCbCr}} {
		b.Run(fmt.Sprint(f.name), func(b *testing.B) {
			for b.Loop() {
				f.fn(m, dst, ow)
			}
		})
	}
}
