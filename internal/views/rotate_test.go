package views

import (
	"slices"
	"testing"
)

// TestTiltLadder: the turned views' angles are the rungs of a ladder up
// to MaxTilt.
func TestTiltLadder(t *testing.T) {
	if got, want := RotationAngles, []float64{-6, -4.5, -3, -1.5, 0, 1.5, 3, 4.5, 6}; !slices.Equal(got, want) {
		t.Errorf("RotationAngles %v, want %v", got, want)
	}
	if got, want := TiltLadder(2, false), []float64{-6, -4, -2, 2, 4, 6}; !slices.Equal(got, want) {
		t.Errorf("TiltLadder(2, false) = %v, want %v", got, want)
	}
	if got := RotationNames; got[0] != "rotate-6" || got[4] != "centre80" || got[5] != "rotate1.5" {
		t.Errorf("names %v", got)
	}
}
