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

// TestAddSubScaleRowsSameAsScalar: the column pass's full-window rows give
// the same running sums and outputs bit for bit as one value at a time,
// for lengths below a vector step, whole steps and steps with a tail, a
// power-of-two window (multiplied in float32) and others (scaled through
// float64), on values from 0 to 255 and sums that have grown large.
func TestAddSubScaleRowsSameAsScalar(t *testing.T) {
	t.Logf("vector instructions: %v", hasVector)
	rng := rand.New(rand.NewPCG(4, 4))
	for _, n := range []int{1, 7, 8, 15, 16, 17, 64, 100, 512} {
		for _, window := range []int{1, 2, 3, 4, 5, 7} {
			s, a, b := make([]float32, n), make([]float32, n), make([]float32, n)
			for i := range s {
				s[i] = rng.Float32() * 255 * float32(window)
				a[i], b[i] = rng.Float32()*255, rng.Float32()*255
			}
			s2 := append([]float32(nil), s...)
			got, want := make([]float32, n), make([]float32, n)
			inv := recip[window]
			if pow2Recip(window) {
				addSubScaleRow32(got, s, a, b, float32(inv))
				for j := range s2 {
					v := s2[j] + a[j]
					v -= b[j]
					s2[j] = v
					want[j] = v * float32(inv)
				}
			} else {
				addSubScaleRow(got, s, a, b, inv)
				for j := range s2 {
					v := s2[j] + a[j]
					v -= b[j]
					s2[j] = v
					want[j] = scale(v, inv)
				}
			}
			for j := range want {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) || math.Float32bits(s[j]) != math.Float32bits(s2[j]) {
					t.Fatalf("n %d window %d: value %d is %v (sum %v), want %v (sum %v)", n, window, j, got[j], s[j], want[j], s2[j])
				}
			}
		}
	}
}
