package fingerprint

import (
	"image"
	"testing"

	"github.com/provcheck/provcheck/internal/testmedia"
)

// TestSmallHashesUnchanged: pHash and dHash are the values provcheck
// printed when every frame carried them (pinned from that version), and a
// picture too small for PDQ gets zeros.
func TestSmallHashesUnchanged(t *testing.T) {
	for _, tt := range []struct {
		img          image.Image
		pdq          string
		phash, dhash Hash64
	}{
		{testmedia.Picture(1, 640, 360), "2077d0398d9c8f9d8f08fe47766637e07b63b682c2ef47a64630c07f2f603960", 0xde8383ff06327b20, 0xeaf2d2b434040405},
		{testmedia.Picture(7, 300, 500), "fff24b637bdc609c499ced184da7bfe037a0c17f023689467ec0f30077988149", 0xbfc98c008333367f, 0xe3331f5f6f7f1717},
		{image.NewGray(image.Rect(0, 0, 3, 3)), "0000000000000000000000000000000000000000000000000000000000000000", 0, 0},
	} {
		s := NewSmallHasher()
		s.Observe(tt.img, 0)
		f := NewFrameHasher().Hash(tt.img, 0)
		got := s.For([]Frame{f})
		if f.PDQ.String() != tt.pdq || got[0] != (Small{tt.phash, tt.dhash}) {
			t.Errorf("%v: pdq %s, small %s %s; want %s %s %s", tt.img.Bounds(), f.PDQ, got[0].PHash, got[0].DHash, tt.pdq, tt.phash, tt.dhash)
		}
	}
}

// TestSmallHashesOfKeptFrames: when some sampled pictures were dropped
// (a static run), each kept frame gets the small hashes of its own
// picture, found by time and PDQ hash; a frame of no picture seen gets
// zeros.
func TestSmallHashesOfKeptFrames(t *testing.T) {
	a, b := testmedia.Picture(3, 160, 120), testmedia.Picture(4, 160, 120)
	h := NewFrameHasher()
	one := func(img image.Image) Small {
		s := NewSmallHasher()
		s.Observe(img, 0)
		return s.seen[0].small
	}
	sa, sb := one(a), one(b)
	if sa == sb || sa == (Small{}) {
		t.Fatalf("test pictures too alike: %+v %+v", sa, sb)
	}
	s := NewSmallHasher()
	for i, img := range []image.Image{a, a, b, b, a} {
		s.Observe(img, float64(i)/2)
	}
	// Kept: the first a, the last b, the last a; and one frame of no
	// picture seen.
	kept := []Frame{h.Hash(a, 0), h.Hash(b, 1.5), h.Hash(a, 2), h.Hash(b, 7)}
	got := s.For(kept)
	want := []Small{sa, sb, sa, {}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("frame %d at %v: %+v, want %+v", i, kept[i].T, got[i], want[i])
		}
	}
}
