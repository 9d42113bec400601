package picture

import (
	"cmp"
	"context"
	"image"
	"math"
	"slices"

	"github.com/provcheck/provcheck/internal/luma"
)

// Rectangle proposals: where a repost pastes the picture into a larger frame
// (a phone screenshot, a caption card, a blurred copy of itself, a web
// page), the picture's outline is a set of straight edges. Those edges are
// found without judging what lies on either side of them — a white sky
// against a white caption bar still leaves an edge along most of its
// length, while detail on the picture's side may be low — and every
// rectangle they close is proposed. A proposal is only a view to hash: a
// wrong one costs a hash and matches nothing, a missed one costs a match.

// ProposalGridSide is the long side of the grid edges are found on: a finer
// grid traces thinner borders, at the cost of time on every check.
const ProposalGridSide = 256

// MaxProposals bounds the rectangles proposed for a still, and
// MaxVideoProposals for a clip, whose every sampled frame is hashed in each:
// more proposals find pictures ranked lower, for two hashes each.
const (
	MaxProposals      = 12
	MaxVideoProposals = 4
)

// Edges and rectangles. A lower bar traces more edges and closes more
// rectangles — more views to hash, and more that match nothing; a higher
// one misses faint borders (a sky against a white bar).
const (
	// minProposalGrid: grids smaller on either side propose nothing.
	minProposalGrid = 16
	// edgeBand: the detail on either side of a boundary is averaged over
	// this many lines.
	edgeBand = 3
	// sharpRatio: a change of detail across a boundary counts only when
	// one side is this many times as detailed as the other (a sharp
	// picture against a smooth background, not texture against texture).
	sharpRatio = 3
	// peakReach: a boundary is marked where its step is the strongest
	// within this many boundaries either way …
	peakReach = 3
	// stepFloor, texFloor: … and at least this (a brightness step, 0..255
	// levels; a detail step) — below is noise.
	stepFloor = 2.5
	texFloor  = 1.0
	// segDensity: a straight edge is a run along a boundary marked at this
	// share of its positions at least …
	segDensity = 0.6
	// segGapCells, segGapDiv: … with gaps of at most max(segGapCells,
	// 1/segGapDiv of its length) …
	segGapCells = 3
	segGapDiv   = 16
	// frameMargin: … not within this many cells of the frame's own edge
	// (an encoder's dark line, a resampling fringe) …
	frameMargin = 2
	// sameEdgeCells: … keeping the strongest of runs this many boundaries
	// apart that overlap by more than half …
	sameEdgeCells = 2
	// maxSegments: … and at most this many edges each way.
	maxSegments = 24
	// minSegCells, minSegDiv: an edge is at least max(minSegCells,
	// 1/minSegDiv of the frame) long.
	minSegCells = 4
	minSegDiv   = 6
	// minRectDiv: a proposed rectangle spans at least 1/minRectDiv of the
	// frame each way …
	minRectDiv = 5
	// maxAspect: … its shape (relative to the frame's) is at most this
	// many times wider than tall, or taller than wide …
	maxAspect = 5
	// minSupport: … and each of its sides follows an edge along this share
	// of its length at least (the frame's own edges always do).
	minSupport = 0.7
	// fullSpanDiv: an edge across the frame may fall short of either end by
	// 1/fullSpanDiv of it.
	fullSpanDiv = 20
	// mirrorWeight: a band between an edge and its mirror about the
	// frame's centre ranks at this share of an edge found on both sides.
	mirrorWeight = 0.5
	// minMirrorDiv: such a band is at least 1/minMirrorDiv of the lines
	// between the two edges it is centred in, which span at least
	// 1/mirrorSpanDiv of the frame.
	minMirrorDiv  = 5
	mirrorSpanDiv = 2
	// sameRectCells: proposals whose sides are all within this many cells
	// are one.
	sameRectCells = 2
	// detailLevel: a grid cell is detailed when its luminance gradient (in
	// the median frame) is at least this (0..255 levels).
	detailLevel = 2
	// refineSamples: a side is cut at pixel precision from about this many
	// samples along it …
	refineSamples = 128
	// refineReachCells: … searched within this many grid cells of where
	// it was found (plus a pixel) …
	refineReachCells = 2
	// refineInsetDiv: … along its middle, 1/refineInsetDiv away from each
	// corner (which the other sides may move); a cut that would keep less
	// than 1/maxRefineShrink of the rectangle either way is not made.
	refineInsetDiv  = 8
	maxRefineShrink = 2
)

