package pdq

import "math"

// dctMatrix is the 16×64 DCT-II matrix (rows for frequencies 1..16),
// row-major, computed exactly as the reference: a float32 scale factor times
// a float64 cosine, rounded to float32.
var dctMatrix = func() (d [16 * 64]float32) {
	scale := float32(math.Sqrt(2.0 / 64.0))
	for i := 0; i < 16; i++ {
		for j := 0; j < 64; j++ {
			d[i*64+j] = float32(float64(scale) * math.Cos(math.Pi/2/64*float64(i+1)*float64(2*j+1)))
		}
	}
	return d
}()

// dct64To16 computes out = D·in·Dᵀ for the 64×64 input, through tmp = D·in
// (16×64), as the reference does. Every output element sums its 64 float32
// products in index order, as in the reference, so the results match it
// exactly; the loops work on 2×4 blocks of outputs so that eight
// independent sums stay in registers.
func dct64To16(in *[64 * 64]float32, tmp *[16 * 64]float32, out *[16 * 16]float32) {
	// tmp[i][j] = Σk D[i][k]·in[k][j]
	for i := 0; i < 16; i += 2 {
		d0 := (*[64]float32)(dctMatrix[i*64 : i*64+64])
		d1 := (*[64]float32)(dctMatrix[i*64+64 : i*64+128])
		for j := 0; j < 64; j += 4 {
			var a00, a01, a02, a03, a10, a11, a12, a13 float32
			for k := 0; k < 64; k++ {
				r := (*[4]float32)(in[k*64+j : k*64+j+4])
				x0, x1, x2, x3 := r[0], r[1], r[2], r[3]
				p, q := d0[k], d1[k]
				a00 += float32(p * x0)
				a01 += float32(p * x1)
				a02 += float32(p * x2)
				a03 += float32(p * x3)
				a10 += float32(q * x0)
				a11 += float32(q * x1)
				a12 += float32(q * x2)
				a13 += float32(q * x3)
			}
			t0 := (*[4]float32)(tmp[i*64+j : i*64+j+4])
			t1 := (*[4]float32)(tmp[i*64+64+j : i*64+64+j+4])
			*t0 = [4]float32{a00, a01, a02, a03}
			*t1 = [4]float32{a10, a11, a12, a13}
		}
	}
	// out[i][j] = Σk tmp[i][k]·D[j][k]
	for i := 0; i < 16; i += 2 {
		t0 := (*[64]float32)(tmp[i*64 : i*64+64])
		t1 := (*[64]float32)(tmp[i*64+64 : i*64+128])
		for j := 0; j < 16; j += 4 {
			e0 := (*[64]float32)(dctMatrix[j*64 : j*64+64])
			e1 := (*[64]float32)(dctMatrix[j*64+64 : j*64+128])
			e2 := (*[64]float32)(dctMatrix[j*64+128 : j*64+192])
			e3 := (*[64]float32)(dctMatrix[j*64+192 : j*64+256])
			var a00, a01, a02, a03, a10, a11, a12, a13 float32
			for k := 0; k < 64; k++ {
				p, q := t0[k], t1[k]
				x0, x1, x2, x3 := e0[k], e1[k], e2[k], e3[k]
				a00 += float32(p * x0)
				a01 += float32(p * x1)
				a02 += float32(p * x2)
				a03 += float32(p * x3)
				a10 += float32(q * x0)
				a11 += float32(q * x1)
				a12 += float32(q * x2)
				a13 += float32(q * x3)
			}
			o0 := (*[4]float32)(out[i*16+j : i*16+j+4])
			o1 := (*[4]float32)(out[i*16+16+j : i*16+16+j+4])
			*o0 = [4]float32{a00, a01, a02, a03}
			*o1 = [4]float32{a10, a11, a12, a13}
		}
	}
}

// qualityMetric is the reference image-domain quality: the number of
// significant gradients in the 64×64 buffer, scaled to 0..100.
func qualityMetric(b *[64 * 64]float32) int {
	sum := 0
	for i := 0; i < 63; i++ {
		r0 := (*[64]float32)(b[i*64 : i*64+64])
		r1 := (*[64]float32)(b[i*64+64 : i*64+128])
		for j := range r0 {
			sum += gradientStep(r0[j], r1[j])
		}
	}
	for i := 0; i < 64; i++ {
		r := (*[64]float32)(b[i*64 : i*64+64])
		for j := 0; j < 63; j++ {
			sum += gradientStep(r[j], r[j+1])
		}
	}
	return min(sum/90, 100)
}

