package fingerprint

import (
	"fmt"
	"image"
	"testing"

	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/internal/views"
)

// TestRotatedViewsFindTiltedRepost: a picture tilted by a few degrees, at
// angles on and between the rungs of the ladder, has a rotated view within
// match distance of the registered zoom80 view, while the tilted frame's
// own hash is far from every registered view.
func TestRotatedViewsFindTiltedRepost(t *testing.T) {
	pics := map[string]image.Image{
		"bridge":    photo(t, "bridge-mods__shrink-a-lot.png", 480, 320),
		"generated": testmedia.Picture(3, 480, 270),
	}
	for name, pic := range pics {
		reg := FingerprintImage(pic, "png", views.RegisterViews).Frames[0]
		var zoom pdq.Hash
		for _, v := range reg.Views {
			if v.Name == "zoom80" {
				zoom = v.PDQ
			}
		}
		if zoom.IsZero() {
			t.Fatalf("%s: no zoom80 view registered", name)
		}
		for _, deg := range []float64{-5.2, -4, 2.2, 3.7, 6} {
			t.Run(fmt.Sprintf("%s/%g", name, deg), func(t *testing.T) {
				q := FingerprintImage(testmedia.Tilt(pic, deg), "jpeg", views.QueryViews).Frames[0]
				best, bestName := 256, ""
				for _, v := range q.Views {
					if d := pdq.Distance(v.PDQ, zoom); d < best {
						best, bestName = d, v.Name
					}
				}
				if best > 31 {
					t.Errorf("nearest view %q is %d bits from zoom80; want ≤ 31", bestName, best)
				}
				if best <= 31 && !(View{Name: bestName}).Speculative() {
					t.Errorf("view %q matched but is not a rotated view", bestName)
				}
				// Without the rotated views the tilt would be missed.
				for _, r := range append([]View{{Name: "frame", PDQ: reg.PDQ}}, reg.Views...) {
					if d := pdq.Distance(q.PDQ, r.PDQ); d <= 31 {
						t.Errorf("the tilted frame itself is %d bits from %s: the test proves nothing", d, r.Name)
					}
				}
			})
		}
	}
}
