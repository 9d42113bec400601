package fingerprint

import (
	"context"
	"fmt"
	"testing"

	"github.com/provcheck/provcheck/internal/signal/orb"
	"github.com/provcheck/provcheck/internal/testmedia"
)

// TestFinerFeatures: a checked still larger than LocalStillSide is
// described on as many finer pyramid levels as it has the pixels for (at
// most the number asked, less the ones skipped), in the finer picture's
// pixels, within the finer levels' budget; a still less than one level
// larger (or larger by no more levels than are skipped) has none.
func TestFinerFeatures(t *testing.T) {
	o := LocalOptions()
	o.MaxFeatures = LocalStillFeatures
	for k, want := range []int{0, 130, 287, 474, 699} {
		if got := fineBudget(o, k); got != want {
			t.Errorf("fineBudget(%d levels) = %d, want %d", k, got, want)
		}
	}
	ctx := context.Background()
	for _, tt := range []struct {
		w, h, fine, skip int
		wantW            int // width of the finer picture, 0: none
		wantLevels       int
	}{
		{640, 400, 4, 0, 0, 0},
		{700, 400, 4, 0, 0, 0}, // less than one level (1.2×) larger
		{800, 500, 4, 0, 768, 1},
		{1200, 800, 4, 0, 1106, 3},
		{1600, 1000, 4, 0, 1327, 4},
		{1600, 1000, 2, 0, 922, 2},
		{1600, 1000, 0, 0, 0, 0},
		{1600, 1000, 4, 2, 1327, 2}, // the two finest of four
		{1200, 800, 4, 2, 1106, 1},
		{900, 600, 4, 2, 0, 0}, // two levels larger, both skipped
	} {
		f, err := finerFeatures(ctx, testmedia.Picture(41, tt.w, tt.h), LocalStillSide, LocalStillFeatures, tt.fine, tt.skip)
		if err != nil {
			t.Fatal(err)
		}
		if tt.wantW == 0 {
			if f != nil {
				t.Errorf("%d×%d, %d finer levels: %d features of %d×%d, want none", tt.w, tt.h, tt.fine, f.Len(), f.W, f.H)
			}
			continue
		}
		if f == nil || f.W != tt.wantW {
			t.Fatalf("%d×%d, %d finer levels: %+v, want features of width %d", tt.w, tt.h, tt.fine, f, tt.wantW)
		}
		top := 0
		for _, kp := range f.Keypoints {
			top = max(top, int(kp.Level))
		}
		if budget := fineBudget(o, tt.wantLevels+tt.skip) - fineBudget(o, tt.skip); f.Len() == 0 || f.Len() > budget || top >= tt.wantLevels {
			t.Errorf("%d×%d: %d features up to level %d; want at most %d on %d levels", tt.w, tt.h, f.Len(), top, budget, tt.wantLevels)
		}
	}
}

// BenchmarkStillFeatures: describing a checked still (fine=0) and its
// finer levels (fine=4), at sizes uploads have (a 1280×720 photo, a phone
// screenshot, a 12 MP photo):
//
//	go test ./internal/fingerprint -run '^$' -bench StillFeatures
func BenchmarkStillFeatures(b *testing.B) {
	for _, sz := range [][2]int{{1280, 720}, {824, 1830}, {4000, 3000}} {
		img := testmedia.Picture(42, sz[0], sz[1])
		for _, fine := range []int{0, 4} {
			b.Run(fmt.Sprintf("%dx%d/fine=%d", sz[0], sz[1], fine), func(b *testing.B) {
				for b.Loop() {
					var err error
					if fine == 0 {
						_, err = LocalFeaturesContext(context.Background(), img, LocalStillSide, LocalStillFeatures)
					} else {
						_, err = finerFeatures(context.Background(), img, LocalStillSide, LocalStillFeatures, fine, 0)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestKeptBytesCountsFinerFeatures: the memory a check's fingerprint
// keeps counts a still's finer features besides its luminance.
func TestKeptBytesCountsFinerFeatures(t *testing.T) {
	f, err := finerFeatures(context.Background(), testmedia.Picture(43, 1600, 1000), LocalStillSide, LocalStillFeatures, 4, 0)
	if err != nil || f == nil {
		t.Fatalf("finer features: %v, %v", f, err)
	}
	q := &Query{Finer: map[int]*orb.Features{0: f}}
	if got, want := q.KeptBytes(), f.Len()*(24+32); got != want { // a keypoint: five float32 and its level, padded; a descriptor: 256 bits
		t.Errorf("KeptBytes %d, want %d for %d features", got, want, f.Len())
	}
}
