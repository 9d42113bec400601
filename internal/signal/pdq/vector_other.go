//go:build !amd64 || purego

package pdq

// hasVector is false: lumaFromYCbCr converts one pixel at a time.
const hasVector = false

func lumaYCbCr16(y, cb, cr *uint8, xs, cxs *int32, n16 int, tabR, tabG, tabB *float32, out *float32) {
	panic("pdq: lumaYCbCr16 without vector instructions")
}

func addSubScale16(dst, s, a, b *float32, n16 int, inv float32) {
	panic("pdq: addSubScale16 without vector instructions")
}

func addSubScale8(dst, s, a, b *float32, n8 int, inv float64) {
	panic("pdq: addSubScale8 without vector instructions")
}
