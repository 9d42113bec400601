package fingerprint

import (
	"image"
	"testing"

	"github.com/provcheck/provcheck/internal/luma"
	"github.com/provcheck/provcheck/internal/signal/orb"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/internal/views"
)

// TestQueryLumaByFrame: the luminance and the finer features a check
// keeps stay with their own frame when near-identical frames are dropped,
// frames that kept none have none, and frames past maxLumaFrames keep no
// luminance.
func TestQueryLumaByFrame(t *testing.T) {
	grid := func() *luma.Grid { return luma.New(image.NewGray(image.Rect(0, 0, 8, 8)), 8) }
	a, b := pdq.Hash{1}, pdq.Hash{^uint64(0), ^uint64(0)}
	q := &Query{}
	d := newDeduper(4, q)
	g := []*luma.Grid{grid(), grid(), grid(), grid(), grid()}
	d.add(Frame{T: 0, PDQ: a}, g[0], nil)
	d.add(Frame{T: 1, PDQ: a}, g[1], nil) // dropped: the run of a goes on
	d.add(Frame{T: 2, PDQ: a}, g[2], nil) // the run's last frame: kept
	d.add(Frame{T: 3, PDQ: b}, nil, nil)  // a frame that kept no luminance
	d.add(Frame{T: 4, PDQ: a}, g[4], nil)
	d.add(Frame{T: 4.5, PDQ: a}, nil, nil) // held as the run's last frame
	finer := &orb.Features{W: 8, H: 8}
	d.add(Frame{T: 5, PDQ: a, Local: []byte{1}}, nil, finer) // described: kept, after the run's last
	d.flush()
	want := []struct {
		t float64
		g *luma.Grid
	}{{0, g[0]}, {2, g[2]}, {3, nil}, {4, g[4]}, {4.5, nil}, {5, nil}}
	if len(q.Frames) != len(want) {
		t.Fatalf("%d frames kept, want %d", len(q.Frames), len(want))
	}
	for i, w := range want {
		if q.Frames[i].T != w.t || q.FrameLuma(i) != w.g {
			t.Errorf("frame %d: t %v, luminance %p; want t %v, %p", i, q.Frames[i].T, q.FrameLuma(i), w.t, w.g)
		}
	}
	if q.FrameLuma(-1) != nil || q.FrameLuma(len(q.Frames)) != nil {
		t.Error("luminance out of range")
	}
	if len(q.Finer) != 1 || q.FrameFiner(5) != finer || q.FrameFiner(4) != nil {
		t.Errorf("finer features on frames %v, want only on frame 5", q.Finer)
	}
	if n := q.LumaBytes(); n != 3*g[0].Bytes() {
		t.Errorf("LumaBytes %d, want %d", n, 3*g[0].Bytes())
	}

	long := &Query{}
	d = newDeduper(0, long)
	for i := range maxLumaFrames + 5 {
		d.add(Frame{T: float64(i)}, grid(), nil)
	}
	if long.FrameLuma(maxLumaFrames-1) == nil || long.FrameLuma(maxLumaFrames) != nil || len(long.Luma) != maxLumaFrames {
		t.Errorf("a long clip keeps the luminance of %d frames, want the first %d", len(long.Luma), maxLumaFrames)
	}
}

// TestStoredFingerprintHasNoLuminance: a checked still keeps its
// luminance in the Query, and the Fingerprint of the same still (what a
// registry stores) is the Query's without it.
func TestStoredFingerprintHasNoLuminance(t *testing.T) {
	img := testmedia.Picture(8, 480, 320)
	q, err := QueryImageContext(t.Context(), img, "png", views.QueryViews)
	if err != nil {
		t.Fatal(err)
	}
	if q.FrameLuma(0) == nil {
		t.Fatal("a thorough query kept no luminance")
	}
	fp := FingerprintImage(img, "png", views.QueryViews)
	if len(fp.Frames) != 1 || fp.Frames[0].PDQ != q.Frames[0].PDQ || len(fp.Frames[0].Views) != len(q.Frames[0].Views) {
		t.Errorf("fingerprint %+v differs from the query's %+v", fp.Frames, q.Frames)
	}
	fast, err := QueryImageContext(t.Context(), img, "png", views.FastQueryViews)
	if err != nil {
		t.Fatal(err)
	}
	if fast.Luma != nil {
		t.Error("fast query views kept the luminance")
	}
}
