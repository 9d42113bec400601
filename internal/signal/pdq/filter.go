package pdq

// The blur and decimation of the reference (downscaling.cpp), computed with
// the same float32 operations in the same order for every output value that
// is used, but arranged for speed:
//
//   - The box filter's division of a window sum by its length n is done as
//     float32(float64(sum) * (1/n)). For n ≤ 7 this is exactly the float32
//     quotient for every finite float32 sum (checked exhaustively; see
//     TestReciprocalDivisionIsExact), and windows never exceed 4 because
//     images are at most MaxDim on a side.
//   - Row passes run four rows at once, so that four independent running
//     sums overlap in the CPU instead of one long dependency chain.
//   - Column passes run a whole row at a time with one running sum per
//     column, reading memory in order.
//   - Of the last column pass only the 64 columns the decimation samples are
//     computed.

// maxWindow is the largest box window whose reciprocal division is exact.
const maxWindow = 7

// The windows for MaxDim-sized images must stay within maxWindow; this
// constant fails to compile otherwise.
const _ = uint(maxWindow - (MaxDim+127)/128)

// recip[n] is 1/n in float64.
var recip = [maxWindow + 1]float64{0, 1, 1.0 / 2, 1.0 / 3, 1.0 / 4, 1.0 / 5, 1.0 / 6, 1.0 / 7}

// jaroszWindow is the reference computeJaroszFilterWindowSize: the box
// window for one of the two passes that take oldDim samples down to newDim,
// rounded up.
func jaroszWindow(oldDim, newDim int) int {
	return (oldDim + 2*newDim - 1) / (2 * newDim)
}

// boxPhases splits a 1-D box filter of the given window over n samples into
// the reference's four phases: accumulate without writing, write with a
// growing window, write with the full window (add and subtract), write with
// a shrinking window. Output k is the mean of the inputs that exist within
// [k-(window-half), k+half-1], half = (window+2)/2.
func boxPhases(n, window int) (p1, p2, p3, p4 int) {
	half := (window + 2) / 2
	p1 = half - 1
	p2 = window - half + 1
	p3 = n - window
	p4 = half - 1
	if p3 < 0 {
		p3 = 0
	}
	return
}

func scale(sum float32, inv float64) float32 { return float32(float64(sum) * inv) }

// pow2Recip reports whether 1/n is a power of two, so that multiplying by
// float32(1/n) is itself exact (the common case: windows of 1, 2 and 4).
func pow2Recip(n int) bool { return n&(n-1) == 0 }

// boxRows applies the 1-D box filter along every row of in (rows×cols,
// row-major) into out.
func boxRows(in, out []float32, rows, cols, window int) {
	r := 0
	for ; r+4 <= rows; r += 4 {
		boxRows4(in[r*cols:(r+4)*cols], out[r*cols:(r+4)*cols], cols, window)
	}
	for ; r < rows; r++ {
		boxRow(in[r*cols:(r+1)*cols], out[r*cols:(r+1)*cols], window)
	}
}

// boxRow filters one row.
func boxRow(src, dst []float32, window int) {
	p1, p2, p3, p4 := boxPhases(len(src), window)
	var sum float32
	cur := 0
	ri, li, oi := 0, 0, 0
	for i := 0; i < p1; i++ {
		sum += src[ri]
		cur++
		ri++
	}
	for i := 0; i < p2; i++ {
		sum += src[ri]
		cur++
		dst[oi] = scale(sum, recip[cur])
		ri++
		oi++
	}
	inv := recip[cur]
	for i := 0; i < p3; i++ {
		sum += src[ri]
		sum -= src[li]
		dst[oi] = scale(sum, inv)
		li++
		ri++
		oi++
	}
	for i := 0; i < p4; i++ {
		sum -= src[li]
		cur--
		dst[oi] = scale(sum, recip[cur])
		li++
		oi++
	}
}

