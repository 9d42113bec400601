package match

import (
	"image"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/provcheck/provcheck/hashing"
	"github.com/provcheck/provcheck/internal/testmedia"
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
// centre matches nothing as it is; crop search finds a window that does,
// and the same search on unrelated pictures finds nothing.
func TestCropSearchFindsOffCentreCrop(t *testing.T) {
	var cases []registry.Case
	var pics []image.Image
	for i := 0; i < 4; i++ {
		pic := testmedia.Picture(uint64(40+i), 640, 400)
		pics = append(pics, pic)
		fp := hashing.FingerprintImage(pic, "png", hashing.RegisterViews)
		cases = append(cases, registry.Case{ID: string(rune('a' + i)), Media: []registry.Media{{Fingerprint: *fp}}})
	}
	snap := registry.NewSnapshot(cases, params.MinQuality)
	crops := []struct {
		name       string
		s, fx, fy  float64
		registered int
	}{
		{"88% towards the bottom left", 0.88, 0.03, 0.08, 0},
		{"90% at the top right corner", 0.90, 0.10, 0.0, 1},
		{"85% towards the left", 0.85, 0.02, 0.06, 2},
	}
	for _, c := range crops {
		q := hashing.FingerprintImage(offCentre(pics[c.registered], c.s, c.fx, c.fy), "jpeg", hashing.QueryViews)
		if got := Find(snap, NewQuery(q, params.MinQuality), params); len(got) > 0 && got[0].Evidence.BestDistance <= params.MatchDistance {
			t.Errorf("%s: matched without crop search (%+v): the test proves nothing", c.name, got[0].Evidence)
			continue
		}
		wins := CropSearch(snap, q, params)
		if len(wins) == 0 {
			t.Errorf("%s: no window found", c.name)
			continue
		}
		h := hashing.GetFrameHasher()
		for _, w := range wins {
			hash, qual := h.HashWindow(q.Frames[0].Luma, w)
			q.Frames[0].Views = append(q.Frames[0].Views, hashing.View{Name: "window", PDQ: hash, Quality: qual})
		}
		hashing.PutFrameHasher(h)
		got := Find(snap, NewQuery(q, params.MinQuality), params)
		if len(got) == 0 || got[0].Case != c.registered || got[0].Evidence.BestDistance > params.MatchDistance {
			t.Errorf("%s: after crop search got %+v, want case %d within %d", c.name, got, c.registered, params.MatchDistance)
		}
	}
	for i := 0; i < 6; i++ {
		other := hashing.FingerprintImage(testmedia.Picture(uint64(900+i), 640, 400), "png", hashing.QueryViews)
		if wins := CropSearch(snap, other, params); len(wins) != 0 {
			t.Errorf("unrelated picture %d: windows %+v", i, wins)
		}
	}
}
