package match

import (
	"cmp"
	"math"
	"slices"

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

// whole reports whether the local match holds the whole registered
// picture (guidedMinShare).
func (lh *localHit) whole() bool {
	return lh.regW > 0 && lh.regH > 0 && lh.m.Region.W >= guidedMinShare && lh.m.Region.H >= guidedMinShare
}

// guidedHash hashes the checked frame's luminance l warped through the
// local match lh into the registered picture's frame.
func guidedHash(h *fingerprint.FrameHasher, l *luma.Grid, lh *localHit, minQuality int) (pdq.Hash, bool) {
	m := &lh.m
	qw, qh := lh.qw, lh.qh
	if l == nil || qw <= 0 || qh <= 0 || !lh.whole() {
		return pdq.Hash{}, false
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
	// Window (u, v) → registered keypoint coordinates → H → the checked
	// frame (or its mirror image, where H maps into it: sampling the frame
	// itself there gives the registered orientation) → l's cells.
	p := &views.Projective{H: m.H, RW: rw, RH: rh, Mirrored: lh.mirrored, MirrorX: float64(qw - 1), SX: sx, SY: sy}
	hash, q := h.HashProjective(l, cw, ch, p)
	return hash, q >= minQuality
}

// guidedMaxPlacements bounds the distinct placements (where a whole
// registered picture was found in the checked frames) whose warped view
// is hashed on every checked frame: a collage or a duet has one, a clip
// cut from several has a few.
const guidedMaxPlacements = 3

// guidedViews: a collage tile, a duet side or a screen keeps its place for
// the length of a clip, while local features are computed on one checked
// frame a second and registered features on one frame in two seconds.
// Each placement where local matches found a whole registered picture is
// warped and hashed on every informative query frame that kept its
// luminance (QueryFrame.Luma: every sampled frame of a thorough check, so
// the frames between the described ones become evidence this way too);
// the hashes are searched in the PDQ index like any other view.
// placements are the local matches, best first. Each warp is also
// remembered in memo, so guided PDQ does not warp the frame a placement
// was found in a second time.
func guidedViews(q *Query, placements []guide, minQuality int, memo guidedMemo) (hashes []pdq.Hash, owner []int32) {
	if len(placements) == 0 {
		return nil, nil
	}
	h := fingerprint.GetFrameHasher()
	defer fingerprint.PutFrameHasher(h)
	for qi := range q.Frames {
		f := &q.Frames[qi]
		if f.Luma == nil || !f.Informative(minQuality) {
			continue
		}
		for _, g := range placements {
			hash, ok := guidedHash(h, f.Luma, g.lh, minQuality)
			memo[guidedKey{int32(qi), g.lh}] = guidedWarp{hash, ok}
			if ok {
				hashes = append(hashes, hash)
				owner = append(owner, int32(qi))
			}
		}
	}
	return hashes, owner
}

// guidedMemo holds the warped hashes of query frames through local
// matches, computed once each.
type guidedMemo map[guidedKey]guidedWarp

type guidedKey struct {
	qi int32
	lh *localHit
}

type guidedWarp struct {
	hash pdq.Hash
	ok   bool
}

// guide is one placement: a local match (with the size of the checked
// features it was found with).
type guide struct {
	lh     *localHit
	qi, fi int32 // the checked and registered frames it was found in (for a stable order)
	c, m   int32 // the case and medium
}

// distinctPlacements keeps up to guidedMaxPlacements local matches that
// hold a whole registered picture, most inliers first, one per place in
// the checked frame (query regions within 5% of each other are one place).
func distinctPlacements(cands []guide) []guide {
	slices.SortFunc(cands, func(a, b guide) int {
		return cmp.Or(cmp.Compare(b.lh.inliers, a.lh.inliers), cmp.Compare(a.qi, b.qi),
			cmp.Compare(a.c, b.c), cmp.Compare(a.m, b.m), cmp.Compare(a.fi, b.fi))
	})
	var out []guide
	for _, c := range cands {
		same := false
		for _, o := range out {
			a, b := c.lh.m.QueryRegion, o.lh.m.QueryRegion
			if c.lh.mirrored == o.lh.mirrored && math.Abs(a.X-b.X) < 0.05 && math.Abs(a.Y-b.Y) < 0.05 &&
				math.Abs(a.W-b.W) < 0.05 && math.Abs(a.H-b.H) < 0.05 {
				same = true
				break
			}
		}
		if !same {
			out = append(out, c)
			if len(out) == guidedMaxPlacements {
				break
			}
		}
	}
	return out
}
