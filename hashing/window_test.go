package hashing

import (
	"testing"

	"github.com/provcheck/provcheck/hashing/pdq"
	"github.com/provcheck/provcheck/internal/testmedia"
)

// TestHashWindowAgreesWithCrop: hashing a window of the kept luminance is
// close to hashing the same crop of the full-resolution frame, for the
// whole frame and for off-centre windows; degenerate windows give no hash.
func TestHashWindowAgreesWithCrop(t *testing.T) {
	img := testmedia.Picture(77, 1280, 720)
	fp := FingerprintImage(img, "png", QueryViews)
	l := fp.Frames[0].Luma
	if l == nil {
		t.Fatal("query frame kept no luminance")
	}
	if w, h := l.Size(); max(w, h) != rotationGridSide {
		t.Errorf("luminance %d×%d, want long side %d", w, h, rotationGridSide)
	}
	fh := GetFrameHasher()
	defer PutFrameHasher(fh)
	ph := pdq.NewHasher()
	for _, r := range []Rect{Full, {0.1, 0.05, 0.9, 0.95}, {0.03, 0.08, 0.91, 0.96}, {0, 0, 0.6, 0.7}} {
		got, q := fh.HashWindow(l, r)
		want, _ := ph.FromImage(crop(img, r))
		if d := pdq.Distance(got, want); q == 0 || d > 12 {
			t.Errorf("window %+v: %d bits from the crop (quality %d); want ≤ 12", r, d, q)
		}
	}
	c := l.Coarse()
	if w, h := c.Size(); max(w, h) > coarseSide || c.Coarse() != c {
		t.Errorf("coarse luminance %d×%d, want long side ≤ %d and no coarser copy", w, h, coarseSide)
	}
	if w, h := l.Size(); l.Bytes() != 4*w*h {
		t.Errorf("luminance bytes %d, want %d", l.Bytes(), 4*w*h)
	}
	got, _ := fh.HashWindow(c, Full)
	if d := pdq.Distance(got, fp.Frames[0].PDQ); d > 32 {
		t.Errorf("coarse hash %d bits from the frame's; want ≤ 32", d)
	}
	if _, q := fh.HashWindow(l, Rect{0.5, 0.5, 0.501, 0.9}); q != 0 {
		t.Errorf("a window one cell wide got quality %d", q)
	}
	reg := FingerprintImage(img, "png", RegisterViews)
	if reg.Frames[0].Luma != nil {
		t.Error("registered frames should not keep luminance")
	}
}