// edgeSeg is a straight edge: along a row boundary (horizontal) at pos,
// from lo to hi along the row, or along a column boundary.
type edgeSeg struct {
	pos, lo, hi int
}

// edgeMap marks, for each boundary between two rows (or columns) of a grid
// and each position along it, whether the luminance step across the
// boundary is the strongest in its neighbourhood — the trace of a straight
// edge when the marks line up over a long stretch. Texture marks about a
// third of its positions at random; a pasted picture's border marks nearly
// all of them.
type edgeMap struct {
	n, along int   // boundaries 0..n (0 and n are the frame's own edges), positions along each
	mark     []int // prefix sums: mark[b*(along+1)+i] = marks at boundary b before position i
}

func (m *edgeMap) count(b, lo, hi int) int {
	row := m.mark[b*(m.along+1):]
	return row[hi] - row[lo]
}

// support is the share of [lo, hi) along boundary b that is marked; the
// frame's own edges are always supported.
func (m *edgeMap) support(b, lo, hi int) float64 {
	if b <= 0 || b >= m.n {
		return 1
	}
	if hi <= lo {
		return 0
	}
	return float64(m.count(b, lo, hi)) / float64(hi-lo)
}

// newEdgeMap builds the map for row boundaries (horizontal edges) or, when
// !horizontal, column boundaries, from the median step over the grids. When
// ctx ends it stops early with a meaningless map: the caller checks ctx.
func newEdgeMap(ctx context.Context, grids []*luma.Grid, horizontal bool) *edgeMap {
	ln := newEdgeLines(grids, horizontal)
	step, tex := ln.boundaryValues(ctx)
	return ln.marks(step, tex)
}

// edgeLines holds the grids as lines along the boundaries (planes: their
// rows, or their columns transposed) and, for each, the detail of every
// line (detail[k][line*along+i]: the gradient along the line).
type edgeLines struct {
	n, along int
	planes   [][]float32
	detail   [][]float32
}

func newEdgeLines(grids []*luma.Grid, horizontal bool) *edgeLines {
	w, h := grids[0].W, grids[0].H
	n, along := h, w
	if !horizontal {
		n, along = w, h
	}
	planes := make([][]float32, len(grids))
	for k, g := range grids {
		if horizontal {
			planes[k] = g.V
			continue
		}
		pl := make([]float32, n*along)
		for y := 0; y < h; y++ {
			for x, v := range g.V[y*w : (y+1)*w] {
				pl[x*along+y] = v
			}
		}
		planes[k] = pl
	}
	detail := make([][]float32, len(grids))
	for k, pl := range planes {
		d := make([]float32, n*along)
		for b := 0; b < n; b++ {
			detailLine(d[b*along:(b+1)*along], pl[b*along:(b+1)*along])
		}
		detail[k] = d
	}
	return &edgeLines{n: n, along: along, planes: planes, detail: detail}
}

// detailLine sets dl[i] to the gradient of line at i: the step between
// its neighbours over the cells between them (one at the ends).
func detailLine(dl, line []float32) {
	along := len(line)
	dl = dl[:along]
	if along < 3 {
		for i := range dl {
			lo, hi := max(0, i-1), min(along-1, i+1)
			dl[i] = abs32(line[hi]-line[lo]) / float32(max(1, hi-lo))
		}
		return
	}
	dl[0] = abs32(line[1]-line[0]) / 1
	for i := 1; i < along-1; i++ {
		dl[i] = abs32(line[i+1]-line[i-1]) / 2
	}
	dl[along-1] = abs32(line[along-1]-line[along-2]) / 1
}

