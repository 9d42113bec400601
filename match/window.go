package match

import (
	"cmp"
	"math"
	"slices"

	"github.com/provcheck/provcheck/hashing"
	"github.com/provcheck/provcheck/hashing/pdq"
	"github.com/provcheck/provcheck/registry"
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
	cropCoarseDistance = 64   // a coarse window this near a registered frame is refined
	cropCandidates     = 3    // registered frames refined per probe frame
	cropStarts         = 3    // coarse windows refined per registered frame
	cropProbeFrames    = 4    // query frames searched
	cropBudget         = 80   // hashes per refinement
	cropMinSide        = 0.55 // windows are at least this share of the frame on each side
)

// cropWindows are the coarse windows: square-scaled crops at a few sizes,
// placed every 5% of the frame (at most 2.5% from any crop of those sizes).
var cropWindows = func() []hashing.Rect {
	var out []hashing.Rect
	for _, s := range []float64{0.95, 0.9, 0.85, 0.8, 0.75, 0.7} {
		n := int(math.Round((1-s)/0.05)) + 1
		for iy := 0; iy < n; iy++ {
			for ix := 0; ix < n; ix++ {
				x0, y0 := float64(ix)*(1-s)/float64(max(1, n-1)), float64(iy)*(1-s)/float64(max(1, n-1))
				out = append(out, hashing.Rect{X0: x0, Y0: y0, X1: x0 + s, Y1: y0 + s})
			}
		}
	}
	return out
}()

// CropSearch returns windows of the query's frames (relative to the frame)
// that hash within the match distance of a registered frame. Only frames
// that kept their luminance (hashing.Frame.Luma) are searched.
func CropSearch(snap *registry.Snapshot, fp *hashing.Fingerprint, p Params) []hashing.Rect {
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
	probes := usable
	if len(usable) > cropProbeFrames {
		probes = make([]int, cropProbeFrames)
		for k := range probes {
			probes[k] = usable[(2*k+1)*len(usable)/(2*cropProbeFrames)]
		}
	}
	h := hashing.GetFrameHasher()
	defer hashing.PutFrameHasher(h)
	var found []hashing.Rect
	for _, fi := range probes {
		l := fp.Frames[fi].Luma
		coarse := l.Coarse()
		var hashes []pdq.Hash
		var wins []int
		for k, w := range cropWindows {
			if hash, q := h.HashWindow(coarse, w); q >= p.MinQuality {
				hashes = append(hashes, hash)
				wins = append(wins, k)
			}
		}
		type cand struct {
			ref  registry.Ref
			win  int
			dist int
		}
		// Each window's hits, then per registered frame its nearest
		// windows: the nearest may be near a view the query does not
		// contain (a local optimum), so a few starts are refined.
		var all []cand
		snap.Index.SearchMany(hashes, cropCoarseDistance, func(i int, hit registry.Hit) {
			all = append(all, cand{hit.Ref, wins[i], hit.Distance})
		})
		slices.SortFunc(all, func(a, b cand) int {
			return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.ref.Case, b.ref.Case),
				cmp.Compare(a.ref.Media, b.ref.Media), cmp.Compare(a.ref.Frame, b.ref.Frame), cmp.Compare(a.win, b.win))
		})
		starts := map[registry.Ref][]int{}
		var order []registry.Ref
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
		for _, ref := range order {
			rf := snap.Cases[ref.Case].Media[ref.Media].Fingerprint.Frames[ref.Frame]
			targets := []pdq.Hash{rf.PDQ}
			for _, v := range rf.Views {
				targets = append(targets, v.PDQ)
			}
			for _, wi := range starts[ref] {
				w, d := refineWindow(h, l, cropWindows[wi], targets, p.MinQuality)
				if d <= p.MatchDistance {
					if !nearAny(found, w) {
						found = append(found, w)
					}
					break
				}
			}
		}
	}
	return found
}

func nearAny(rs []hashing.Rect, r hashing.Rect) bool {
	for _, o := range rs {
		if o.Near(r, 0.01) {
			return true
		}
	}
	return false
}

// refineWindow moves the edges of w (each alone, or the window whole) in
// steps of 2%, 1% and 0.5% of the frame while that brings its hash nearer
// the nearest of targets, and returns the best window and its distance.
func refineWindow(h *hashing.FrameHasher, l *hashing.Luma, w hashing.Rect, targets []pdq.Hash, minQuality int) (hashing.Rect, int) {
	evals := 0
	dist := func(r hashing.Rect) int {
		evals++
		hash, q := h.HashWindow(l, r)
		if q < minQuality {
			return 256
		}
		best := 256
		for _, t := range targets {
			best = min(best, pdq.Distance(hash, t))
		}
		return best
	}
	valid := func(r hashing.Rect) bool {
		return r.X0 >= 0 && r.Y0 >= 0 && r.X1 <= 1 && r.Y1 <= 1 && r.X1-r.X0 >= cropMinSide && r.Y1-r.Y0 >= cropMinSide
	}
	cur, curD := w, dist(w)
	for _, step := range []float64{0.02, 0.01, 0.005} {
		for improved := true; improved && evals < cropBudget; {
			improved = false
			moves := []hashing.Rect{
				{X0: cur.X0 - step, Y0: cur.Y0, X1: cur.X1, Y1: cur.Y1},
				{X0: cur.X0 + step, Y0: cur.Y0, X1: cur.X1, Y1: cur.Y1},
				{X0: cur.X0, Y0: cur.Y0 - step, X1: cur.X1, Y1: cur.Y1},
				{X0: cur.X0, Y0: cur.Y0 + step, X1: cur.X1, Y1: cur.Y1},
				{X0: cur.X0, Y0: cur.Y0, X1: cur.X1 - step, Y1: cur.Y1},
				{X0: cur.X0, Y0: cur.Y0, X1: cur.X1 + step, Y1: cur.Y1},
				{X0: cur.X0, Y0: cur.Y0, X1: cur.X1, Y1: cur.Y1 - step},
				{X0: cur.X0, Y0: cur.Y0, X1: cur.X1, Y1: cur.Y1 + step},
				{X0: cur.X0 - step, Y0: cur.Y0, X1: cur.X1 - step, Y1: cur.Y1},
				{X0: cur.X0 + step, Y0: cur.Y0, X1: cur.X1 + step, Y1: cur.Y1},
				{X0: cur.X0, Y0: cur.Y0 - step, X1: cur.X1, Y1: cur.Y1 - step},
				{X0: cur.X0, Y0: cur.Y0 + step, X1: cur.X1, Y1: cur.Y1 + step},
			}
			for _, m := range moves {
				if !valid(m) || evals >= cropBudget {
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
