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
// set it as the Sampling's Small, fingerprint the file, then ask For its
// frames. Both hashes are computed from the 64×64 luminance grid PDQ made
// of each frame as it was hashed (goimagehash's own resize of the full
// image would otherwise dominate the cost), so they cost no second PDQ
// pass. A SmallHasher serves one file at a time and is not safe for
// concurrent use.
type SmallHasher struct {
	thumb *image.Gray
	seen  []smallSeen
}

// smallSeen is one hashed frame: its time, its PDQ hash (to find it among
// the frames kept) and its small hashes.
type smallSeen struct {
	t     float64
	pdq   pdq.Hash
	small Small
}

// NewSmallHasher returns a SmallHasher.
func NewSmallHasher() *SmallHasher {
	return &SmallHasher{thumb: image.NewGray(image.Rect(0, 0, 64, 64))}
}

// record takes frame f, just hashed, and grid, PDQ's 64×64 luminance grid
// of its picture. A picture too small or empty for PDQ gets zeros.
func (s *SmallHasher) record(f Frame, grid *[64 * 64]float32) {
	seen := smallSeen{t: f.T, pdq: f.PDQ}
	if f.Quality > 0 || !f.PDQ.IsZero() {
		seen.small = s.fromGrid(grid)
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
// made with s, one for each frame. The frames kept are some of the frames
// hashed, in their order: each is the next one hashed with its time and
// PDQ hash. A frame not hashed with s gets zeros.
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
