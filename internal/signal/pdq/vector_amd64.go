//go:build amd64 && !purego

package pdq

import "golang.org/x/sys/cpu"

// hasVector: the processor has AVX-512, whose 16-lane gathers lumaYCbCr16
// uses.
var hasVector = cpu.X86.HasAVX512F

// lumaYCbCr16 is the inner loop of lumaFromYCbCr over n16 samples of a
// row (a multiple of 16), 16 a step: sample x is the pixel of luma byte
// y[xs[x]] and chroma bytes cb[cxs[x]], cr[cxs[x]], converted to RGB with
// ycbcrToRGB's integers and to luminance with the tables tabR, tabG,
// tabB, added in luma8's order. It reads 4 bytes at each sample.
//
//go:noescape
func lumaYCbCr16(y, cb, cr *uint8, xs, cxs *int32, n16 int, tabR, tabG, tabB *float32, out *float32)

// addSubScale16 is addSubScaleRow32's loop over n16 values (a multiple
// of 16), 16 a step: v = s + a − b, s = v, dst = v·inv.
//
//go:noescape
func addSubScale16(dst, s, a, b *float32, n16 int, inv float32)

// addSubScale8 is addSubScaleRow's loop over n8 values (a multiple of 8),
// 8 a step: v = s + a − b, s = v, dst = float32(float64(v)·inv).
//
//go:noescape
func addSubScale8(dst, s, a, b *float32, n8 int, inv float64)
