package match

import (
	"context"
	"image"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/index"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/internal/views"
	"github.com/provcheck/provcheck/registry"
)

// offCentre crops img to the share s of each side, starting at (fx, fy) of
// its width and height.
func offCentre(img image.Image, s, fx, fy float64) image.Image {
	b := img.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	r := image.Rect(int(fx*w), int(fy*h), int((fx+s)*w), int((fy+s)*h))
	return imaging.Crop(img, r)
}

// TestCropSearchFindsOffCentreCrop: a registered picture cropped off
// centre (or tilted, then cropped) matches nothing as it is; crop search
// finds a window that does, and the same search on unrelated pictures
// finds nothing.
func TestCropSearchFindsOffCentreCrop(t *testing.T) {
	var cases []registry.Case
	var pics []image.Image
	for i := 0; i < 4; i++ {
		pic := testmedia.Picture(uint64(40+i), 640, 400)
		pics = append(pics, pic)
		fp := fingerprint.FingerprintImage(pic, "png", views.RegisterViews)
		cases = append(cases, registry.Case{ID: string(rune('a' + i)), Media: []registry.Media{{Fingerprint: *fp}}})
	}
	snap := index.NewSnapshot(cases, params.MinQuality)
	crops := []struct {
		name       string
		tilt       float64 // degrees, before cropping
		s, fx, fy  float64
		registered int
	}{
		{"88% towards the bottom left", 0, 0.88, 0.03, 0.08, 0},
		{"90% at the top right corner", 0, 0.90, 0.10, 0.0, 1},
		{"85% towards the left", 0, 0.85, 0.02, 0.06, 2},
		{"tilted 3.7°, then 88% towards the bottom left", 3.7, 0.88, 0.03, 0.08, 3},
		{"tilted -2.2°, then 90% at the top", -2.2, 0.90, 0.05, 0.0, 0},
	}
	for _, c := range crops {
		src := pics[c.registered]
		if c.tilt != 0 {
			src = testmedia.Tilt(src, c.tilt)
		}
		q := fingerprint.FingerprintImage(offCentre(src, c.s, c.fx, c.fy), "jpeg", views.QueryViews)
		if got := Find(snap, NewQuery(q, params.MinQuality), params); len(got) > 0 && got[0].Evidence.BestDistance <= params.MatchDistance {
			t.Errorf("%s: matched without crop search (%+v): the test proves nothing", c.name, got[0].Evidence)
			continue
		}
		wins := CropSearch(context.Background(), snap, q, params)
		if len(wins) == 0 {
			t.Errorf("%s: no window found", c.name)
			continue
		}
		h := fingerprint.GetFrameHasher()
		for _, w := range wins {
			hash, qual := h.HashWindowTurned(q.Frames[0].Luma, w.Rect, w.Angle)
			q.Frames[0].Views = append(q.Frames[0].Views, fingerprint.View{Name: "window", PDQ: hash, Quality: qual})
		}
		fingerprint.PutFrameHasher(h)
		got := Find(snap, NewQuery(q, params.MinQuality), params)
		if len(got) == 0 || got[0].Case != c.registered || got[0].Evidence.BestDistance > params.MatchDistance {
			t.Errorf("%s: after crop search got %+v, want case %d within %d", c.name, got, c.registered, params.MatchDistance)
		}
	}
	for i := 0; i < 6; i++ {
		other := fingerprint.FingerprintImage(testmedia.Picture(uint64(900+i), 640, 400), "png", views.QueryViews)
		if wins := CropSearch(context.Background(), snap, other, params); len(wins) != 0 {
			t.Errorf("unrelated picture %d: windows %+v", i, wins)
		}
	}
}

// BenchmarkCropSearchNoMatch: the cost crop search adds to a still that
// matches nothing (both stages run), against fingerprinting the still with
// its query views in the same run.
func BenchmarkCropSearchNoMatch(b *testing.B) {
	var cases []registry.Case
	for i := 0; i < 20; i++ {
		fp := fingerprint.FingerprintImage(testmedia.Picture(uint64(40+i), 640, 400), "png", views.RegisterViews)
		cases = append(cases, registry.Case{ID: string(rune('a' + i)), Media: []registry.Media{{Fingerprint: *fp}}})
	}
	snap := index.NewSnapshot(cases, params.MinQuality)
	img := testmedia.Picture(999, 1600, 1000)
	b.Run("fingerprint", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			fingerprint.FingerprintImage(img, "jpeg", views.QueryViews)
		}
	})
	q := fingerprint.FingerprintImage(img, "jpeg", views.QueryViews)
	b.Run("crop-search", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if w := CropSearch(context.Background(), snap, q, params); len(w) != 0 {
				b.Fatal("unrelated picture matched")
			}
		}
	})
}
