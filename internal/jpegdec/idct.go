package jpegdec

import "math"

// Scaled inverse DCT. A block of 8×8 coefficients gives n×n pixels
// (n = 8, 4, 2 or 1): the inverse transform of its n×n lowest frequencies
// evaluated at the centres of n×n cells of the block, which is what the
// full-size inverse gives at those points once the frequencies the smaller
// grid cannot hold are dropped (a low-pass filter, then decimation). For
// n = 1 this is the block's mean, DC/8.

// idctMat[n][x*n+u] = C(u)/2 · cos((2x+1)uπ/(2n)) with C(0) = 1/√2, for the
// matrix forms (n = 2, 4).
var idctMat = func() (m [5][16]float32) {
	for _, n := range []int{2, 4} {
		for x := 0; x < n; x++ {
			for u := 0; u < n; u++ {
				c := 1.0
				if u == 0 {
					c = 1 / math.Sqrt2
				}
				m[n][x*n+u] = float32(c / 2 * math.Cos(float64(2*x+1)*float64(u)*math.Pi/float64(2*n)))
			}
		}
	}
	return m
}()

// Constants of the 8-point inverse DCT (even/odd decomposition).
var (
	c1 = float32(math.Cos(1 * math.Pi / 16))
	c2 = float32(math.Cos(2 * math.Pi / 16))
	c3 = float32(math.Cos(3 * math.Pi / 16))
	c4 = float32(math.Cos(4 * math.Pi / 16))
	c5 = float32(math.Cos(5 * math.Pi / 16))
	c6 = float32(math.Cos(6 * math.Pi / 16))
	c7 = float32(math.Cos(7 * math.Pi / 16))
)

// idct1D8 is the 8-point inverse DCT Σ C(u)·f(u)·cos((2x+1)uπ/16); the
// factor 1/2 of each dimension is applied by the caller.
func idct1D8(f0, f1, f2, f3, f4, f5, f6, f7 float32) (o0, o1, o2, o3, o4, o5, o6, o7 float32) {
	// Even part.
	a0 := (f0 + f4) * c4
	a1 := (f0 - f4) * c4
	b0 := f2*c2 + f6*c6
	b1 := f2*c6 - f6*c2
	e0, e3 := a0+b0, a0-b0
	e1, e2 := a1+b1, a1-b1
	// Odd part.
	d0 := f1*c1 + f3*c3 + f5*c5 + f7*c7
	d1 := f1*c3 - f3*c7 - f5*c1 - f7*c5
	d2 := f1*c5 - f3*c1 + f5*c7 + f7*c3
	d3 := f1*c7 - f3*c5 + f5*c3 - f7*c1
	return e0 + d0, e1 + d1, e2 + d2, e3 + d3, e3 - d3, e2 - d2, e1 - d1, e0 - d0
}

func clampPix(v float32) uint8 {
	v += 128.5
	if v <= 0 {
		return 0
	}
	if v >= 255 {
		return 255
	}
	return uint8(v)
}

// idct8 transforms the dequantised natural-order block in into 8×8 pixels
// at dst with the given stride.
func idct8(in *[64]float32, dst []uint8, stride int) {
	var tmp [64]float32
	// Columns.
	for c := 0; c < 8; c++ {
		if in[8+c] == 0 && in[16+c] == 0 && in[24+c] == 0 && in[32+c] == 0 &&
			in[40+c] == 0 && in[48+c] == 0 && in[56+c] == 0 {
			v := in[c] * c4
			for r := 0; r < 8; r++ {
				tmp[r*8+c] = v
			}
			continue
		}
		o0, o1, o2, o3, o4, o5, o6, o7 := idct1D8(in[c], in[8+c], in[16+c], in[24+c], in[32+c], in[40+c], in[48+c], in[56+c])
		tmp[c], tmp[8+c], tmp[16+c], tmp[24+c] = o0, o1, o2, o3
		tmp[32+c], tmp[40+c], tmp[48+c], tmp[56+c] = o4, o5, o6, o7
	}
	// Rows.
	for r := 0; r < 8; r++ {
		t := tmp[r*8 : r*8+8 : r*8+8]
		o0, o1, o2, o3, o4, o5, o6, o7 := idct1D8(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7])
		d := dst[r*stride : r*stride+8 : r*stride+8]
		d[0], d[1], d[2], d[3] = clampPix(o0*0.25), clampPix(o1*0.25), clampPix(o2*0.25), clampPix(o3*0.25)
		d[4], d[5], d[6], d[7] = clampPix(o4*0.25), clampPix(o5*0.25), clampPix(o6*0.25), clampPix(o7*0.25)
	}
}

// idctN transforms the n×n natural-order block in (n = 2 or 4; already
// dequantised) into n×n pixels.
func idctN(in []float32, n int, dst []uint8, stride int) {
	var tmp [16]float32
	m := idctMat[n][:n*n]
	// Columns: tmp[x*n+c] = Σ_u m[x*n+u]·in[u*n+c].
	for c := 0; c < n; c++ {
		for x := 0; x < n; x++ {
			var s float32
			for u := 0; u < n; u++ {
				s += m[x*n+u] * in[u*n+c]
			}
			tmp[x*n+c] = s
		}
	}
	for y := 0; y < n; y++ {
		d := dst[y*stride : y*stride+n]
		for x := 0; x < n; x++ {
			var s float32
			for u := 0; u < n; u++ {
				s += m[x*n+u] * tmp[y*n+u]
			}
			d[x] = clampPix(s)
		}
	}
}

// idct4 is idctN for n = 4, unrolled.
func idct4(in *[16]float32, dst []uint8, stride int) {
	m := &idctMat[4]
	var t [16]float32
	for c := 0; c < 4; c++ {
		f0, f1, f2, f3 := in[c], in[4+c], in[8+c], in[12+c]
		if f1 == 0 && f2 == 0 && f3 == 0 {
			v := f0 * m[0]
			t[c], t[4+c], t[8+c], t[12+c] = v, v, v, v
			continue
		}
		t[c] = m[0]*f0 + m[1]*f1 + m[2]*f2 + m[3]*f3
		t[4+c] = m[4]*f0 + m[5]*f1 + m[6]*f2 + m[7]*f3
		t[8+c] = m[8]*f0 + m[9]*f1 + m[10]*f2 + m[11]*f3
		t[12+c] = m[12]*f0 + m[13]*f1 + m[14]*f2 + m[15]*f3
	}
	for y := 0; y < 4; y++ {
		f0, f1, f2, f3 := t[y*4], t[y*4+1], t[y*4+2], t[y*4+3]
		d := dst[y*stride : y*stride+4 : y*stride+4]
		d[0] = clampPix(m[0]*f0 + m[1]*f1 + m[2]*f2 + m[3]*f3)
		d[1] = clampPix(m[4]*f0 + m[5]*f1 + m[6]*f2 + m[7]*f3)
		d[2] = clampPix(m[8]*f0 + m[9]*f1 + m[10]*f2 + m[11]*f3)
		d[3] = clampPix(m[12]*f0 + m[13]*f1 + m[14]*f2 + m[15]*f3)
	}
}
