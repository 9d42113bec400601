//go:build !amd64 || purego

package orb

// hasVector is false: matches scans in 64-bit words (matcher.scalar) and
// resizeBilinear blends one pixel at a time.
const hasVector = false

const vectorLanes = 8

func best2x8(q *Descriptor, words *uint64, n8 int, out *[3 * vectorLanes]uint64) {
	panic("orb: best2x8 without vector instructions")
}

func best2x8x2(q, p *Descriptor, words *uint64, n8 int, out *[6 * vectorLanes]uint64) {
	panic("orb: best2x8x2 without vector instructions")
}

func resize8(r0, r1 *uint8, xi *int32, xa, xna *float64, n8 int, b, nb float64, out *uint8) {
	panic("orb: resize8 without vector instructions")
}

func describe8(integ *int32, lo, hi, base, w1 int, o *[4]int, c, s float64, px, py *float64, n8 int, e0, e1, sums *int32, d *Descriptor) {
	panic("orb: describe8 without vector instructions")
}

func fastCmp64(centre *uint8, off *[16]int, thr int, masks *[32]uint64) {
	panic("orb: fastCmp64 without vector instructions")
}
