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

// lumaFromYCbCr converts with color.YCbCrToRGB, the conversion image/draw
// and image/jpeg users get, at the sampled pixels.
func (h *Hasher) lumaFromYCbCr(m *image.YCbCr, dst []float32, ow int) {
	b := m.Rect
	for y, sy := range h.ys {
		row := dst[y*ow : y*ow+ow]
		py := b.Min.Y + sy
		for x, sx := range h.xs {
			px := b.Min.X + sx
			yi := m.YOffset(px, py)
			ci := m.COffset(px, py)
			r, g, bb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			row[x] = luma8(r, g, bb)
		}
	}
}
