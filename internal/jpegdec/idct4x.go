package jpegdec

// idct4Table is what idct4x reads: for each pass and term k, the matrix
// factor of each of the 16 outputs (a), and which value of the pass's
// input each output multiplies it by (idx).
type idct4Table struct {
	a1, a2     [4][16]float32 // pass 1: m[r·4+k]; pass 2: m[x·4+k]
	idx1, idx2 [4][16]int32   // pass 1: in[k·4+c]; pass 2: t[y·4+k]
	half       float32        // clampPix's 128.5
	max        float32        // 255
}

var idct4Tables = func() (t idct4Table) {
	m := &idctMat[4]
	for k := range 4 {
		for i := range 16 {
			r, c := i/4, i%4
			t.a1[k][i] = m[r*4+k]
			t.idx1[k][i] = int32(k*4 + c)
			t.a2[k][i] = m[c*4+k]
			t.idx2[k][i] = int32(r*4 + k)
		}
	}
	t.half, t.max = 128.5, 255
	return t
}()
