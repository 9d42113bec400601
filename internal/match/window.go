package match

import (
	"cmp"
	"context"
	"math"
	"slices"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/index"
	"github.com/provcheck/provcheck/internal/luma"
	"github.com/provcheck/provcheck/internal/picture"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/views"
)

// Crop search. A repost cropped off centre (a corner logo cut away, a zoom
// on one side of the picture) contains none of the registered views, and a
// PDQ hash moves about 10 bits per 1% of crop. The query frame does contain
// the registered centre zooms, though, at a place and size that depend on
// the crop. CropSearch hashes a coarse set of windows of a few query frames,
// keeps the registered frames they come near (a coarse window is a few
// percent off, so near means within cropCoarseDistance, far closer than
// unrelated pictures are), then moves each window's edges in shrinking
// steps towards the registered frame's nearest view. A window that gets
// within the match distance is returned; the caller hashes it in every
// frame and matches again, so a clip still needs frames that agree on one
// alignment.

const (
	cropCoarseDistance = 64 // a coarse window this near a registered frame is refined
	// turnedCoarseDistance is the same for turned windows, which are
	// coarser (by up to 1° as well as 2.5% in place).
	turnedCoarseDistance = 72
	// turnedTrigger: the turned windows are tried only when a plain window
	// came this near a registered hash.
	turnedTrigger   = 84
	cropCandidates  = 3    // registered frames refined per probe frame
	cropStarts      = 3    // coarse windows refined per registered frame
	cropProbeFrames = 4    // query frames searched
	cropBudget      = 80   // hashes per refinement
	cropMinSide     = 0.55 // windows stay at least this share of the frame on each side (or cropMinStart of where they started)
	cropMinStart    = 0.8
	// cropPlaceStep: the coarse windows are placed every this share of the
	// frame, so a crop of their sizes is at most half of it from one.
	cropPlaceStep = 0.05
	// sameWindowPlace, sameWindowAngle: windows found whose sides are all
	// within sameWindowPlace and whose angles are within sameWindowAngle
	// (degrees) of each other are one.
	sameWindowPlace = 0.01
	sameWindowAngle = 0.3
	// refineAngleStep is the first step (degrees) a turned window's angle
	// moves by, halved with each of cropRefineSteps.
	refineAngleStep = 0.5
	// cropComparisons bounds the coarse stage: windows searched × indexed
	// hashes (about 0.4 s of comparisons on one core).
	cropComparisons = 150_000_000
)

// cropSizes are the sizes (share of the frame's sides) of the coarse
// windows: crops of 5% to 30% of each side. More sizes find more crops,
// for more windows hashed and compared (cropComparisons bounds them).
var cropSizes = []float64{0.95, 0.9, 0.85, 0.8, 0.75, 0.7}

// turnedSizes are the sizes of cropSizes tried turned: the sizes a tilted
// and cropped picture can hold a registered zoom at (a subset, since every
// turned size is tried at every turned angle).
var turnedSizes = []float64{0.9, 0.8, 0.7}

// cropRefineSteps are the steps (share of the frame) a window's edges move
// by when refined, from coarse to fine.
var cropRefineSteps = []float64{0.02, 0.01, 0.005}

// cropWindows are the coarse windows: square-scaled crops of cropSizes,
// placed every cropPlaceStep of the frame (at most half of it from any
// crop of those sizes).
var cropWindows = func() []picture.Rect {
	var out []picture.Rect
	for _, s := range cropSizes {
		n := int(math.Round((1-s)/cropPlaceStep)) + 1
		for iy := 0; iy < n; iy++ {
			for ix := 0; ix < n; ix++ {
				x0, y0 := float64(ix)*(1-s)/float64(max(1, n-1)), float64(iy)*(1-s)/float64(max(1, n-1))
				out = append(out, picture.Rect{X0: x0, Y0: y0, X1: x0 + s, Y1: y0 + s})
			}
		}
	}
	return out
}()

// Window is a part of a query frame: the rectangle Rect of the frame turned
// by Angle degrees about its centre (0 for a plain crop).
type Window struct {
	Rect  picture.Rect
	Angle float64
}

// turnedAngles are the angles tried when no plain window is found: a repost
// tilted, then cropped.
var turnedAngles = views.TiltLadder(turnedStep, false)

// turnedStep is the crop search's rung: a window found near is refined in
// angle too (0.5°, 0.25°, 0.125°), so its rungs may be coarser than the
// turned views' (views.RotationStep). A smaller step hashes a set of
// turned windows more per rung, for coarse windows that start nearer.
const turnedStep = 2.0

// turnedWindows are the coarse windows of turnedSizes, tried at those
// angles.
var turnedWindows = slices.DeleteFunc(slices.Clone(cropWindows), func(r picture.Rect) bool {
	s := r.X1 - r.X0
	return !slices.ContainsFunc(turnedSizes, func(t float64) bool { return math.Abs(s-t) < 0.01 })
})