// boxRows4 filters four consecutive rows (in and out hold 4×cols values)
// side by side; each row sees exactly boxRow's operations.
func boxRows4(in, out []float32, cols, window int) {
	a0, a1, a2, a3 := in[:cols], in[cols:2*cols], in[2*cols:3*cols], in[3*cols:4*cols]
	o0, o1, o2, o3 := out[:cols], out[cols:2*cols], out[2*cols:3*cols], out[3*cols:4*cols]
	p1, p2, p3, p4 := boxPhases(cols, window)
	var s0, s1, s2, s3 float32
	cur := 0
	ri, li, oi := 0, 0, 0
	for i := 0; i < p1; i++ {
		s0 += a0[ri]
		s1 += a1[ri]
		s2 += a2[ri]
		s3 += a3[ri]
		cur++
		ri++
	}
	for i := 0; i < p2; i++ {
		s0 += a0[ri]
		s1 += a1[ri]
		s2 += a2[ri]
		s3 += a3[ri]
		cur++
		inv := recip[cur]
		o0[oi] = scale(s0, inv)
		o1[oi] = scale(s1, inv)
		o2[oi] = scale(s2, inv)
		o3[oi] = scale(s3, inv)
		ri++
		oi++
	}
	inv := recip[cur]
	if p3 > 0 {
		// Re-slice so the compiler can drop the bounds checks.
		n := p3
		b0, b1, b2, b3 := a0[ri:ri+n], a1[ri:ri+n], a2[ri:ri+n], a3[ri:ri+n]
		c0, c1, c2, c3 := a0[li:li+n], a1[li:li+n], a2[li:li+n], a3[li:li+n]
		d0, d1, d2, d3 := o0[oi:oi+n], o1[oi:oi+n], o2[oi:oi+n], o3[oi:oi+n]
		if pow2Recip(cur) {
			inv32 := float32(inv)
			for i := 0; i < n; i++ {
				s0 += b0[i]
				s0 -= c0[i]
				s1 += b1[i]
				s1 -= c1[i]
				s2 += b2[i]
				s2 -= c2[i]
				s3 += b3[i]
				s3 -= c3[i]
				d0[i] = s0 * inv32
				d1[i] = s1 * inv32
				d2[i] = s2 * inv32
				d3[i] = s3 * inv32
			}
		} else {
			for i := 0; i < n; i++ {
				s0 += b0[i]
				s0 -= c0[i]
				s1 += b1[i]
				s1 -= c1[i]
				s2 += b2[i]
				s2 -= c2[i]
				s3 += b3[i]
				s3 -= c3[i]
				d0[i] = scale(s0, inv)
				d1[i] = scale(s1, inv)
				d2[i] = scale(s2, inv)
				d3[i] = scale(s3, inv)
			}
		}
		ri += n
		li += n
		oi += n
	}
	for i := 0; i < p4; i++ {
		s0 -= a0[li]
		s1 -= a1[li]
		s2 -= a2[li]
		s3 -= a3[li]
		cur--
		inv := recip[cur]
		o0[oi] = scale(s0, inv)
		o1[oi] = scale(s1, inv)
		o2[oi] = scale(s2, inv)
		o3[oi] = scale(s3, inv)
		li++
		oi++
	}
}

// boxCols applies the 1-D box filter down every column of in into out. The
// columns are processed side by side, a whole row at a time, with one
// running sum per column in sums (len ≥ cols); each column sees exactly the
// operations of the reference's strided loop.
func boxCols(in, out, sums []float32, rows, cols, window int) {
	p1, p2, p3, p4 := boxPhases(rows, window)
	s := sums[:cols]
	clear(s)
	cur := 0
	ri, li, oi := 0, 0, 0
	row := func(k int) []float32 { return in[k*cols : k*cols+cols] }
	for i := 0; i < p1; i++ {
		addRow(s, row(ri))
		cur++
		ri++
	}
	for i := 0; i < p2; i++ {
		addRow(s, row(ri))
		cur++
		scaleRow(out[oi*cols:oi*cols+cols], s, recip[cur])
		ri++
		oi++
	}
	inv := recip[cur]
	exact32 := pow2Recip(cur)
	for i := 0; i < p3; i++ {
		if exact32 {
			addSubScaleRow32(out[oi*cols:oi*cols+cols], s, row(ri), row(li), float32(inv))
		} else {
			addSubScaleRow(out[oi*cols:oi*cols+cols], s, row(ri), row(li), inv)
		}
		li++
		ri++
		oi++
	}
	for i := 0; i < p4; i++ {
		subRow(s, row(li))
		cur--
		scaleRow(out[oi*cols:oi*cols+cols], s, recip[cur])
		li++
		oi++
	}
}

func addRow(s, a []float32) {
	a = a[:len(s)]
	for j := range s {
		s[j] += a[j]
	}
}

func subRow(s, a []float32) {
	a = a[:len(s)]
	for j := range s {
		s[j] -= a[j]
	}
}

