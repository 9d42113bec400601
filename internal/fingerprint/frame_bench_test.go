package fingerprint

import (
	"image"
	"testing"

	"github.com/provcheck/provcheck/internal/picture"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/internal/views"
)

// BenchmarkHashFrame hashes one decoded video frame at the default frame
// size (320×180) as each path does: the frame alone, with the registered
// views, with the fast and the thorough query views. The +small variants
// add pHash and dHash from the grid PDQ left, as every frame did when
// frames carried them (the hash command now computes them on its own,
// Sampling.Small); small-alone is that part by itself.
func BenchmarkHashFrame(b *testing.B) {
	img := testmedia.Picture(11, 320, 180)
	l := picture.Layout{Inner: picture.Full, Content: picture.Full}
	b.Run("small-alone", func(b *testing.B) {
		h, s := NewFrameHasher(), NewSmallHasher()
		h.Hash(img, 0)
		for i := 0; i < b.N; i++ {
			s.fromGrid(h.pdq.Luma64())
		}
	})
	for _, c := range []struct {
		name string
		set  views.Set
	}{{"frame", views.NoViews}, {"register-views", views.RegisterViews}, {"fast-query-views", views.FastQueryViews}, {"query-views", views.QueryViews}} {
		b.Run(c.name, func(b *testing.B) {
			h := NewFrameHasher()
			for i := 0; i < b.N; i++ {
				h.HashViews(img, 0, c.set, l)
			}
		})
		b.Run(c.name+"+small", func(b *testing.B) { benchWithSmall(b, img, c.set, l) })
	}
}

func benchWithSmall(b *testing.B, img image.Image, set views.Set, l picture.Layout) {
	h, s := NewFrameHasher(), NewSmallHasher()
	for i := 0; i < b.N; i++ {
		h.HashViews(img, 0, set, l)
		s.fromGrid(h.pdq.Luma64())
	}
}
