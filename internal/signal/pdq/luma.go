package pdq

import (
	"image"
	"image/color"
)

// The reference luminance coefficients, as float32.
const (
	lumaR float32 = 0.299
	lumaG float32 = 0.587
	lumaB float32 = 0.114
)

// lumaTables hold the products coefficient×value for every 8-bit value, so
// that luma is two additions per pixel yet bit-identical to the reference's
// float32 expression R*0.299 + G*0.587 + B*0.114.
var lumaTabR, lumaTabG, lumaTabB = func() (r, g, b [256]float32) {
	for v := 0; v < 256; v++ {
		r[v] = float32(lumaR * float32(v))
		g[v] = float32(lumaG * float32(v))
		b[v] = float32(lumaB * float32(v))
	}
	return
}()

func luma8(r, g, b uint8) float32 {
	return lumaTabR[r] + lumaTabG[g] + lumaTabB[b]
}

// lumaFromImage fills h.buf1 with the luminance of img, resized to at most
// MaxDim on a side, and returns it with its width and height.
func (h *Hasher) lumaFromImage(img image.Image) ([]float32, int, int) {
	if img == nil {
		return nil, 0, 0
	}
	b := img.Bounds()
	w, ht := b.Dx(), b.Dy()
	if w <= 0 || ht <= 0 {
		return nil, 0, 0
	}
	ow, oh := h.sampleGrid(w, ht)
	h.buf1 = grow(h.buf1, ow*oh)
	dst := h.buf1
	xs, ys := h.xs, h.ys
	switch m := img.(type) {
	case *image.RGBA:
		for y, sy := range ys {
			row := dst[y*ow : y*ow+ow]
			base := m.PixOffset(b.Min.X, b.Min.Y+sy)
			pix := m.Pix[base : base+4*w]
			for x, sx := range xs {
				p := pix[4*sx : 4*sx+4 : 4*sx+4]
				if p[3] == 0xff {
					row[x] = luma8(p[0], p[1], p[2])
				} else {
					row[x] = lumaPremul(p[0], p[1], p[2], p[3])
				}
			}
		}
	case *image.NRGBA:
		for y, sy := range ys {
			row := dst[y*ow : y*ow+ow]
			base := m.PixOffset(b.Min.X, b.Min.Y+sy)
			pix := m.Pix[base : base+4*w]
			for x, sx := range xs {
				p := pix[4*sx : 4*sx+3 : 4*sx+3]
				row[x] = luma8(p[0], p[1], p[2])
			}
		}
	case *image.Gray:
		for y, sy := range ys {
			row := dst[y*ow : y*ow+ow]
			base := m.PixOffset(b.Min.X, b.Min.Y+sy)
			pix := m.Pix[base : base+w]
			for x, sx := range xs {
				row[x] = float32(pix[sx])
			}
		}
	case *image.YCbCr:
		h.lumaFromYCbCr(m, dst, ow)
	case *image.NYCbCrA:
		h.lumaFromYCbCr(&m.YCbCr, dst, ow)
	case *image.Paletted:
		h.palette = grow(h.palette, 256)
		pal := (*[256]float32)(h.palette)
		for i := range pal {
			pal[i] = 0
		}
		for i, c := range m.Palette {
			if i >= 256 {
				break
			}
			if c == nil {
				continue
			}
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			pal[i] = luma8(n.R, n.G, n.B)
		}
		for y, sy := range ys {
			row := dst[y*ow : y*ow+ow]
			base := m.PixOffset(b.Min.X, b.Min.Y+sy)
			pix := m.Pix[base : base+w]
			for x, sx := range xs {
				row[x] = pal[pix[sx]]
			}
		}
	default:
		for y, sy := range ys {
			row := dst[y*ow : y*ow+ow]
			for x, sx := range xs {
				n := color.NRGBAModel.Convert(img.At(b.Min.X+sx, b.Min.Y+sy)).(color.NRGBA)
				row[x] = luma8(n.R, n.G, n.B)
			}
		}
	}
	return dst, ow, oh
}

// lumaPremul un-premultiplies an RGBA pixel the way color.NRGBAModel does,
// so that alpha is ignored consistently across image types.
func lumaPremul(r, g, b, a uint8) float32 {
	if a == 0 {
		return 0
	}
	a16 := uint32(a) * 0x101
	un := func(c uint8) uint8 { return uint8((uint32(c) * 0x101 * 0xffff / a16) >> 8) }
	return luma8(un(r), un(g), un(b))
}

// lumaFromYCbCr converts at the sampled pixels with the conversion of
// color.YCbCrToRGB (the one image/draw and image/jpeg users get). Plane
// offsets are separable into a row part and a column part, computed once
// per row and per sampled column.
func (h *Hasher) lumaFromYCbCr(m *image.YCbCr, dst []float32, ow int) {
	b := m.Rect
	h.cxs = growInts(h.cxs, len(h.xs))
	for x, sx := range h.xs {
		h.cxs[x] = m.COffset(b.Min.X+sx, b.Min.Y)
	}
	vector := hasVector && len(h.xs) >= 16
	if vector {
		h.xs32, h.cxs32 = growInt32s(h.xs32, len(h.xs)), growInt32s(h.cxs32, len(h.xs))
		for x, sx := range h.xs {
			h.xs32[x], h.cxs32[x] = int32(sx), int32(h.cxs[x])
		}
	}
	for y, sy := range h.ys {
		row := dst[y*ow : y*ow+ow]
		py := b.Min.Y + sy
		yRow := m.YOffset(b.Min.X, py)
		cRow := m.COffset(b.Min.X, py)
		yp := m.Y[yRow : yRow+b.Dx()]
		x := 0
		if vector {
			// lumaYCbCr16 reads 4 bytes at each sample: the last ones of
			// the last rows could read past the planes.
			n := len(h.xs)
			for n > 0 && (yRow+h.xs[n-1]+3 >= len(m.Y) || cRow+h.cxs[n-1]+3 >= min(len(m.Cb), len(m.Cr))) {
				n--
			}
			if n16 := n &^ 15; n16 > 0 {
				lumaYCbCr16(&m.Y[yRow], &m.Cb[cRow], &m.Cr[cRow], &h.xs32[0], &h.cxs32[0], n16, &lumaTabR[0], &lumaTabG[0], &lumaTabB[0], &row[0])
				x = n16
			}
		}
		for ; x < len(h.xs); x++ {
			ci := cRow + h.cxs[x]
			r, g, bl := ycbcrToRGB(yp[h.xs[x]], m.Cb[ci], m.Cr[ci])
			row[x] = luma8(r, g, bl)
		}
	}
}

// ycbcrToRGB is the JFIF conversion with the same 16.16 fixed-point
// constants and rounding as color.YCbCrToRGB (checked for all inputs by
// TestYCbCrToRGBMatchesStdlib), small enough to inline.
func ycbcrToRGB(y, cb, cr uint8) (uint8, uint8, uint8) {
	yy := int32(y) * 0x10101
	cb1, cr1 := int32(cb)-128, int32(cr)-128
	return clamp16(yy + 91881*cr1), clamp16(yy - 22554*cb1 - 46802*cr1), clamp16(yy + 116130*cb1)
}

func clamp16(v int32) uint8 {
	v >>= 16
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

func growInt32s(b []int32, n int) []int32 {
	if cap(b) < n {
		return make([]int32, n)
	}
	return b[:n]
}

func growInts(b []int, n int) []int {
	if cap(b) < n {
		return make([]int, n)
	}
	return b[:n]
}
