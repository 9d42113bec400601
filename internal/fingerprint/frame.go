package fingerprint

import (
	"image"
	"sync"

	"github.com/provcheck/provcheck/internal/signal/pdq"
)

// FrameHasher computes the PDQ hashes of one picture and its views, with
// their quality. It reuses its buffers between calls and is not safe for
// concurrent use; see GetFrameHasher.
type FrameHasher struct {
	pdq   *pdq.Hasher
	rot   []float32    // scratch for turned views and warped windows (scratch)
	small *SmallHasher // when set, takes each frame hashed (Sampling.Small)
}

// NewFrameHasher returns a FrameHasher.
func NewFrameHasher() *FrameHasher {
	return &FrameHasher{pdq: pdq.NewHasher()}
}

var frameHashers = sync.Pool{New: func() any { return NewFrameHasher() }}

// GetFrameHasher takes a FrameHasher from a pool; PutFrameHasher returns it.
func GetFrameHasher() *FrameHasher { return frameHashers.Get().(*FrameHasher) }

// PutFrameHasher returns a FrameHasher to the pool.
func PutFrameHasher(h *FrameHasher) {
	h.small = nil
	frameHashers.Put(h)
}

// Hash fingerprints img as a frame at time t: its PDQ hash and quality.
func (h *FrameHasher) Hash(img image.Image, t float64) Frame {
	ph, q := h.pdq.FromImage(img)
	f := Frame{T: roundT(t), PDQ: ph, Quality: q}
	h.hashed(f)
	return f
}

// hashed gives the frame just hashed, whose grid PDQ still holds, to the
// SmallHasher when there is one.
func (h *FrameHasher) hashed(f Frame) {
	if h.small != nil {
		h.small.record(f, h.pdq.Luma64())
	}
}