// boundaryValues returns step and tex for each boundary b in 1..n-1.
// step[b*along+i]: median over grids of |L(b) - L(b-1)| at position i — a
// change of brightness across the boundary. tex[b*along+i]: the same for
// detail (the gradient along the boundary, averaged over a few lines on
// each side) — a sharp picture against a blurred copy of itself may differ
// little in brightness, but it differs in detail.
func (ln *edgeLines) boundaryValues(ctx context.Context) (step, tex []float32) {
	n, along, planes := ln.n, ln.along, ln.planes
	step = make([]float32, (n+1)*along)
	tex = make([]float32, (n+1)*along)
	// One boundary at a time, a whole line per grid: vals[k] and tvals[k]
	// hold grid k's step and detail values along boundary b. A single
	// grid's are its medians, written where they go.
	var vals, tvals [][]float32
	if len(planes) > 1 {
		vals, tvals = make([][]float32, len(planes)), make([][]float32, len(planes))
		for k := range planes {
			vals[k], tvals[k] = make([]float32, along), make([]float32, along)
		}
	}
	med := make([]float32, len(planes))
	for b := 1; b < n && ctx.Err() == nil; b++ {
		st, tx := step[b*along:(b+1)*along], tex[b*along:(b+1)*along]
		if len(planes) == 1 {
			ln.boundaryLine(0, b, st, tx)
			continue
		}
		for k := range planes {
			ln.boundaryLine(k, b, vals[k], tvals[k])
		}
		for i := range st {
			for k := range planes {
				med[k] = vals[k][i]
			}
			st[i] = medianInPlace(med)
			for k := range planes {
				med[k] = tvals[k][i]
			}
			tx[i] = medianInPlace(med)
		}
	}
	return step, tex
}

// boundaryLine sets v and tv (along values each) to grid k's step and
// detail values along boundary b.
func (ln *edgeLines) boundaryLine(k, b int, v, tv []float32) {
	n, along, pl, d := ln.n, ln.along, ln.planes[k], ln.detail[k]
	line := func(s []float32, b int) []float32 { return s[b*along : (b+1)*along] }
	cur, prev := line(pl, b), line(pl, b-1)
	v, tv = v[:along], tv[:along]
	prev = prev[:len(cur)]
	for i := range v {
		v[i] = abs32(cur[i] - prev[i])
	}
	// The detail above the boundary (lines b-1, b-2, …) and below it (b,
	// b+1, …), edgeBand lines each where there are, summed from zero in
	// that order and averaged. Only a sharp side against a smooth one
	// counts: detail changes across a picture's own boundaries between
	// textures too.
	if edgeBand == 3 && b >= 3 && b+2 < n {
		a1, a2, a3 := line(d, b-1), line(d, b-2), line(d, b-3)
		z1, z2, z3 := line(d, b), line(d, b+1), line(d, b+2)
		a1, a2, a3, z1, z2, z3 = a1[:along], a2[:along], a3[:along], z1[:along], z2[:along], z3[:along]
		for i := range tv {
			a := (0 + a1[i] + a2[i] + a3[i]) / 3
			z := (0 + z1[i] + z2[i] + z3[i]) / 3
			tv[i] = keep32(abs32(a-z), max(a, z) >= sharpRatio*min(a, z))
		}
		return
	}
	var above, below [edgeBand][]float32
	na, nb := 0, 0
	for o := 1; o <= edgeBand; o++ {
		if b-o >= 0 {
			above[na] = line(d, b-o)
			na++
		}
		if b+o-1 < n {
			below[nb] = line(d, b+o-1)
			nb++
		}
	}
	fa, fb := float32(na), float32(nb)
	for i := range tv {
		var sa, sz float32
		for _, l := range above[:na] {
			sa += l[i]
		}
		for _, l := range below[:nb] {
			sz += l[i]
		}
		a, z := sa/fa, sz/fb
		tv[i] = 0
		if max(a, z) >= sharpRatio*min(a, z) {
			tv[i] = abs32(a - z)
		}
	}
}