func addSubScaleRow(dst, s, a, b []float32, inv float64) {
	a = a[:len(s)]
	b = b[:len(s)]
	dst = dst[:len(s)]
	j0 := 0
	if n8 := len(s) &^ 7; hasVector && n8 > 0 {
		addSubScale8(&dst[0], &s[0], &a[0], &b[0], n8, inv)
		j0 = n8
	}
	for j := j0; j < len(s); j++ {
		v := s[j] + a[j]
		v -= b[j]
		s[j] = v
		dst[j] = scale(v, inv)
	}
}

func addSubScaleRow32(dst, s, a, b []float32, inv float32) {
	a = a[:len(s)]
	b = b[:len(s)]
	dst = dst[:len(s)]
	j0 := 0
	if n16 := len(s) &^ 15; hasVector && n16 > 0 {
		addSubScale16(&dst[0], &s[0], &a[0], &b[0], n16, inv)
		j0 = n16
	}
	for j := j0; j < len(s); j++ {
		v := s[j] + a[j]
		v -= b[j]
		s[j] = v
		dst[j] = v * inv
	}
}

func scaleRow(dst, s []float32, inv float64) {
	dst = dst[:len(s)]
	for j := range s {
		dst[j] = scale(s[j], inv)
	}
}

// boxColsSampled is boxCols restricted to the 64 columns cs of in
// (rows×cols); out is rows×64, column j holding the result for column cs[j].
func boxColsSampled(in, out, sums []float32, rows, cols, window int, cs *[64]int) {
	p1, p2, p3, p4 := boxPhases(rows, window)
	s := (*[64]float32)(sums[:64])
	*s = [64]float32{}
	cur := 0
	ri, li, oi := 0, 0, 0
	for i := 0; i < p1; i++ {
		a := in[ri*cols : ri*cols+cols]
		for j, c := range cs {
			s[j] += a[c]
		}
		cur++
		ri++
	}
	for i := 0; i < p2; i++ {
		a := in[ri*cols : ri*cols+cols]
		cur++
		inv := recip[cur]
		o := (*[64]float32)(out[oi*64 : oi*64+64])
		for j, c := range cs {
			s[j] += a[c]
			o[j] = scale(s[j], inv)
		}
		ri++
		oi++
	}
	inv := recip[cur]
	for i := 0; i < p3; i++ {
		a := in[ri*cols : ri*cols+cols]
		b := in[li*cols : li*cols+cols]
		o := (*[64]float32)(out[oi*64 : oi*64+64])
		for j, c := range cs {
			v := s[j] + a[c]
			v -= b[c]
			s[j] = v
			o[j] = scale(v, inv)
		}
		li++
		ri++
		oi++
	}
	for i := 0; i < p4; i++ {
		b := in[li*cols : li*cols+cols]
		cur--
		inv := recip[cur]
		o := (*[64]float32)(out[oi*64 : oi*64+64])
		for j, c := range cs {
			s[j] -= b[c]
			o[j] = scale(s[j], inv)
		}
		li++
		oi++
	}
}

// decimationIndexes sets idx[i] to the reference's sample position
// ⌊(i+0.5)·n/64⌋ for a side of n pixels.
func decimationIndexes(idx *[64]int, n int) {
	for i := range idx {
		idx[i] = int((float64(i) + 0.5) * float64(n) / 64)
	}
}

// blurDecimate blurs the rows×cols image in buf1 with the reference's two
// rounds of box filters (along rows, then along columns) and samples the
// result at the centres of a 64×64 grid into out. buf1 is overwritten; buf2
// (rows×cols), cbuf (rows×64) and sums (≥ max(cols, 64)) are scratch.
func (h *Hasher) blurDecimate(buf1, buf2, cbuf, sums []float32, rows, cols int, out *[64 * 64]float32) {
	winRows := jaroszWindow(cols, 64) // window along each row
	winCols := jaroszWindow(rows, 64) // window along each column
	decimationIndexes(&h.rowIdx, rows)
	decimationIndexes(&h.colIdx, cols)

	boxRows(buf1, buf2, rows, cols, winRows)
	boxCols(buf2, buf1, sums, rows, cols, winCols)
	boxRows(buf1, buf2, rows, cols, winRows)
	boxColsSampled(buf2, cbuf, sums, rows, cols, winCols, &h.colIdx)
	for i, r := range h.rowIdx {
		copy(out[i*64:i*64+64], cbuf[r*64:r*64+64])
	}
}
