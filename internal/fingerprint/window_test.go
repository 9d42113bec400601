package fingerprint

import (
	"testing"

	"github.com/provcheck/provcheck/internal/luma"
	"github.com/provcheck/provcheck/internal/picture"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/internal/views"
)

// TestHashWindowAgreesWithCrop: hashing a window of the kept luminance is
// close to hashing the same crop of the full-resolution frame, for the
// whole frame and for off-centre windows; degenerate windows give no hash.
func TestHashWindowAgreesWithCrop(t *testing.T) {
	img := testmedia.Picture(77, 1280, 720)
	fp := FingerprintImage(img, "png", views.QueryViews)
	l := fp.Frames[0].Luma
	if l == nil {
		t.Fatal("query frame kept no luminance")
	}
	if w, h := l.Size(); max(w, h) != views.GridSide {
		t.Errorf("luminance %d×%d, want long side %d", w, h, views.GridSide)
	}
	fh := GetFrameHasher()
	defer PutFrameHasher(fh)
	ph := pdq.NewHasher()
	for _, r := range []picture.Rect{picture.Full, {X0: 0.1, Y0: 0.05, X1: 0.9, Y1: 0.95}, {X0: 0.03, Y0: 0.08, X1: 0.91, Y1: 0.96}, {X0: 0, Y0: 0, X1: 0.6, Y1: 0.7}} {
		got, q := fh.HashWindow(l, r)
		want, _ := ph.FromImage(views.Crop(img, r))
		if d := pdq.Distance(got, want); q == 0 || d > 12 {
			t.Errorf("window %+v: %d bits from the views.Crop (quality %d); want ≤ 12", r, d, q)
		}
	}
	c := l.Coarse()
	if w, h := c.Size(); max(w, h) > luma.CoarseSide || c.Coarse() != c {
		t.Errorf("coarse luminance %d×%d, want long side ≤ %d and no coarser copy", w, h, luma.CoarseSide)
	}
	if w, h := l.Size(); l.Bytes() != 4*w*h {
		t.Errorf("luminance bytes %d, want %d", l.Bytes(), 4*w*h)
	}
	got, _ := fh.HashWindow(c, picture.Full)
	if d := pdq.Distance(got, fp.Frames[0].PDQ); d > 32 {
		t.Errorf("coarse hash %d bits from the frame's; want ≤ 32", d)
	}
	if _, q := fh.HashWindow(l, picture.Rect{X0: 0.5, Y0: 0.5, X1: 0.501, Y1: 0.9}); q != 0 {
		t.Errorf("a window one cell wide got quality %d", q)
	}
	reg := FingerprintImage(img, "png", views.RegisterViews)
	if reg.Frames[0].Luma != nil {
		t.Error("registered frames should not keep luminance")
	}
}
