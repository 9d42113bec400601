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

// dctMatrixT is dctMatrix transposed (64×16), for the second product.
var dctMatrixT = func() (t [64 * 16]float32) {
	for i := 0; i < 16; i++ {
		for j := 0; j < 64; j++ {
			t[j*16+i] = dctMatrix[i*64+j]
		}
	}
	return t
}()

// dct64To16 computes out = D·in·Dᵀ for the 64×64 input, through tmp = D·in
// (16×64). Every output element sums its 64 products in index order, as the
// reference does, so the float32 results match it; the loops are arranged
// so the innermost one runs along contiguous rows.
func dct64To16(in *[64 * 64]float32, tmp *[16 * 64]float32, out *[16 * 16]float32) {
	for i := 0; i < 16; i++ {
		row := (*[64]float32)(tmp[i*64 : i*64+64])
		*row = [64]float32{}
		d := (*[64]float32)(dctMatrix[i*64 : i*64+64])
		for k := 0; k < 64; k++ {
			dk := d[k]
			a := (*[64]float32)(in[k*64 : k*64+64])
			for j := range row {
				row[j] += float32(dk * a[j])
			}
		}
	}
	for i := 0; i < 16; i++ {
		t := (*[64]float32)(tmp[i*64 : i*64+64])
		var acc [16]float32
		for k := 0; k < 64; k++ {
			tk := t[k]
			d := (*[16]float32)(dctMatrixT[k*16 : k*16+16])
			for j := range acc {
				acc[j] += float32(tk * d[j])
			}
		}
		copy(out[i*16:i*16+16], acc[:])
	}
}

// qualityMetric is the reference image-domain quality: the number of
// significant gradients in the 64×64 buffer, scaled to 0..100.
func qualityMetric(b *[64 * 64]float32) int {
	sum := 0
	for i := 0; i < 63; i++ {
		for j := 0; j < 64; j++ {
			sum += absInt(gradientStep(b[i*64+j], b[(i+1)*64+j]))
		}
	}
	for i := 0; i < 64; i++ {
		for j := 0; j < 63; j++ {
			sum += absInt(gradientStep(b[i*64+j], b[i*64+j+1]))
		}
	}
	q := sum / 90
	if q > 100 {
		q = 100
	}
	return q
}

// gradientStep is int(((u - v) * 100) / 255) in float32, truncating toward
// zero like the C conversion.
func gradientStep(u, v float32) int {
	d := float32(u - v)
	d = float32(d * 100)
	return int(d / 255)
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
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
func bitsFromDCT(b *[16 * 16]float32) Hash {
	med := torben(b[:])
	var h Hash
	for k, v := range b {
		if v > med {
			h.SetBit(k)
		}
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