// gradientStep is |int(((u - v) * 100) / 255)| in float32, truncating
// toward zero like the C conversion. The division is the exact reciprocal
// form (see filter.go).
func gradientStep(u, v float32) int {
	d := float32(u - v)
	d = float32(d * 100)
	n := int(float32(float64(d) * (1.0 / 255)))
	if n < 0 {
		n = -n
	}
	return n
}

// torben returns the median of m by Torben Mogensen's selection method, as
// the reference computes it (for an even count, the lower middle value).
func torben(m []float32) float32 {
	n := len(m)
	lo, hi := m[0], m[0]
	for _, v := range m[1:] {
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	half := (n + 1) / 2
	var less, greater, equal int
	var guess, maxLTGuess, minGTGuess float32
	// Each round moves lo or hi strictly inward onto another data value, so
	// the loop ends within n rounds; the bound only guards against NaN.
	for round := 0; round <= n; round++ {
		// lo/2+hi/2 equals the reference (lo+hi)/2 for finite normal
		// values (halving is exact) but cannot overflow to infinity.
		guess = lo/2 + hi/2
		less, greater, equal = 0, 0, 0
		maxLTGuess, minGTGuess = lo, hi
		for _, v := range m {
			switch {
			case v < guess:
				less++
				if v > maxLTGuess {
					maxLTGuess = v
				}
			case v > guess:
				greater++
				if v < minGTGuess {
					minGTGuess = v
				}
			default:
				equal++
			}
		}
		if less <= half && greater <= half {
			break
		}
		if less > greater {
			hi = maxLTGuess
		} else {
			lo = minGTGuess
		}
	}
	switch {
	case less >= half:
		return maxLTGuess
	case less+equal >= half:
		return guess
	default:
		return minGTGuess
	}
}

// bitsFromDCT sets bit i*16+j when coefficient (i, j) exceeds the median.
func bitsFromDCT(b *[16 * 16]float32) Hash { return bitsAbove(b, torben(b[:])) }

// bitsAbove sets bit i*16+j when coefficient (i, j) exceeds med.
func bitsAbove(b *[16 * 16]float32, med float32) Hash {
	var words [16]uint16
	for w := range words {
		var x uint16
		for k, v := range (*[16]float32)(b[w*16 : w*16+16]) {
			if v > med {
				x |= 1 << k
			}
		}
		words[w] = x
	}
	// Word 15 is printed first, so it is the top of h[0].
	var h Hash
	for w, x := range words {
		pos := 15 - w
		h[pos/4] |= uint64(x) << uint((3-pos%4)*16)
	}
	return h
}

// The dihedral transforms of the 16×16 DCT block. Mirroring the image along
// one axis negates the coefficients of odd frequency along that axis (even
// index, since index i holds frequency i+1); transposing the image
// transposes the block. Rotations combine the two.

// dihedralDCT fills out[k] with the coefficients of dihedral variant k, in
// the reference order: original, rotate 90, rotate 180, rotate 270, flip X,
// flip Y, flip +1, flip -1.
func dihedralDCT(a *[16 * 16]float32, out *[8][16 * 16]float32) {
	for i := 0; i < 16; i++ {
		for j := 0; j < 16; j++ {
			v := a[i*16+j]
			ij, ji := i*16+j, j*16+i
			iOdd, jOdd, sumOdd := i&1 == 1, j&1 == 1, (i+j)&1 == 1
			out[0][ij] = v
			out[1][ji] = negUnless(v, jOdd)
			out[2][ij] = negIf(v, sumOdd)
			out[3][ji] = negUnless(v, iOdd)
			out[4][ij] = negUnless(v, iOdd)
			out[5][ij] = negUnless(v, jOdd)
			out[6][ji] = v
			out[7][ji] = negIf(v, sumOdd)
		}
	}
}

func negIf(v float32, neg bool) float32 {
	if neg {
		return -v
	}
	return v
}

func negUnless(v float32, keep bool) float32 { return negIf(v, !keep) }
