package picture

import (
	"cmp"
	"context"
	"image"
	"math"
	"slices"

	"github.com/provcheck/provcheck/internal/luma"
)

// Rect is a rectangle in relative coordinates: fractions 0..1 of the frame's
// width and height, so one layout applies to a clip at any decoded size.
type Rect struct{ X0, Y0, X1, Y1 float64 }

// Full is the whole frame.
var Full = Rect{0, 0, 1, 1}

// Area is the share of the frame the rectangle covers.
func (r Rect) Area() float64 { return max(0, r.X1-r.X0) * max(0, r.Y1-r.Y0) }

// Near reports whether two rectangles differ by at most tol on every side.
func (r Rect) Near(o Rect, tol float64) bool {
	return math.Abs(r.X0-o.X0) <= tol && math.Abs(r.Y0-o.Y0) <= tol &&
		math.Abs(r.X1-o.X1) <= tol && math.Abs(r.Y1-o.Y1) <= tol
}

// In maps the relative rectangle onto bounds b (pixels).
func (r Rect) In(b image.Rectangle) image.Rectangle {
	w, h := float64(b.Dx()), float64(b.Dy())
	out := image.Rect(
		b.Min.X+int(math.Round(r.X0*w)), b.Min.Y+int(math.Round(r.Y0*h)),
		b.Min.X+int(math.Round(r.X1*w)), b.Min.Y+int(math.Round(r.Y1*h)),
	)
	return out.Intersect(b)
}

// Layout is where the picture is inside a frame: the frame minus uniform
// borders (letterbox, pillarbox, padding of any colour), and the region of
// detail found inside that — which excludes a blurred copy of the video used
// as background (the 9:16 repost layout) and flat interface chrome around a
// screen recording. Either may equal Full.
type Layout struct {
	Inner   Rect // without uniform borders
	Content Rect // the detailed region: the picture itself
	// Alternates are other plausible pictures (a second band of detail),
	// hashed too when checking: a wrong guess costs a hash, a missed one
	// a match.
	Alternates []Rect
	// Proposals are rectangles closed by straight edges (see
	// ProposeRects), hashed when checking; found only for queries.
	Proposals []Rect
}

// Layout analysis. Borders and bands of detail are found on small luminance
// grids, the same for every frame of a clip; each number says what a
// border, an edge or a band of picture must show. Lower bars find more
// layouts, and more wrong ones: a wrong layout costs views that match
// nothing, a missed one the reposts that wrap the picture.
const (
	// gridSide is the long side of the grids: a finer grid finds thinner
	// bars and edges, at the cost of time on every clip.
	gridSide = 160
	// minLayoutGrid: frames whose grid is smaller on either side have no
	// layout worth finding.
	minLayoutGrid = 8
	// flatLevel: a border line whose luminance varies less than this
	// (standard deviation, 0..255 levels) is flat: a bar of one colour.
	flatLevel = 5.0
	// flatFramesPct: a line is a border when it is flat in this share (%)
	// of the frames — nearly all, so a dark moment does not make one.
	flatFramesPct = 90
	// minInnerDiv: what is left inside the borders is at least 1/minInnerDiv
	// of the frame, or the frame is nearly all flat (a fade, a title card)
	// and has no borders.
	minInnerDiv = 5
	// minBandDiv: a band of detail (a picture) spans at least
	// 1/minBandDiv of the frame each way.
	minBandDiv = 5
	// sameBandCells: bands whose edges are all within this many cells are
	// the same band.
	sameBandCells = 1
	// minBandLines: an axis shorter than this, or lines shorter than
	// minBandAlong, has no band to find.
	minBandLines = 16
	minBandAlong = 8
	// stepLevel: neighbouring lines differ clearly where they differ by
	// more than this (0..255 levels).
	stepLevel = 2
	// minTypicalEdge is the least a frame's typical edge strength is taken
	// to be, so that a flat frame does not make every faint line an edge.
	minTypicalEdge = 0.5
	// edgeContrast: a band's border is a persistent edge at least this many
	// times as strong as the frame's typical one …
	edgeContrast = 3
	// minStraight: … that runs along at least this share of the line.
	minStraight = 0.5
	// topShare5, bottomShare5: a band's top lies in the upper 3/5 of the
	// frame, its bottom in the lower 3/5 (fifths).
	topShare5    = 3
	bottomShare5 = 2
	// detailFloor is the least the detail outside a band is taken to be, so
	// that a band beside flat bars is not infinitely detailed.
	detailFloor = 0.25
	// endDetail: both ends of a band must be at least endDetail times as
	// detailed as outside it …
	endDetail = 1.5
	// pictureLevel: … and as detailed as pictureLevel times the band's own
	// upper quartile: a blurred stretch cannot pass for picture.
	pictureLevel = 0.3
	// endDiv: a band's ends are its first and last 1/endDiv of lines (at
	// least minEndLines).
	endDiv      = 10
	minEndLines = 2
	// maxFlatDiv: at most 1/maxFlatDiv of a band's lines may be flat.
	maxFlatDiv = 4
	// minDetailRatio: a band is a picture when it is at least this many
	// times as detailed as the frame outside it (after the flat lines'
	// penalty).
	minDetailRatio = 2
	// snapCells, snapDiv: a band's borders move to the strongest edge
	// within max(snapCells, 1/snapDiv of the axis); bands within 1/snapDiv
	// of each other are one.
	snapCells = 3
	snapDiv   = 20
	// maxBands: at most this many bands are kept along one axis (the
	// picture, and one alternate).
	maxBands = 2
	// wideW:wideH is the aspect of the picture reposts set across a taller
	// frame (16:9).
	wideW, wideH = 16, 9
)