// marks builds the map from the boundaries' step and tex values. A
// boundary is marked at a position where the strongest value of step (or
// of tex) within peakReach is on it — or next to it, with it holding at
// least half as much: an edge between grid cells is one boundary, one
// falling inside a cell is split over two. The peaks of step are written
// into the map as ones, then those of tex, and each row is summed as its
// tex peaks are written.
func (ln *edgeLines) marks(step, tex []float32) *edgeMap {
	n, along := ln.n, ln.along
	m := &edgeMap{n: n, along: along, mark: make([]int, (n+1)*(along+1))}
	row := func(b int) []int { return m.mark[b*(along+1)+1 : (b+1)*(along+1)] }
	runs := windowRuns(step, n, along, peakReach, nil)
	for b := 1; b < n; b++ {
		peakLine(row(b), step, runs, n, along, b, peakReach, stepFloor)
	}
	runs = windowRuns(tex, n, along, peakReach, runs)
	for b := 1; b < n; b++ {
		r := row(b)
		peakLine(r, tex, runs, n, along, b, peakReach, texFloor)
		c := 0
		for i, x := range r {
			c += x
			r[i] = c
		}
	}
	return m
}

// medianInPlace returns the median of v (the upper one of an even count),
// sorting v.
func medianInPlace(v []float32) float32 {
	slices.Sort(v)
	return v[len(v)/2]
}

// segments returns the straight edges of the map: runs along one boundary
// that are mostly marked (gaps allowed), at least minLen long, keeping
// only the best of neighbouring boundaries.
func (m *edgeMap) segments(minLen int) []edgeSeg {
	gap := max(segGapCells, m.along/segGapDiv)
	type scored struct {
		edgeSeg
		marks int
	}
	var all []scored
	// An edge within a cell or two of the frame's own edge is the frame's
	// (a dark line an encoder left, a resampling fringe), not a picture's.
	for b := frameMargin; b < m.n-frameMargin+1; b++ {
		lo, last := -1, -1
		flush := func() {
			if lo >= 0 && last+1-lo >= minLen {
				c := m.count(b, lo, last+1)
				if float64(c) >= segDensity*float64(last+1-lo) {
					all = append(all, scored{edgeSeg{b, lo, last + 1}, c})
				}
			}
			lo, last = -1, -1
		}
		row := m.mark[b*(m.along+1):][:m.along+1] // prefix sums of the marks
		for i := 0; i < m.along; i++ {
			if row[i+1] == row[i] { // position i is not marked
				if lo >= 0 && i-last > gap {
					flush()
				}
				continue
			}
			if lo < 0 {
				lo = i
			}
			last = i
		}
		flush()
	}
	// Non-maximum suppression across boundaries: a split edge marks two
	// neighbouring boundaries with overlapping runs.
	slices.SortFunc(all, func(a, b scored) int { return b.marks - a.marks })
	var out []edgeSeg
	for _, s := range all {
		dup := false
		for _, o := range out {
			if abs(o.pos-s.pos) <= sameEdgeCells && min(o.hi, s.hi)-max(o.lo, s.lo) > (s.hi-s.lo)/2 {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, s.edgeSeg)
		}
		if len(out) == maxSegments {
			break
		}
	}
	return out
}

