package jpegdec

import (
	"math/rand/v2"
	"testing"
)

// TestFillSameAsByBytes: reading entropy-coded data in random bit counts
// gives the same bits, positions and padding as filling a byte at a time
// (fillBytes alone),
// on data with no 0xff, with stuffed 0xff 00 pairs now and then and often,
// 0xff runs, a marker in the middle, and the data ending mid-read.
func TestFillSameAsByBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := range 400 {
		n := 1 + rng.IntN(300)
		data := make([]byte, n)
		ff := []int{0, 200, 20, 3}[trial%4] // one byte in ff is 0xff (0: none)
		for i := range data {
			data[i] = byte(rng.IntN(255)) // never 0xff by itself
			if ff > 0 && rng.IntN(ff) == 0 {
				data[i] = 0xff
				if i+1 < n && rng.IntN(8) != 0 {
					i++
					data[i] = 0 // stuffed; otherwise a marker or 0xff run
				}
			}
		}
		var fast, ref bitReader
		fast.reset(data, 0)
		ref.reset(data, 0)
		for step := 0; step < 500; step++ {
			s := 1 + rng.IntN(16)
			if fast.n < uint(s) {
				fast.fill()
			}
			if ref.n < uint(s) {
				ref.fillBytes()
			}
			if fast.pos != ref.pos || fast.acc != ref.acc || fast.n != ref.n || fast.pad != ref.pad || fast.marker != ref.marker {
				t.Fatalf("trial %d step %d: reader at %d (%x, %d bits, %d padding, marker %v), byte at a time at %d (%x, %d, %d, %v)",
					trial, step, fast.pos, fast.acc, fast.n, fast.pad, fast.marker, ref.pos, ref.acc, ref.n, ref.pad, ref.marker)
			}
			v := fast.acc >> (64 - uint(s))
			if w := ref.acc >> (64 - uint(s)); v != w {
				t.Fatalf("trial %d step %d: bits %x, want %x", trial, step, v, w)
			}
			fast.acc, fast.n = fast.acc<<uint(s), fast.n-uint(s)
			ref.acc, ref.n = ref.acc<<uint(s), ref.n-uint(s)
		}
	}
}