// CropSearch returns windows of the query's frames that hash within the
// match distance of a registered frame: plain crops first, and when there
// are none, crops of the frame turned by a few degrees. Only frames that
// kept their luminance (fingerprint.Frame.Luma) are searched.
//
// It stops early, with what it found so far, when ctx ends.
func CropSearch(ctx context.Context, snap *index.Snapshot, fp *fingerprint.Fingerprint, p Params) []Window {
	if snap == nil || snap.Index.Len() == 0 {
		return nil
	}
	var usable []int
	for i, f := range fp.Frames {
		if f.Luma != nil && f.Quality >= p.MinQuality {
			usable = append(usable, i)
		}
	}
	if len(usable) == 0 {
		return nil
	}
	probes := spread(usable, cropProbeFrames)
	h := fingerprint.GetFrameHasher()
	defer fingerprint.PutFrameHasher(h)
	// The coarse windows are searched at a wide distance, where the index
	// compares each with nearly every registered hash: the number of
	// windows searched is bounded so that a large registry does not make
	// a check slow (at a million hashes: one frame, plain crops only).
	budget := cropComparisons / max(1, snap.Index.Len())
	var coarse []Window
	for _, r := range cropWindows {
		coarse = append(coarse, Window{Rect: r})
	}
	// The pictures found in the file start refinements too: a picture
	// cut a pixel or two off its edge is a few bits short of a match.
	for _, r := range fp.Regions {
		coarse = append(coarse, Window{Rect: r})
	}
	n := min(len(probes), budget/len(coarse))
	if n == 0 {
		return nil
	}
	found, near := searchWindows(ctx, snap, fp, spread(probes, n), coarse, cropCoarseDistance, turnedTrigger, h, p)
	if len(found) > 0 || !near || ctx.Err() != nil {
		return found
	}
	budget -= n * len(coarse)
	coarse = coarse[:0]
	for _, a := range turnedAngles {
		for _, r := range turnedWindows {
			coarse = append(coarse, Window{Rect: r, Angle: a})
		}
	}
	if n = min(len(probes), budget/len(coarse)); n == 0 {
		return nil
	}
	found, _ = searchWindows(ctx, snap, fp, spread(probes, n), coarse, turnedCoarseDistance, 0, h, p)
	return found
}

// spread returns n of the frames, evenly spread.
func spread(frames []int, n int) []int {
	if n >= len(frames) {
		return frames
	}
	out := make([]int, n)
	for k := range out {
		out[k] = frames[(2*k+1)*len(frames)/(2*n)]
	}
	return out
}

// searchWindows hashes the coarse windows of each probe frame, and refines
// the ones within near of a registered frame. It also reports whether any
// window came within trigger of one (0: not asked): a picture tilted and cropped
// comes that near with plain windows (44–88 bits on the evaluation, most
// under 80), unrelated pictures seldom do (82–98), so the turned windows —
// four times as many — are only tried then.
func searchWindows(ctx context.Context, snap *index.Snapshot, fp *fingerprint.Fingerprint, probes []int, windows []Window, near, trigger int, h *fingerprint.FrameHasher, p Params) ([]Window, bool) {
	var found []Window
	anyNear := false
	for _, fi := range probes {
		if ctx.Err() != nil {
			break
		}
		l := fp.Frames[fi].Luma
		coarse := l.Coarse()
		var hashes []pdq.Hash
		var wins []int
		for k, w := range windows {
			if ctx.Err() != nil {
				return found, anyNear
			}
			if hash, q := h.HashWindowTurned(coarse, w.Rect, w.Angle); q >= p.MinQuality {
				hashes = append(hashes, hash)
				wins = append(wins, k)
			}
		}
		type cand struct {
			ref  index.Ref
			win  int
			dist int
		}
		// Each window's hits, then per registered frame its nearest
		// windows: the nearest may be near a view the query does not
		// contain (a local optimum), so a few starts are refined.
		var all []cand
		if index.SearchManyContext(ctx, snap.Index, hashes, max(near, trigger), func(i int, hit index.Hit) {
			anyNear = true
			if hit.Distance <= near {
				all = append(all, cand{hit.Ref, wins[i], hit.Distance})
			}
		}) != nil {
			return found, anyNear
		}
		slices.SortFunc(all, func(a, b cand) int {
			return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.ref.Case, b.ref.Case),
				cmp.Compare(a.ref.Media, b.ref.Media), cmp.Compare(a.ref.Frame, b.ref.Frame), cmp.Compare(a.win, b.win))
		})
		starts := map[index.Ref][]int{}
		var order []index.Ref
		for _, c := range all {
			ws, seen := starts[c.ref]
			if !seen {
				if len(order) == cropCandidates {
					continue
				}
				order = append(order, c.ref)
			}
			if len(ws) < cropStarts && !slices.Contains(ws, c.win) {
				starts[c.ref] = append(ws, c.win)
			}
		}
		ps := make([]int32, len(order))
		for i, ref := range order {
			ps[i] = ref.Case
		}
		if snap.Fetch(ctx, ps) != nil {
			break // the store is unreachable: no crop search
		}
		for _, ref := range order {
			if ctx.Err() != nil {
				break
			}
			c := snap.Case(ref.Case)
			if c == nil {
				continue // changed in the store since the index file
			}
			rf := c.Media[ref.Media].Fingerprint.Frames[ref.Frame]
			targets := []pdq.Hash{rf.PDQ}
			for _, v := range rf.Views {
				targets = append(targets, v.PDQ)
			}
			for _, wi := range starts[ref] {
				w, d := refineWindow(ctx, h, l, windows[wi], targets, p.MinQuality)
				if d <= p.MatchDistance {
					if !nearAny(found, w) {
						found = append(found, w)
					}
					break
				}
			}
		}
	}
	return found, anyNear
}