// proposeRects returns rectangles (grid coordinates) closed by straight
// edges in the grids (one frame, or several frames of a clip, where only
// edges present in most frames count), best first. The whole frame is
// never proposed. It gives up, with none, when ctx ends.
func proposeRects(ctx context.Context, grids []*luma.Grid, limit int) []image.Rectangle {
	w, h := grids[0].W, grids[0].H
	if w < minProposalGrid || h < minProposalGrid {
		return nil
	}
	hm, vm := newEdgeMap(ctx, grids, true), newEdgeMap(ctx, grids, false)
	if ctx.Err() != nil {
		return nil
	}
	hs := hm.segments(max(minSegCells, w/minSegDiv))
	vs := vm.segments(max(minSegCells, h/minSegDiv))
	// Line positions: the segments' and the frame's own edges.
	ys := []int{0, h}
	for _, s := range hs {
		ys = append(ys, s.pos)
	}
	xs := []int{0, w}
	for _, s := range vs {
		xs = append(xs, s.pos)
	}
	slices.Sort(ys)
	ys = slices.Compact(ys)
	slices.Sort(xs)
	xs = slices.Compact(xs)
	// fill: prefix sums of detailed cells — a picture is detailed
	// throughout, interface panels and blurred backgrounds are mostly
	// smooth — so that of rectangles closed by the same edges, the one
	// holding the picture ranks first.
	fill := detailPrefix(ctx, grids)
	filled := func(r image.Rectangle) float64 {
		c := fill[r.Max.Y*(w+1)+r.Max.X] - fill[r.Min.Y*(w+1)+r.Max.X] - fill[r.Max.Y*(w+1)+r.Min.X] + fill[r.Min.Y*(w+1)+r.Min.X]
		return float64(c) / float64(max(1, r.Dx()*r.Dy()))
	}
	type cand struct {
		r     image.Rectangle
		score float64
	}
	var cands []cand
	for ti, y0 := range ys {
		if ctx.Err() != nil {
			return nil
		}
		for _, y1 := range ys[ti+1:] {
			if (y1-y0)*minRectDiv < h {
				continue
			}
			for li, x0 := range xs {
				for _, x1 := range xs[li+1:] {
					if (x1-x0)*minRectDiv < w {
						continue
					}
					if x0 == 0 && x1 == w && y0 == 0 && y1 == h {
						continue
					}
					// A picture is neither much wider nor much taller
					// than the frame's shape.
					if ar := float64(x1-x0) / float64(y1-y0) * float64(h) / float64(w); ar < 1.0/maxAspect || ar > maxAspect {
						continue
					}
					top, bot := hm.support(y0, x0, x1), hm.support(y1, x0, x1)
					left, right := vm.support(x0, y0, y1), vm.support(x1, y0, y1)
					if min(top, bot, left, right) < minSupport {
						continue
					}
					// Score: the length of real (not frame) edge the
					// rectangle follows, relative to the frame.
					s := 0.0
					if y0 > 0 {
						s += top * float64(x1-x0) / float64(w)
					}
					if y1 < h {
						s += bot * float64(x1-x0) / float64(w)
					}
					if x0 > 0 {
						s += left * float64(y1-y0) / float64(h)
					}
					if x1 < w {
						s += right * float64(y1-y0) / float64(h)
					}
					r := image.Rect(x0, y0, x1, y1)
					f := filled(r)
					cands = append(cands, cand{r, s * f * f})
				}
			}
		}
	}
	// Reposts centre the picture: a picture edge across the whole frame
	// whose counterpart is too faint to trace (a smooth sky against a
	// blurred copy of it) still gives the band between it and its mirror
	// position about the frame's centre, at a lower rank.
	// The frame may itself sit inside caption bars: the picture is then
	// centred between two other frame-wide edges.
	mirrored := func(segs []edgeSeg, n, along int, support func(pos int) float64, rect func(a, b int) image.Rectangle) {
		lines := []int{0, n}
		var full []edgeSeg
		for _, s := range segs {
			if s.lo <= along/fullSpanDiv && s.hi >= along-along/fullSpanDiv {
				full = append(full, s)
				lines = append(lines, s.pos)
			}
		}
		for _, s := range full {
			for _, lo := range lines {
				for _, hi := range lines {
					if lo >= s.pos || hi <= s.pos || (hi-lo)*mirrorSpanDiv < n {
						continue
					}
					m := lo + hi - s.pos
					if abs(m-s.pos)*minMirrorDiv < hi-lo {
						continue
					}
					r := rect(min(s.pos, m), max(s.pos, m))
					f := filled(r)
					cands = append(cands, cand{r, mirrorWeight * support(s.pos) * f * f})
				}
			}
		}
	}
	mirrored(hs, h, w, func(pos int) float64 { return hm.support(pos, 0, w) },
		func(a, b int) image.Rectangle { return image.Rect(0, a, w, b) })
	mirrored(vs, w, h, func(pos int) float64 { return vm.support(pos, 0, h) },
		func(a, b int) image.Rectangle { return image.Rect(a, 0, b, h) })
	slices.SortStableFunc(cands, func(a, b cand) int { return cmp.Compare(b.score, a.score) })
	var out []image.Rectangle
	for _, c := range cands {
		dup := false
		for _, o := range out {
			if abs(o.Min.X-c.r.Min.X) <= sameRectCells && abs(o.Max.X-c.r.Max.X) <= sameRectCells &&
				abs(o.Min.Y-c.r.Min.Y) <= sameRectCells && abs(o.Max.Y-c.r.Max.Y) <= sameRectCells {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, c.r)
		}
		if len(out) == limit {
			break
		}
	}
	return out
}