// Refine cuts the layout's rectangles on the picture's edges at pixel
// precision (they are found on a grid of gridSide cells on the long side).
func (l *Layout) Refine(frames []image.Image) {
	if len(frames) == 0 {
		return
	}
	b := frames[0].Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return
	}
	scale := max(1, float64(max(b.Dx(), b.Dy()))/gridSide)
	cx, cy := scale/float64(b.Dx()), scale/float64(b.Dy())
	fix := func(r Rect) Rect {
		if r.Near(Full, 1e-9) {
			return r
		}
		return refineRect(frames, r, cx, cy)
	}
	l.Inner, l.Content = fix(l.Inner), fix(l.Content)
	for i, r := range l.Alternates {
		l.Alternates[i] = fix(r)
	}
}

// DetectLayout finds where the picture is in a clip from a few of its frames
// (or in a still from one). The layout is decided once for the frames
// given, not frame by frame, so that a moment of darkness or a static shot
// does not move it.
func DetectLayout(frames []image.Image) Layout {
	l, _ := DetectLayoutContext(context.Background(), frames)
	return l
}

// DetectLayoutContext is DetectLayout, given up with ctx's error when ctx
// ends (between frames and between the lines it compares).
func DetectLayoutContext(ctx context.Context, frames []image.Image) (Layout, error) {
	grids := make([]*luma.Grid, 0, len(frames))
	for _, f := range frames {
		if err := ctx.Err(); err != nil {
			return Layout{}, err
		}
		g := luma.New(f, gridSide)
		if g.W >= minLayoutGrid && g.H >= minLayoutGrid {
			grids = append(grids, g)
		}
	}
	if len(grids) == 0 {
		return Layout{Inner: Full, Content: Full}, nil
	}
	// Frames of one clip share a size; ignore any that do not.
	w, h := grids[0].W, grids[0].H
	grids = slices.DeleteFunc(grids, func(g *luma.Grid) bool { return g.W != w || g.H != h })
	inner := uniformBorders(grids)
	regions := detailRegion(ctx, grids, inner)
	if err := ctx.Err(); err != nil {
		return Layout{}, err
	}
	l := Layout{Inner: toRel(inner, w, h), Content: toRel(regions[0], w, h)}
	for _, r := range regions[1:] {
		l.Alternates = append(l.Alternates, toRel(r, w, h))
	}
	return l, nil
}

func toRel(r image.Rectangle, w, h int) Rect {
	return Rect{float64(r.Min.X) / float64(w), float64(r.Min.Y) / float64(h), float64(r.Max.X) / float64(w), float64(r.Max.Y) / float64(h)}
}

// uniformBorders strips rows and columns, from each edge inwards, that are
// flat (nearly one colour) in nearly every frame.
func uniformBorders(grids []*luma.Grid) image.Rectangle {
	w, h := grids[0].W, grids[0].H
	flatRow := func(y, x0, x1 int) bool {
		n := 0
		for _, g := range grids {
			if stddev(func(i int) float32 { return g.At(x0+i, y) }, x1-x0) <= flatLevel {
				n++
			}
		}
		return n*100 >= len(grids)*flatFramesPct
	}
	flatCol := func(x, y0, y1 int) bool {
		n := 0
		for _, g := range grids {
			if stddev(func(i int) float32 { return g.At(x, y0+i) }, y1-y0) <= flatLevel {
				n++
			}
		}
		return n*100 >= len(grids)*flatFramesPct
	}
	r := image.Rect(0, 0, w, h)
	for r.Min.Y < r.Max.Y-1 && flatRow(r.Min.Y, 0, w) {
		r.Min.Y++
	}
	for r.Max.Y-1 > r.Min.Y && flatRow(r.Max.Y-1, 0, w) {
		r.Max.Y--
	}
	for r.Min.X < r.Max.X-1 && flatCol(r.Min.X, r.Min.Y, r.Max.Y) {
		r.Min.X++
	}
	for r.Max.X-1 > r.Min.X && flatCol(r.Max.X-1, r.Min.Y, r.Max.Y) {
		r.Max.X--
	}
	// A frame that is flat almost everywhere (a fade, a title card) has
	// no layout to find.
	if r.Dx()*r.Dy()*minInnerDiv < w*h {
		return image.Rect(0, 0, w, h)
	}
	return r
}