func nearAny(ws []Window, w Window) bool {
	for _, o := range ws {
		if o.Rect.Near(w.Rect, sameWindowPlace) && math.Abs(o.Angle-w.Angle) < sameWindowAngle {
			return true
		}
	}
	return false
}

// refineWindow moves the edges of w (each alone, or the window whole) in
// steps of 2%, 1% and 0.5% of the frame — and, for a turned window, its
// angle in steps of 0.5°, 0.25° and 0.125° — while that brings its hash
// nearer the nearest of targets, and returns the best window and its
// distance. It stops early, with the best so far, when ctx ends.
func refineWindow(ctx context.Context, h *fingerprint.FrameHasher, l *luma.Grid, w Window, targets []pdq.Hash, minQuality int) (Window, int) {
	evals := 0
	dist := func(w Window) int {
		evals++
		if ctx.Err() != nil {
			return 256
		}
		hash, q := h.HashWindowTurned(l, w.Rect, w.Angle)
		if q < minQuality {
			return 256
		}
		best := 256
		for _, t := range targets {
			best = min(best, pdq.Distance(hash, t))
		}
		return best
	}
	minW := min(cropMinSide, cropMinStart*(w.Rect.X1-w.Rect.X0))
	minH := min(cropMinSide, cropMinStart*(w.Rect.Y1-w.Rect.Y0))
	valid := func(w Window) bool {
		r := w.Rect
		return r.X0 >= 0 && r.Y0 >= 0 && r.X1 <= 1 && r.Y1 <= 1 && r.X1-r.X0 >= minW && r.Y1-r.Y0 >= minH
	}
	budget := cropBudget
	if w.Angle != 0 {
		budget += cropBudget / 2
	}
	cur, curD := w, dist(w)
	for i, step := range cropRefineSteps {
		for improved := true; improved && evals < budget; {
			improved = false
			r := cur.Rect
			moves := []picture.Rect{
				{X0: r.X0 - step, Y0: r.Y0, X1: r.X1, Y1: r.Y1},
				{X0: r.X0 + step, Y0: r.Y0, X1: r.X1, Y1: r.Y1},
				{X0: r.X0, Y0: r.Y0 - step, X1: r.X1, Y1: r.Y1},
				{X0: r.X0, Y0: r.Y0 + step, X1: r.X1, Y1: r.Y1},
				{X0: r.X0, Y0: r.Y0, X1: r.X1 - step, Y1: r.Y1},
				{X0: r.X0, Y0: r.Y0, X1: r.X1 + step, Y1: r.Y1},
				{X0: r.X0, Y0: r.Y0, X1: r.X1, Y1: r.Y1 - step},
				{X0: r.X0, Y0: r.Y0, X1: r.X1, Y1: r.Y1 + step},
				{X0: r.X0 - step, Y0: r.Y0, X1: r.X1 - step, Y1: r.Y1},
				{X0: r.X0 + step, Y0: r.Y0, X1: r.X1 + step, Y1: r.Y1},
				{X0: r.X0, Y0: r.Y0 - step, X1: r.X1, Y1: r.Y1 - step},
				{X0: r.X0, Y0: r.Y0 + step, X1: r.X1, Y1: r.Y1 + step},
			}
			cands := make([]Window, 0, len(moves)+2)
			for _, m := range moves {
				cands = append(cands, Window{Rect: m, Angle: cur.Angle})
			}
			if cur.Angle != 0 {
				da := refineAngleStep / float64(int(1)<<i)
				cands = append(cands, Window{Rect: r, Angle: cur.Angle - da}, Window{Rect: r, Angle: cur.Angle + da})
			}
			for _, m := range cands {
				if !valid(m) || evals >= budget {
					continue
				}
				if d := dist(m); d < curD {
					cur, curD, improved = m, d, true
				}
			}
		}
	}
	return cur, curD
}