// refineRect moves each inner side of r (relative coordinates, found on a
// grid with cells of cell relative size) to the pixel line of the strongest
// step across it in the frames, so a proposal is cut on the picture's edge
// rather than up to half a grid cell off it.
func refineRect(frames []image.Image, r Rect, cellX, cellY float64) Rect {
	if len(frames) == 0 {
		return r
	}
	b := frames[0].Bounds()
	w, h := b.Dx(), b.Dy()
	if w < 2 || h < 2 {
		return r
	}
	// best returns the line (pixel index) in [c-reach, c+reach] whose step
	// from the line before it is the largest along [lo, hi).
	best := func(c, reach, lo, hi, n int, horizontal bool) int {
		bestAt, bestStep := c, -1.0
		step := max(1, (hi-lo)/refineSamples)
		for p := max(1, c-reach); p <= min(n-1, c+reach); p++ {
			sum, cnt := 0.0, 0
			for _, f := range frames {
				fb := f.Bounds()
				if fb.Dx() != w || fb.Dy() != h {
					continue
				}
				for i := lo; i < hi; i += step {
					var a, z float32
					if horizontal {
						a, z = luma.Pixel(f, fb.Min.X+i, fb.Min.Y+p), luma.Pixel(f, fb.Min.X+i, fb.Min.Y+p-1)
					} else {
						a, z = luma.Pixel(f, fb.Min.X+p, fb.Min.Y+i), luma.Pixel(f, fb.Min.X+p-1, fb.Min.Y+i)
					}
					sum += math.Abs(float64(a - z))
					cnt++
				}
			}
			if cnt > 0 && sum/float64(cnt) > bestStep {
				bestAt, bestStep = p, sum/float64(cnt)
			}
		}
		return bestAt
	}
	px := func(v float64, n int) int { return int(math.Round(v * float64(n))) }
	x0, x1, y0, y1 := px(r.X0, w), px(r.X1, w), px(r.Y0, h), px(r.Y1, h)
	rx, ry := int(math.Ceil(refineReachCells*cellX*float64(w)))+1, int(math.Ceil(refineReachCells*cellY*float64(h)))+1
	// Measure along the middle of each side, away from the corners that
	// the other sides may move.
	inX0, inX1 := x0+(x1-x0)/refineInsetDiv, x1-(x1-x0)/refineInsetDiv
	inY0, inY1 := y0+(y1-y0)/refineInsetDiv, y1-(y1-y0)/refineInsetDiv
	out := r
	if y0 > 0 {
		out.Y0 = float64(best(y0, ry, inX0, inX1, h, true)) / float64(h)
	}
	if y1 < h {
		out.Y1 = float64(best(y1, ry, inX0, inX1, h, true)) / float64(h)
	}
	if x0 > 0 {
		out.X0 = float64(best(x0, rx, inY0, inY1, w, false)) / float64(w)
	}
	if x1 < w {
		out.X1 = float64(best(x1, rx, inY0, inY1, w, false)) / float64(w)
	}
	if out.X1-out.X0 < (r.X1-r.X0)/maxRefineShrink || out.Y1-out.Y0 < (r.Y1-r.Y0)/maxRefineShrink {
		return r
	}
	return out
}

