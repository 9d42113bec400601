package pdq

// jaroszWindow is the reference computeJaroszFilterWindowSize: the box
// window for one of the two passes that take old samples down to newDim,
// rounded up.
func jaroszWindow(oldDim, newDim int) int {
	return (oldDim + 2*newDim - 1) / (2 * newDim)
}

// boxPhases splits a 1-D box filter of the given window over n samples into
// the reference's four phases: accumulate without writing, write with a
// growing window, write with the full window (add and subtract), write with
// a shrinking window. Output k is the mean of the inputs within
// [k-(window-half), k+half-1] that exist.
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

// boxRows applies the 1-D box filter along every row of in (rows×cols,
// row-major) into out.
func boxRows(in, out []float32, rows, cols, window int) {
	p1, p2, p3, p4 := boxPhases(cols, window)
	for r := 0; r < rows; r++ {
		src := in[r*cols : r*cols+cols]
		dst := out[r*cols : r*cols+cols]
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
			dst[oi] = sum / float32(cur)
			ri++
			oi++
		}
		fc := float32(cur)
		for i := 0; i < p3; i++ {
			sum += src[ri]
			sum -= src[li]
			dst[oi] = sum / fc
			li++
			ri++
			oi++
		}
		for i := 0; i < p4; i++ {
			sum -= src[li]
			cur--
			dst[oi] = sum / float32(cur)
			li++
			oi++
		}
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
		divRow(out[oi*cols:oi*cols+cols], s, float32(cur))
		ri++
		oi++
	}
	fc := float32(cur)
	for i := 0; i < p3; i++ {
		addSubRow(s, row(ri), row(li))
		divRow(out[oi*cols:oi*cols+cols], s, fc)
		li++
		ri++
		oi++
	}
	for i := 0; i < p4; i++ {
		subRow(s, row(li))
		cur--
		divRow(out[oi*cols:oi*cols+cols], s, float32(cur))
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

func addSubRow(s, a, b []float32) {
	a = a[:len(s)]
	b = b[:len(s)]
	for j := range s {
		v := s[j] + a[j]
		s[j] = v - b[j]
	}
}

func divRow(dst, s []float32, d float32) {
	dst = dst[:len(s)]
	for j := range s {
		dst[j] = s[j] / d
	}
}

// jaroszFilter blurs buf1 in place (rows×cols) with the reference's two
// rounds of box filters along rows then columns; buf2 and sums are scratch.
func jaroszFilter(buf1, buf2, sums []float32, rows, cols, winRows, winCols, passes int) {
	for p := 0; p < passes; p++ {
		boxRows(buf1, buf2, rows, cols, winRows)
		boxCols(buf2, buf1, sums, rows, cols, winCols)
	}
}

// decimate samples in (rows×cols) at the centres of a 64×64 grid.
func decimate(in []float32, rows, cols int, out *[64 * 64]float32) {
	for i := 0; i < 64; i++ {
		si := int((float64(i) + 0.5) * float64(rows) / 64)
		for j := 0; j < 64; j++ {
			sj := int((float64(j) + 0.5) * float64(cols) / 64)
			out[i*64+j] = in[si*cols+sj]
		}
	}
}