func stddev(v func(int) float32, n int) float64 {
	if n <= 1 {
		return 0
	}
	var s, s2 float64
	for i := 0; i < n; i++ {
		x := float64(v(i))
		s += x
		s2 += x * x
	}
	m := s / float64(n)
	return math.Sqrt(max(0, s2/float64(n)-m*m))
}

// detailRegion finds, inside r, an inset picture: a band of rows (then of
// columns within it) bounded by persistent straight edges — strong in every
// frame, where a picture's own edges move — whose detail (mean absolute
// gradient) is clearly higher than that of the rows outside it, as a
// picture's is against a blurred copy of itself, flat bars or interface
// chrome. Without such evidence the picture is all of r. When ctx ends it
// stops early with a meaningless answer: the caller checks ctx.
func detailRegion(ctx context.Context, grids []*luma.Grid, r image.Rectangle) []image.Rectangle {
	rows := insetBands(ctx, grids, r, true)
	if len(rows) == 0 {
		rows = [][2]int{{r.Min.Y, r.Max.Y}}
	}
	var out []image.Rectangle
	add := func(c image.Rectangle) {
		if c.Dx() < r.Dx()/minBandDiv || c.Dy() < r.Dy()/minBandDiv || !c.In(r) {
			return
		}
		for _, o := range out {
			if abs(o.Min.Y-c.Min.Y) <= sameBandCells && abs(o.Max.Y-c.Max.Y) <= sameBandCells &&
				abs(o.Min.X-c.Min.X) <= sameBandCells && abs(o.Max.X-c.Max.X) <= sameBandCells {
				return
			}
		}
		out = append(out, c)
	}
	for i, y := range rows {
		x0, x1, ok := insetBand(ctx, grids, image.Rect(r.Min.X, y[0], r.Max.X, y[1]), false)
		if !ok {
			x0, x1 = r.Min.X, r.Max.X
		}
		add(image.Rect(x0, y[0], x1, y[1]))
		if i > 0 || y[0] == r.Min.Y && y[1] == r.Max.Y {
			continue
		}
		// Reposts set a 16:9 picture across a taller frame: one border
		// of it may be faint (a dark picture on a darkened background),
		// so also take the 16:9 rectangle hanging from each border found.
		hh := int(math.Round(float64(x1-x0) * wideH / wideW))
		add(image.Rect(x0, y[0], x1, y[0]+hh))
		add(image.Rect(x0, y[1]-hh, x1, y[1]))
	}
	return out
}

// insetBand looks for the inset along one axis: rows when horizontal, else
// columns. It returns the band [lo, hi) in grid coordinates.
func insetBand(ctx context.Context, grids []*luma.Grid, r image.Rectangle, horizontal bool) (lo, hi int, ok bool) {
	bands := insetBands(ctx, grids, r, horizontal)
	if len(bands) == 0 {
		return 0, 0, false
	}
	return bands[0][0], bands[0][1], true
}