// ProposeRects returns rectangles (relative to the frame) bounded by
// straight edges that persist across the frames — candidate places of a
// picture pasted into a larger frame — best first, cut on the edges at
// pixel precision.
func ProposeRects(frames []image.Image, limit int) []Rect {
	out, _ := ProposeRectsContext(context.Background(), frames, limit)
	return out
}

// ProposeRectsContext is ProposeRects, given up with ctx's error when ctx
// ends (between frames and between the lines of the edge maps).
func ProposeRectsContext(ctx context.Context, frames []image.Image, limit int) ([]Rect, error) {
	var grids []*luma.Grid
	for _, f := range frames {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		g := luma.New(f, ProposalGridSide)
		if g.W >= minProposalGrid && g.H >= minProposalGrid {
			grids = append(grids, g)
		}
	}
	if len(grids) == 0 {
		return nil, nil
	}
	return ProposeFromGrids(ctx, frames, grids, limit)
}

// ProposeFromGrids is ProposeRectsContext with the frames' luminance grids
// made.
func ProposeFromGrids(ctx context.Context, frames []image.Image, grids []*luma.Grid, limit int) ([]Rect, error) {
	w, h := grids[0].W, grids[0].H
	grids = slices.DeleteFunc(grids, func(g *luma.Grid) bool { return g.W != w || g.H != h })
	if w < minProposalGrid || h < minProposalGrid {
		return nil, nil
	}
	rects := proposeRects(ctx, grids, limit)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []Rect
	for _, r := range rects {
		out = append(out, refineRect(frames, toRel(r, w, h), 1/float64(w), 1/float64(h)))
	}
	return out, nil
}

// detailPrefix returns 2-D prefix sums (stride w+1) of the grid cells with
// detail: a luminance gradient of at least 2 levels in the median frame;
// it stops early, leaving zeros, when ctx ends.
func detailPrefix(ctx context.Context, grids []*luma.Grid) []int {
	w, h := grids[0].W, grids[0].H
	out := make([]int, (w+1)*(h+1))
	vals := make([]float32, len(grids))
	// detail is the gradient at (x, y) of the rows cur and below (y+1, or
	// y itself on the last row): the steps to the right and down.
	detail := func(cur, below []float32, x int) float32 {
		v := cur[x]
		dx := math.Abs(float64(cur[min(w-1, x+1)] - v))
		dy := math.Abs(float64(below[x] - v))
		return float32(dx + dy)
	}
	for y := 0; y < h && ctx.Err() == nil; y++ {
		yn := min(h-1, y+1)
		// The sums of the row above and of this one, from x = 0; the
		// cells of this row are counted in c.
		above, row := out[y*(w+1)+1:(y+1)*(w+1)], out[(y+1)*(w+1)+1:(y+2)*(w+1)]
		above = above[:len(row)]
		c := 0
		if len(grids) == 1 {
			g := grids[0]
			cur, below := g.V[y*w:(y+1)*w], g.V[yn*w:(yn+1)*w]
			for x := range row {
				c += int(b2u(detail(cur, below, x) >= detailLevel))
				row[x] = above[x] + c
			}
			continue
		}
		for x := range row {
			for k, g := range grids {
				vals[k] = detail(g.V[y*w:(y+1)*w], g.V[yn*w:(yn+1)*w], x)
			}
			c += int(b2u(medianInPlace(vals) >= detailLevel))
			row[x] = above[x] + c
		}
	}
	return out
}

