package jpegdec

import (
	"math/rand/v2"
	"testing"
)

// TestIDCT4xSameAsIDCT4: the vector transform writes the same pixels as
// idct4 for random blocks: mostly small coefficients, blocks with only
// the DC term or zero columns (idct4's shortcut), and large coefficients
// that clamp at 0 and 255, at a stride wider than the block.
func TestIDCT4xSameAsIDCT4(t *testing.T) {
	t.Logf("vector instructions: %v", hasVector)
	if !hasVector {
		return // idct4 is the only transform on this processor
	}
	rng := rand.New(rand.NewPCG(11, 12))
	const stride = 13
	for trial := range 20000 {
		var in [16]float32
		scale := []float32{4, 40, 400, 4000}[trial%4]
		for i := range in {
			switch {
			case trial%5 == 0 && i > 0: // DC only
			case trial%5 == 1 && i%4 == 2: // a zero column
			case rng.IntN(3) == 0:
			default:
				in[i] = float32(rng.NormFloat64()) * scale
			}
		}
		want, got := make([]uint8, 4*stride), make([]uint8, 4*stride)
		for i := range got {
			got[i], want[i] = 7, 7 // bytes outside the block stay
		}
		cp := in
		idct4(&cp, want, stride)
		cp = in
		idct4x(&cp[0], &got[0], stride, &idct4Tables)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("trial %d: byte %d is %d, want %d (block %v)", trial, i, got[i], want[i], in)
			}
		}
	}
}
