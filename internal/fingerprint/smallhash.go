package fingerprint

import (
	"image"

	"github.com/corona10/goimagehash"
	"github.com/provcheck/provcheck/internal/signal/pdq"
)

// Small is the 64-bit pHash and dHash of a frame. The hash command prints
// them; they take no part in matching and are not stored, so checking and
// registering never compute them.
type Small struct {
	PHash Hash64
	DHash Hash64
}

// SmallHasher computes the pHash and dHash of the frames of a fingerprint:
// set Observe as the Sampling's OnFrame, fingerprint the file, then ask For
// its frames. Both hashes are computed from the 64×64 luminance grid PDQ
// makes of the picture, not from the full image (goimagehash's own resize
// would otherwise dominate the cost). A SmallHasher serves one file at a
// time and is not safe for concurrent use.
type SmallHasher struct {
	pdq   *pdq.Hasher
	thumb *image.Gray
	seen  []smallSeen
}

// smallSeen is one sampled picture: its time, its PDQ hash (to find the
// frame made of it) and its small hashes.
type smallSeen struct {
	t     float64
	pdq   pdq.Hash
	small Small
}

// NewSmallHasher returns a SmallHasher.
func NewSmallHasher() *SmallHasher {
	return &SmallHasher{pdq: pdq.NewHasher(), thumb: image.NewGray(image.Rect(0, 0, 64, 64))}
}

// Observe hashes one sampled picture at time t; its signature is
// Sampling.OnFrame's. A picture too small or empty for PDQ gets zeros.
func (s *SmallHasher) Observe(img image.Image, t float64) {
	ph, q := s.pdq.FromImage(img)
	seen := smallSeen{t: t, pdq: ph}
	if q > 0 || !ph.IsZero() {
		seen.small = s.fromGrid(s.pdq.Luma64())
	}
	s.seen = append(s.seen, seen)
}

// fromGrid computes the small hashes of a 64×64 luminance grid.
func (s *SmallHasher) fromGrid(grid *[64 * 64]float32) Small {
	var out Small
	for i, v := range grid {
		s.thumb.Pix[i] = clamp8(v)
	}
	if p, err := goimagehash.PerceptionHash(s.thumb); err == nil {
		out.PHash = Hash64(p.GetHash())
	}
	if d, err := goimagehash.DifferenceHash(s.thumb); err == nil {
		out.DHash = Hash64(d.GetHash())
	}
	return out
}

// For returns the small hashes of frames, the frames of the fingerprint
// made while Observe saw its pictures, one for each frame. The frames kept
// are some of the pictures sampled, in their order: each is the next
// picture seen with its time and PDQ hash. A frame of no picture seen gets
// zeros.
func (s *SmallHasher) For(frames []Frame) []Small {
	out := make([]Small, len(frames))
	next := 0
	for i, f := range frames {
		for k := next; k < len(s.seen); k++ {
			if s.seen[k].t == f.T && s.seen[k].pdq == f.PDQ {
				out[i], next = s.seen[k].small, k+1
				break
			}
		}
	}
	return out
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
