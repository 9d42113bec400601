package fingerprint

import (
	"context"
	"image"
	"path/filepath"
	"testing"

	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/internal/views"
)

// smallOf hashes img as a frame with a SmallHasher and returns its small
// hashes and its PDQ hash.
func smallOf(img image.Image) (Small, string) {
	h, s := NewFrameHasher(), NewSmallHasher()
	h.small = s
	f := h.Hash(img, 0)
	return s.For([]Frame{f})[0], f.PDQ.String()
}

// TestSmallHashesUnchanged: pHash and dHash are the values provcheck
// printed when every frame carried them (pinned from that version), on
// a still fingerprinted from its file with and without the query views,
// and a picture too small for PDQ gets zeros.
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
		want := Small{tt.phash, tt.dhash}
		if got, p := smallOf(tt.img); p != tt.pdq || got != want {
			t.Errorf("%v: pdq %s, small %s %s; want %s %s %s", tt.img.Bounds(), p, got.PHash, got.DHash, tt.pdq, tt.phash, tt.dhash)
		}
		if tt.img.Bounds().Dx() < 64 {
			continue
		}
		path := filepath.Join(t.TempDir(), "still.png")
		if err := testmedia.WritePNG(path, tt.img); err != nil {
			t.Fatal(err)
		}
		for _, set := range []views.Set{views.NoViews, views.RegisterViews, views.QueryViews} {
			s := NewSmallHasher()
			fp, err := NewFingerprinter(nil, nil, media.Limits{}).File(context.Background(), path, Sampling{Views: set, Small: s})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.For(fp.Frames); len(got) != 1 || got[0] != want {
				t.Errorf("%v from a file, views %v: %+v, want %+v", tt.img.Bounds(), set, got, want)
			}
		}
	}
}

// TestSmallHashesOfKeptFrames: when some hashed frames were dropped (a
// static run), each kept frame gets the small hashes of its own picture,
// found by time and PDQ hash; a frame not hashed with the SmallHasher
// gets zeros.
func TestSmallHashesOfKeptFrames(t *testing.T) {
	a, b := testmedia.Picture(3, 160, 120), testmedia.Picture(4, 160, 120)
	sa, _ := smallOf(a)
	sb, _ := smallOf(b)
	if sa == sb || sa == (Small{}) {
		t.Fatalf("test pictures too alike: %+v %+v", sa, sb)
	}
	h, s := NewFrameHasher(), NewSmallHasher()
	h.small = s
	var all []Frame
	for i, img := range []image.Image{a, a, b, b, a} {
		all = append(all, h.Hash(img, float64(i)/2))
	}
	other := NewFrameHasher().Hash(b, 7)
	// Kept: the first a, the last b, the last a; and a frame hashed
	// without s.
	kept := []Frame{all[0], all[3], all[4], other}
	got := s.For(kept)
	want := []Small{sa, sb, sa, {}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("frame %d at %v: %+v, want %+v", i, kept[i].T, got[i], want[i])
		}
	}
}

// TestSmallHashesOnlyWhenAsked: a fingerprinter run without a
// SmallHasher leaves none on the pooled frame hashers it used.
func TestSmallHashesOnlyWhenAsked(t *testing.T) {
	s := NewSmallHasher()
	h := GetFrameHasher()
	h.small = s
	PutFrameHasher(h)
	for range 4 {
		h := GetFrameHasher()
		if h.small != nil {
			t.Fatal("a pooled frame hasher kept its SmallHasher")
		}
		defer PutFrameHasher(h)
	}
}
