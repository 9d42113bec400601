package orb

import "testing"

// TestArc9: arc9 against a plain walk round the circle, for every mask.
func TestArc9(t *testing.T) {
	for m := uint32(0); m < 1<<16; m++ {
		want := false
		for i := 0; i < 16 && !want; i++ {
			run := 0
			for k := 0; k < 9 && m>>((i+k)%16)&1 == 1; k++ {
				run++
			}
			want = run == 9
		}
		if got := arc9(m); got != want {
			t.Fatalf("arc9(%016b) = %v, want %v", m, got, want)
		}
	}
}
