//go:build amd64 && !purego

package orb

import "golang.org/x/sys/cpu"

// hasVector: the processor has AVX-512 with its population count
// (VPOPCNTQ), which best2x8 uses.
var hasVector = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VPOPCNTDQ

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
