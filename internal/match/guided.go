package match

import (
	"math"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/luma"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/views"
)

// Guided PDQ. Where local features verified that a registered picture lies
// inside a checked frame — a collage tile, one side of a duet, a picture
// under a face-cam or stickers, a photographed screen — the checked frame
// is warped back, through the transform the inliers agreed on, into the
// registered picture's own frame and hashed with PDQ. The registered
// frame's hash then confirms the local match or not: a distance within
// match_distance is PDQ evidence like any other and goes through the same
// thresholds. No window is guessed; the transform is the one geometric
// verification found, so the view follows the repost's crop, scale, turn
// and perspective exactly.
const (
	// guidedMinShare: the registered picture must lie inside the checked
	// frame over at least this share of its width and of its height.
	// Cut by the frame's edge, the warped window would hold clamped border
	// where the registered frame has picture, and the whole-frame hash
	// comparison would mean nothing.
	guidedMinShare = 0.95
	// guidedMinSide, guidedMaxSide bound the warped window's longer side in
	// luminance cells: the picture's size in the checked frame, at least
	// PDQ's 64×64 grid, at most the grid registered frames are hashed from.
	guidedMinSide = 64
	guidedMaxSide = views.GridSide
)

// guidedDistance is the PDQ distance between the registered frame's hash
// want and the checked frame's luminance l warped through the local
// match lh; ok is false when the match does not hold the whole registered
// picture or the window has too little detail to hash.
func guidedDistance(h *fingerprint.FrameHasher, l *luma.Grid, qw, qh int, lh *localHit, want pdq.Hash, minQuality int) (int, bool) {
	m := &lh.m
	if l == nil || qw <= 0 || qh <= 0 || lh.regW <= 0 || lh.regH <= 0 ||
		m.Region.W < guidedMinShare || m.Region.H < guidedMinShare {
		return 0, false
	}
	gw, gh := l.Size()
	sx, sy := float64(gw)/float64(qw), float64(gh)/float64(qh)
	// The window keeps the registered picture's aspect ratio; its longer
	// side is the picture's longer side as it appears in the checked grid.
	rw, rh := float64(lh.regW), float64(lh.regH)
	long := m.Scale * max(rw, rh) * max(sx, sy)
	long = min(max(long, guidedMinSide), guidedMaxSide)
	cw, ch := int(math.Round(long)), int(math.Round(long*rh/rw))
	if rh > rw {
		cw, ch = int(math.Round(long*rw/rh)), int(math.Round(long))
	}
	at := func(u, v float64) (float64, float64) {
		x, y := u*rw-0.5, v*rh-0.5 // registered keypoint coordinates
		w := m.H[6]*x + m.H[7]*y + m.H[8]
		if math.Abs(w) < 1e-12 {
			return -1, -1
		}
		qx, qy := (m.H[0]*x+m.H[1]*y+m.H[2])/w, (m.H[3]*x+m.H[4]*y+m.H[5])/w
		if lh.mirrored {
			// H maps into the mirror image of the checked frame; sampling
			// the frame itself there gives the registered orientation.
			qx = float64(qw-1) - qx
		}
		return (qx + 0.5) * sx, (qy + 0.5) * sy
	}
	hash, q := h.HashWarped(l, cw, ch, at)
	if q < minQuality {
		return 0, false
	}
	return pdq.Distance(hash, want), true
}
