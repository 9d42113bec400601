package fingerprint

import (
	"image"
	"sync"

	"github.com/corona10/goimagehash"
	"github.com/provcheck/provcheck/internal/signal/pdq"
)

// FrameHasher computes every fingerprint of one picture: PDQ with its
// quality, and the 64-bit pHash and dHash. It reuses its buffers between
// calls and is not safe for concurrent use; see GetFrameHasher.
type FrameHasher struct {
	pdq   *pdq.Hasher
	thumb *image.Gray
	rot   []float32 // scratch for rotated views
}

// NewFrameHasher returns a FrameHasher.
func NewFrameHasher() *FrameHasher {
	return &FrameHasher{pdq: pdq.NewHasher(), thumb: image.NewGray(image.Rect(0, 0, 64, 64))}
}

var frameHashers = sync.Pool{New: func() any { return NewFrameHasher() }}

// GetFrameHasher takes a FrameHasher from a pool; PutFrameHasher returns it.
func GetFrameHasher() *FrameHasher { return frameHashers.Get().(*FrameHasher) }

// PutFrameHasher returns a FrameHasher to the pool.
func PutFrameHasher(h *FrameHasher) { frameHashers.Put(h) }

// Hash fingerprints img as a frame at time t. pHash and dHash are computed
// from the 64×64 luminance grid PDQ already made, not from the full image:
// goimagehash's own resize would otherwise dominate the cost.
func (h *FrameHasher) Hash(img image.Image, t float64) Frame {
	ph, q := h.pdq.FromImage(img)
	f := Frame{T: roundT(t), PDQ: ph, Quality: q}
	if q == 0 && ph.IsZero() {
		return f // too small or empty: nothing more to hash
	}
	h.smallHashes(&f)
	return f
}

// smallHashes sets f's pHash and dHash from the grid of the last PDQ hash.
func (h *FrameHasher) smallHashes(f *Frame) {
	grid := h.pdq.Luma64()
	for i, v := range grid {
		h.thumb.Pix[i] = clamp8(v)
	}
	if p, err := goimagehash.PerceptionHash(h.thumb); err == nil {
		f.PHash = Hash64(p.GetHash())
	}
	if d, err := goimagehash.DifferenceHash(h.thumb); err == nil {
		f.DHash = Hash64(d.GetHash())
	}
}

func clamp8(v float32) uint8 {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v + 0.5)
}