// insetBands returns the distinct inset bands found along one axis, best
// first (at most two); none once ctx has ended.
func insetBands(ctx context.Context, grids []*luma.Grid, r image.Rectangle, horizontal bool) [][2]int {
	n, a0, a1 := r.Dy(), r.Min.X, r.Max.X
	at := func(g *luma.Grid, along, across int) float32 { return g.At(along, across) }
	if !horizontal {
		n, a0, a1 = r.Dx(), r.Min.Y, r.Max.Y
		at = func(g *luma.Grid, along, across int) float32 { return g.At(across, along) }
	}
	base := r.Min.Y
	if !horizontal {
		base = r.Min.X
	}
	if n < minBandLines || a1-a0 < minBandAlong {
		return nil
	}
	// detail[i]: mean |gradient| along line i, averaged over frames.
	// edge[i]: the median over frames of the mean |difference| between
	// lines i-1 and i — a boundary that is there in every frame.
	// straight[i]: the median over frames of the share of positions where
	// lines i-1 and i differ clearly — a boundary runs the whole width.
	detail := make([]float64, n)
	edge := make([]float64, n)
	straight := make([]float64, n)
	per := make([]float64, len(grids))
	share := make([]float64, len(grids))
	for i := 0; i < n; i++ {
		if ctx.Err() != nil {
			return nil
		}
		c := base + i
		for k, g := range grids {
			var d, e float64
			steps := 0
			for a := a0; a < a1; a++ {
				if a+1 < a1 {
					d += math.Abs(float64(at(g, a+1, c) - at(g, a, c)))
				}
				if i > 0 {
					diff := math.Abs(float64(at(g, a, c) - at(g, a, c-1)))
					e += diff
					if diff > stepLevel {
						steps++
					}
				}
			}
			detail[i] += d / float64(a1-a0-1) / float64(len(grids))
			per[k] = e / float64(a1-a0)
			share[k] = float64(steps) / float64(a1-a0)
		}
		edge[i] = median(per)
		straight[i] = median(share)
	}
	typical := max(median(edge[1:]), minTypicalEdge)
	// Candidate boundaries: the frame's own edges, and lines whose
	// persistent edge is several times the typical one.
	type cand struct {
		pos   int
		score float64
	}
	var tops, bottoms []cand
	tops = append(tops, cand{0, 0})
	bottoms = append(bottoms, cand{n, 0})
	for i := 2; i < n-1; i++ {
		if edge[i] < edgeContrast*typical || straight[i] < minStraight || edge[i] < edge[i-1] || edge[i] < edge[i+1] {
			continue
		}
		if i < n*topShare5/5 {
			tops = append(tops, cand{i, edge[i] / typical})
		}
		if i > n*bottomShare5/5 {
			bottoms = append(bottoms, cand{i, edge[i] / typical})
		}
	}
	type found struct {
		lo, hi int
		score  float64
	}
	var all []found
	for _, t := range tops {
		if ctx.Err() != nil {
			return nil
		}
		for _, b := range bottoms {
			if b.pos-t.pos < n/minBandDiv || (t.pos == 0 && b.pos == n) {
				continue
			}
			var outside []float64
			inside := 0.0
			for i := 0; i < n; i++ {
				if i >= t.pos && i < b.pos {
					inside += detail[i]
				} else {
					outside = append(outside, detail[i])
				}
			}
			inside /= float64(b.pos - t.pos)
			// The median ignores a caption bar's text outside the picture.
			floor := max(median(outside), detailFloor)
			ratio := inside / floor
			// A picture does not end in a blurred or flat stretch: both
			// ends of the band must be detailed too.
			// Lines are flat next to the picture's own level (its upper
			// quartile), so a blurred stretch cannot pass for picture.
			band := slices.Clone(detail[t.pos:b.pos])
			slices.Sort(band)
			low := max(endDetail*floor, pictureLevel*band[len(band)*3/4])
			end := max(minEndLines, (b.pos-t.pos)/endDiv)
			if mean(detail[t.pos:t.pos+end]) < low || mean(detail[b.pos-end:b.pos]) < low {
				continue
			}
			// At most a quarter of its lines may be flat.
			flat := 0
			for _, d := range detail[t.pos:b.pos] {
				if d < low {
					flat++
				}
			}
			if flat*maxFlatDiv > b.pos-t.pos {
				continue
			}
			// Prefer the band without flat stretches (a caption bar and
			// the blurred gap below it are not part of the picture).
			keep := 1 - float64(flat)/float64(b.pos-t.pos)
			ratio *= keep * keep
			if ratio >= minDetailRatio {
				all = append(all, found{t.pos, b.pos, ratio})
			}
		}
	}
	slices.SortFunc(all, func(a, b found) int { return cmp.Compare(b.score, a.score) })
	// The band was chosen by its detail; its exact borders are the
	// strongest persistent edges near its ends.
	snap := func(pos int, cands []cand) int {
		best, bestScore := pos, -1.0
		for _, c := range cands {
			if c.pos > 0 && c.pos < n && abs(c.pos-pos) <= max(snapCells, n/snapDiv) && c.score > bestScore {
				best, bestScore = c.pos, c.score
			}
		}
		return best
	}
	var out [][2]int
	for _, f := range all {
		lo, hi := snap(f.lo, tops), snap(f.hi, bottoms)
		if hi-lo < n/minBandDiv {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || abs(o[0]-(base+lo)) <= n/snapDiv && abs(o[1]-(base+hi)) <= n/snapDiv
		}
		if !dup {
			out = append(out, [2]int{base + lo, base + hi})
		}
		if len(out) == maxBands {
			break
		}
	}
	return out
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(max(1, len(v)))
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