// abs32 is -v when v is below zero and v otherwise (-0 and NaN are kept
// as they are), without a branch: the signs of the differences it is
// taken of are as good as random.
func abs32(v float32) float32 {
	return math.Float32frombits(math.Float32bits(v) &^ (b2u(v < 0) << 31))
}

// keep32 is v when keep is set and 0 otherwise, without a branch.
func keep32(v float32, keep bool) float32 {
	return math.Float32frombits(math.Float32bits(v) & -b2u(keep))
}

// b2u is 1 when b is set and 0 otherwise.
func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// windowRuns returns the sparse table of v (n lines of along values) for
// windows of reach boundaries either way: runs[j] holds, at each line o
// in 1..n-2^j, the largest value of lines o..o+2^j-1 (runs[0] is v), so
// that a window costs two comparisons whatever reach. The tables of
// reuse (an earlier result, for another v of the same size) are written
// over instead of new ones made.
func windowRuns(v []float32, n, along, reach int, reuse [][]float32) [][]float32 {
	runs := [][]float32{v}
	for j, k := 1, 1; 2*k <= min(2*reach+1, n-1); j, k = j+1, 2*k {
		prev := runs[j-1]
		var next []float32
		if j < len(reuse) {
			next = reuse[j]
		} else {
			next = make([]float32, len(v))
		}
		for o := 1; o+2*k-1 <= n-1; o++ {
			a, b, d := prev[o*along:(o+1)*along], prev[(o+k)*along:(o+k+1)*along], next[o*along:(o+1)*along]
			a, b = a[:len(d)], b[:len(d)]
			for i := range d {
				d[i] = max(a[i], b[i])
			}
		}
		runs = append(runs, next)
	}
	return runs
}

// windowLines returns the two lines of runs (from windowRuns) whose
// larger values are the largest of boundaries max(1, b-reach)..min(n-1,
// b+reach).
func windowLines(runs [][]float32, n, along, b, reach int) (lo, hi []float32) {
	first, last := max(1, b-reach), min(n-1, b+reach)
	j, k := 0, 1
	for 2*k <= last-first+1 {
		j, k = j+1, 2*k
	}
	r := runs[j]
	return r[first*along : (first+1)*along], r[(last-k+1)*along : (last-k+2)*along]
}

// peakLine sets mark[i] to 1 (or leaves it as it is) at the positions i
// of boundary b (in 1..n-1 of v, n lines of along values, with runs its
// windowRuns) where the largest value within reach boundaries is on the
// boundary, or on a neighbour with the boundary holding at least half of
// it, and is at least floor.
func peakLine(mark []int, v []float32, runs [][]float32, n, along, b, reach int, floor float32) {
	line := func(b int) []float32 { return v[b*along : (b+1)*along] }
	cur := line(b)
	lo, hi := windowLines(runs, n, along, b, reach)
	// A missing neighbour stands in as the boundary itself, which changes
	// nothing: when it holds the largest value it is marked anyway.
	prev, next := cur, cur
	if b > 1 {
		prev = line(b - 1)
	}
	if b < n-1 {
		next = line(b + 1)
	}
	mark, lo, hi, prev, next = mark[:len(cur)], lo[:len(cur)], hi[:len(cur)], prev[:len(cur)], next[:len(cur)]
	// The tests are combined as bits rather than branched on: which hold
	// is as good as random in texture.
	for i, x := range cur {
		best := max(lo[i], hi[i])
		m := b2u(!(best < floor)) & (b2u(x >= best) | b2u(2*x >= best)&(b2u(prev[i] >= best)|b2u(next[i] >= best)))
		mark[i] |= int(m)
	}
}
