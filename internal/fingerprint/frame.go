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
	pdq *pdq.Hasher
	rot []float32 // scratch for rotated views
}

// NewFrameHasher returns a FrameHasher.
func NewFrameHasher() *FrameHasher {
	return &FrameHasher{pdq: pdq.NewHasher()}
}

var frameHashers = sync.Pool{New: func() any { return NewFrameHasher() }}

// GetFrameHasher takes a FrameHasher from a pool; PutFrameHasher returns it.
func GetFrameHasher() *FrameHasher { return frameHashers.Get().(*FrameHasher) }

// PutFrameHasher returns a FrameHasher to the pool.
func PutFrameHasher(h *FrameHasher) { frameHashers.Put(h) }

// Hash fingerprints img as a frame at time t: its PDQ hash and quality.
func (h *FrameHasher) Hash(img image.Image, t float64) Frame {
	ph, q := h.pdq.FromImage(img)
	return Frame{T: roundT(t), PDQ: ph, Quality: q}
}
