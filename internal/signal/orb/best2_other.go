//go:build !amd64 || purego

package orb

// hasVector is false: matches scans in 64-bit words (matcher.scalar).
const hasVector = false

const vectorLanes = 8

func best2x8(q *Descriptor, words *uint64, n8 int, out *[3 * vectorLanes]uint64) {
	panic("orb: best2x8 without vector instructions")
}

func best2x8x2(q, p *Descriptor, words *uint64, n8 int, out *[6 * vectorLanes]uint64) {
	panic("orb: best2x8x2 without vector instructions")
}
