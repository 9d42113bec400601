//go:build amd64 && !purego

package orb

import "golang.org/x/sys/cpu"

// hasVector: the processor has AVX-512 with its population count
// (VPOPCNTQ), byte lanes (BW) and 256-bit lanes (VL), and AVX2's gathers,
// which the vector steps of this package use.
var hasVector = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VPOPCNTDQ && cpu.X86.HasAVX2

// vectorLanes is the number of registered descriptors best2x8 compares
// with a checked one in a step.
const vectorLanes = 8

// best2x8 compares q with n8 registered descriptors (a multiple of 8)
// laid out word by word: word w of descriptor i at words[w*n8+i]. Lane j
// of out's three rows of 8 gets, of the descriptors i ≡ j (mod 8), the
// nearest distance, the second nearest and the index of the first
// nearest.
//
//go:noescape
func best2x8(q *Descriptor, words *uint64, n8 int, out *[3 * vectorLanes]uint64)

// best2x8x2 is best2x8 for q (out[0:24]) and p (out[24:48]) at once.
//
//go:noescape
func best2x8x2(q, p *Descriptor, words *uint64, n8 int, out *[6 * vectorLanes]uint64)

// resize8 is the inner loop of resizeBilinear over n8 columns (a
// multiple of 8), 8 a step: column x of out blends bytes xi[x] and
// xi[x]+1 of rows r0 and r1 with weights xna[x], xa[x] across and nb, b
// down, and rounds as round8 does, with the same float64 operations in
// the same order. It reads 4 bytes at each tap of both rows.
//
//go:noescape
func resize8(r0, r1 *uint8, xi *int32, xa, xna *float64, n8 int, b, nb float64, out *uint8)

// describe8 is describe's work on the vector unit: the points (px[i],
// py[i]) for i < n8 (a multiple of 8) turned by (c, s) and rounded as
// math.Round does, box-summed around base + turned offset (an index of
// integ, whose rows are w1 long) into sums, then bit i of d set when
// sums[e0[i]] < sums[e1[i]]. o00…o11 are the offsets of a box's corners
// from its centre; the centres are clamped to [lo, hi], so no read leaves
// integ.
//
//go:noescape
func describe8(integ *int32, lo, hi, base, w1 int, o *[4]int, c, s float64, px, py *float64, n8 int, e0, e1, sums *int32, d *Descriptor)

// fastCmp64 compares the 16 circle pixels of 64 consecutive centres
// (centre, centre+1, …; circle pixel k at centre+off[k]) with each
// centre: bit i of masks[k] is set when circle pixel k of centre i is
// brighter than the centre by more than thr, bit i of masks[16+k] when it
// is darker by more than thr. thr must be in [0, 255]. It reads 64 bytes
// at each circle position.
//
//go:noescape
func fastCmp64(centre *uint8, off *[16]int, thr int, masks *[32]uint64)
