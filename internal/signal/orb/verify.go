package orb

import (
	"math"
	"math/bits"
	"slices"
	"sync"
)

// VerifyOptions control matching two feature sets and accepting a shared
// region. Start from DefaultVerifyOptions.
type VerifyOptions struct {
	MaxDistance int     // descriptor matches further than this (of 256) are dropped
	Ratio       float64 // best match must be closer than Ratio × second best
	// Tolerance is the reprojection error an inlier may have, as a share of
	// the checked picture's diagonal (a looser tolerance is used while the
	// transform is refined).
	Tolerance  float64
	MinInliers int // matches agreeing on the transform
	// MinSpan is the least width and height of the inliers' bounding box,
	// and MinArea the least area of their convex hull, as shares of the
	// part of the registered picture that holds its detail (Match.Detail:
	// the whole picture, unless it is plain around a smaller subject): a
	// logo or one line of text does not spread.
	MinSpan float64
	MinArea float64
	// MinCellShare is the least share of the informative cells of the
	// overlap (the cells of a SpreadGrid×SpreadGrid grid over the
	// registered picture that hold registered features and lie inside the
	// checked picture) that must hold an inlier: shared furniture (a logo
	// in a corner and a bar along an edge) explains a few cells while the
	// rest of the picture, full of features, finds no match.
	MinCellShare float64
	// MaxScale bounds the size ratio between the two pictures.
	MaxScale float64
}

// DefaultVerifyOptions returns the settings provcheck uses.
func DefaultVerifyOptions() VerifyOptions {
	return VerifyOptions{
		MaxDistance:  64,
		Ratio:        0.8,
		Tolerance:    0.012,
		MinInliers:   10,
		MinSpan:      0.2,
		MinArea:      0.04,
		MinCellShare: 0.4,
		MaxScale:     6,
	}
}

// Rect is an axis-aligned rectangle in fractions of a picture's width and
// height (0..1).
type Rect struct{ X, Y, W, H float64 }

// Match is the outcome of verifying a checked picture against a
// registered one.
type Match struct {
	Candidates int // descriptor matches that passed the distance and ratio tests
	Inliers    int // of them, agreeing on the transform
	// H maps registered pixels to checked pixels (row-major 3×3, H[8]=1).
	H [9]float64
	// Homography is false when the transform is a similarity (the
	// homography fit was not better or not plausible).
	Homography bool
	// Region is the part of the registered picture that lies inside the
	// checked picture; QueryRegion is where the registered picture lies in
	// the checked one (both clipped to the pictures).
	Region, QueryRegion Rect
	// Spread is the bounding box of the inliers in the registered picture,
	// Area their convex hull (share of the registered picture), Cells the
	// grid cells holding inliers and CellShare their share of the overlap's
	// informative cells (those holding registered features large enough to
	// be found at the checked picture's scale).
	Spread Rect
	Area   float64
	// Detail is the part of the registered picture that holds the
	// features the spread is measured against (those large enough to be
	// found at the checked picture's scale): their bounding box, grown by
	// the border in which no keypoint is detected. A detailed picture's
	// features reach about that border, so it is (nearly) the whole
	// picture; a small
	// subject on a plain ground (an object on a white table, a figure on
	// a studio backdrop) has all its features, and all a repost can
	// match, in a part of it.
	Detail       Rect
	Cells        int
	CellShare    float64
	MeanDistance float64 // mean descriptor distance of the inliers
	Scale        float64 // size of the registered picture in the checked one (linear)
	Angle        float64 // rotation, radians
}

// Accepted reports whether m passes o's inlier, span and area tests. A
// Match without a Detail (one Verify did not fill in) is judged on the
// whole picture.
func (m *Match) Accepted(o VerifyOptions) bool {
	d := m.Detail
	if d.W <= 0 || d.H <= 0 {
		d = Rect{0, 0, 1, 1}
	}
	return m.Inliers >= o.MinInliers && m.Spread.W >= o.MinSpan*d.W && m.Spread.H >= o.MinSpan*d.H &&
		m.Area >= o.MinArea*d.W*d.H && m.CellShare >= o.MinCellShare
}

// SpreadGrid is the grid (cells across each side of the registered
// picture) on which the spread of inliers is measured.
const SpreadGrid = 6

type corr struct {
	r, q int // indexes into the registered and checked features
	d    int
}

// matches returns the descriptor matches from q to reg that pass o's
// distance and ratio tests, at most one per registered feature (the
// closest).
//
// Only distances up to ratioCap(o) can decide a test: a best match further
// than o.MaxDistance fails whatever the second best, and a second best
// beyond the cap passes the ratio test whatever the best. So the scan keeps
// the two smallest distances within the cap, which gives the same matches
// as keeping them over all 257 values (TestMatchesSameAsFull).
func matches(reg, q *Features, o VerifyOptions) []corr {
	m := matcher{o: o, cap1: ratioCap(o) + 1, best: make([]int32, len(reg.Descriptors))}
	m.q = q.Descriptors
	if hasVector && len(reg.Descriptors) >= vectorLanes {
		m.vector(reg.Descriptors, q.Descriptors)
	} else {
		m.scalar(reg.Descriptors, q.Descriptors)
	}
	return m.out
}

// matcher collects the matches of one call of matches.
type matcher struct {
	o    VerifyOptions
	cap1 int     // ratioCap + 1: the distance a best or second best starts at
	out  []corr  // the matches so far
	best []int32 // per registered feature: its match in out, +1
	q    []Descriptor
}

// keep records checked descriptor qi's nearest registered one, bi at
// distance b1 with the second nearest at b2 (both at most cap1, bi −1
// when none is nearer than cap1), if it passes the two tests and no
// closer match to bi has been kept.
func (m *matcher) keep(qi, b1, b2, bi int) {
	if bi < 0 || b1 > m.o.MaxDistance || float64(b1) >= m.o.Ratio*float64(b2) {
		return
	}
	if j := m.best[bi]; j != 0 {
		if m.out[j-1].d <= b1 {
			return
		}
		m.out[j-1] = corr{r: bi, q: qi, d: b1}
		return
	}
	m.out = append(m.out, corr{r: bi, q: qi, d: b1})
	m.best[bi] = int32(len(m.out))
}

// scalar matches in 64-bit words: two checked descriptors a pass, so
// each registered one is loaded once for both (0.84× the time of one a
// pass), kept in the same order. Each distance is whole before its one
// test: an early exit after three words cost more in branches than the
// fourth word it saves.
func (m *matcher) scalar(rd, qs []Descriptor) {
	cap1 := m.cap1
	qi := 0
	for ; qi+1 < len(qs); qi += 2 {
		a, c := &qs[qi], &qs[qi+1]
		a0, a1, a2, a3 := a[0], a[1], a[2], a[3]
		c0, c1, c2, c3 := c[0], c[1], c[2], c[3]
		ab1, ab2, abi := cap1, cap1, -1
		cb1, cb2, cbi := cap1, cap1, -1
		for ri := range rd {
			r := &rd[ri]
			r0, r1, r2, r3 := r[0], r[1], r[2], r[3]
			da := bits.OnesCount64(a0^r0) + bits.OnesCount64(a1^r1) + bits.OnesCount64(a2^r2) + bits.OnesCount64(a3^r3)
			dc := bits.OnesCount64(c0^r0) + bits.OnesCount64(c1^r1) + bits.OnesCount64(c2^r2) + bits.OnesCount64(c3^r3)
			if da < ab2 {
				if da < ab1 {
					ab1, ab2, abi = da, ab1, ri
				} else {
					ab2 = da
				}
			}
			if dc < cb2 {
				if dc < cb1 {
					cb1, cb2, cbi = dc, cb1, ri
				} else {
					cb2 = dc
				}
			}
		}
		m.keep(qi, ab1, ab2, abi)
		m.keep(qi+1, cb1, cb2, cbi)
	}
	for ; qi < len(qs); qi++ {
		b1, b2, bi := nearest2(&qs[qi], rd, 0, cap1, cap1, -1)
		m.keep(qi, b1, b2, bi)
	}
}

// nearest2 goes on with a scan for the two registered descriptors
// nearest to qd from rd[from:], given the best (b1, at bi) and second
// best (b2) distances of rd[:from]; of equally near ones the first is
// the best.
func nearest2(qd *Descriptor, rd []Descriptor, from, b1, b2, bi int) (int, int, int) {
	for ri := from; ri < len(rd); ri++ {
		if d := Distance(qd, &rd[ri]); d < b2 {
			if d < b1 {
				b1, b2, bi = d, b1, ri
			} else {
				b2 = d
			}
		}
	}
	return b1, b2, bi
}

// vector matches vectorLanes registered descriptors a step (best2x8): the
// registered descriptors are laid out word by word, so that one vector
// holds the same word of vectorLanes of them; each lane keeps the two
// nearest of its registered descriptors, and the lanes' results are
// merged into the same best, second best and first nearest index the
// scalar scan finds.
func (m *matcher) vector(rd, qs []Descriptor) {
	n8 := len(rd) &^ (vectorLanes - 1)
	wp, _ := wordsPool.Get().(*[]uint64)
	if wp == nil {
		wp = new([]uint64)
	}
	defer wordsPool.Put(wp)
	if cap(*wp) < 4*n8 {
		*wp = make([]uint64, 4*n8)
	}
	words := (*wp)[:4*n8]
	for i := range n8 {
		for w := range 4 {
			words[w*n8+i] = rd[i][w]
		}
	}
	var lanes [6 * vectorLanes]uint64
	qi := 0
	for ; qi+1 < len(qs); qi += 2 {
		best2x8x2(&qs[qi], &qs[qi+1], &words[0], n8, &lanes)
		m.merge(qi, rd, n8, lanes[:3*vectorLanes])
		m.merge(qi+1, rd, n8, lanes[3*vectorLanes:])
	}
	if qi < len(qs) {
		best2x8(&qs[qi], &words[0], n8, (*[3 * vectorLanes]uint64)(lanes[:3*vectorLanes]))
		m.merge(qi, rd, n8, lanes[:3*vectorLanes])
	}
}

// wordsPool holds matcher.vector's word-by-word copies of registered
// descriptors (16 KiB for 500).
var wordsPool sync.Pool

// merge keeps checked descriptor qi's match from its lanes (nearest
// distances, second nearest, indexes of the nearest) and the registered
// descriptors from n8 on, which no lane holds.
func (m *matcher) merge(qi int, rd []Descriptor, n8 int, lanes []uint64) {
	near, second, index := lanes[:vectorLanes], lanes[vectorLanes:2*vectorLanes], lanes[2*vectorLanes:3*vectorLanes]
	// The lane with the nearest descriptor (the first of equals); the
	// second nearest overall is that lane's second or another lane's
	// nearest.
	w := 0
	for j := 1; j < vectorLanes; j++ {
		if near[j] < near[w] || near[j] == near[w] && index[j] < index[w] {
			w = j
		}
	}
	b1, b2, bi := int(near[w]), int(second[w]), int(index[w])
	for j := range vectorLanes {
		if j != w && int(near[j]) < b2 {
			b2 = int(near[j])
		}
	}
	b1, b2, bi = nearest2(&m.q[qi], rd, n8, b1, b2, bi)
	if b1 >= m.cap1 {
		b1, bi = m.cap1, -1
	}
	m.keep(qi, b1, min(b2, m.cap1), bi)
}

// ratioCap is the largest descriptor distance that can decide o's
// distance and ratio tests: the least c ≥ o.MaxDistance such that a second
// best further than c passes the ratio test for every best within
// o.MaxDistance (256 when there is none).
func ratioCap(o VerifyOptions) int {
	for c := max(o.MaxDistance, 0); c < 256; c++ {
		if float64(o.MaxDistance) < o.Ratio*float64(c+1) {
			return c
		}
	}
	return 256
}

// sim is a similarity x' = a·x − b·y + tx, y' = b·x + a·y + ty.
type sim struct{ a, b, tx, ty float64 }

func (s sim) apply(x, y float64) (float64, float64) {
	return s.a*x - s.b*y + s.tx, s.b*x + s.a*y + s.ty
}

// Verify matches q against reg and looks for one transform that most
// matches agree on. It returns the best transform found and whether it is
// accepted under o.
func Verify(reg, q *Features, o VerifyOptions) (Match, bool) {
	cs := matches(reg, q, o)
	m := Match{Candidates: len(cs)}
	if len(cs) < max(o.MinInliers, 3) {
		return m, false
	}
	diag := math.Hypot(float64(q.W), float64(q.H))
	tight := o.Tolerance * diag
	loose := 4 * tight

	rp := func(c corr) (float64, float64) {
		k := reg.Keypoints[c.r]
		return float64(k.X), float64(k.Y)
	}
	qp := func(c corr) (float64, float64) {
		k := q.Keypoints[c.q]
		return float64(k.X), float64(k.Y)
	}
	inliersOf := func(f func(x, y float64) (float64, float64), tol float64, dst []int) []int {
		dst = dst[:0]
		t2 := tol * tol
		for i, c := range cs {
			x, y := rp(c)
			u, v := f(x, y)
			qx, qy := qp(c)
			if (u-qx)*(u-qx)+(v-qy)*(v-qy) <= t2 {
				dst = append(dst, i)
			}
		}
		return dst
	}

	// One-point hypotheses: a keypoint pair fixes scale, rotation and
	// translation. Hypotheses from the closest descriptor matches first.
	order := make([]int, len(cs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cs[a].d - cs[b].d })
	if len(order) > 200 {
		order = order[:200]
	}
	type hyp struct {
		s sim
		n int
	}
	var hyps []hyp
	var buf []int
	for _, i := range order {
		c := cs[i]
		rk, qk := reg.Keypoints[c.r], q.Keypoints[c.q]
		sc := float64(qk.Scale / rk.Scale)
		if sc > o.MaxScale || sc < 1/o.MaxScale {
			continue
		}
		th := float64(qk.Angle - rk.Angle)
		s := sim{a: sc * math.Cos(th), b: sc * math.Sin(th)}
		x, y := float64(rk.X), float64(rk.Y)
		s.tx = float64(qk.X) - (s.a*x - s.b*y)
		s.ty = float64(qk.Y) - (s.b*x + s.a*y)
		buf = inliersOf(s.apply, loose, buf)
		if len(buf) >= 3 {
			hyps = append(hyps, hyp{s, len(buf)})
		}
	}
	slices.SortStableFunc(hyps, func(a, b hyp) int { return b.n - a.n })

	var bestIn []int
	var bestS sim
	tried := 0
	for _, h := range hyps {
		if tried == 8 || h.n < max(3, len(bestIn)) {
			break
		}
		tried++
		s := h.s
		var in []int
		for _, tol := range []float64{loose, 2 * tight, tight, tight} {
			in = inliersOf(s.apply, tol, nil)
			if len(in) < 2 {
				break
			}
			s = fitSim(cs, in, rp, qp)
		}
		// Refining can shrink (or grow) a similarity past the size ratios
		// its hypotheses were bounded to: a registered picture mapped into
		// a spot the tolerance covers holds any keypoints there.
		if sc := math.Hypot(s.a, s.b); sc > o.MaxScale || sc < 1/o.MaxScale {
			continue
		}
		in = inliersOf(s.apply, tight, nil)
		if len(in) > len(bestIn) {
			bestIn, bestS = in, s
		}
	}
	if len(bestIn) < 3 {
		return m, false
	}
	m.H = [9]float64{bestS.a, -bestS.b, bestS.tx, bestS.b, bestS.a, bestS.ty, 0, 0, 1}
	in := bestIn

	// A homography when perspective (a photo of a screen) leaves inliers
	// outside the similarity's tolerance.
	if len(in) >= 8 {
		hin := inliersOf(func(x, y float64) (float64, float64) { return applyH(&m.H, x, y) }, 2*tight, nil)
		var H [9]float64
		ok := false
		for it := 0; it < 4 && len(hin) >= 8; it++ {
			var good bool
			H, good = fitH(cs, hin, rp, qp)
			if !good || !plausible(&H, float64(reg.W), float64(reg.H), o.MaxScale) {
				ok = false
				break
			}
			ok = true
			tol := tight
			if it == 0 {
				tol = 2 * tight
			}
			hin = inliersOf(func(x, y float64) (float64, float64) { return applyH(&H, x, y) }, tol, nil)
		}
		if ok {
			hin = inliersOf(func(x, y float64) (float64, float64) { return applyH(&H, x, y) }, tight, nil)
			if len(hin) > len(in) {
				m.H, m.Homography, in = H, true, hin
			}
		}
	}

	m.Inliers = len(in)
	m.Scale = math.Sqrt(math.Abs(m.H[0]*m.H[4] - m.H[1]*m.H[3]))
	m.Angle = math.Atan2(m.H[3], m.H[0])
	pts := make([][2]float64, len(in))
	var dsum int
	minx, miny, maxx, maxy := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i, j := range in {
		x, y := rp(cs[j])
		x /= float64(reg.W)
		y /= float64(reg.H)
		pts[i] = [2]float64{x, y}
		minx, maxx = math.Min(minx, x), math.Max(maxx, x)
		miny, maxy = math.Min(miny, y), math.Max(maxy, y)
		dsum += cs[j].d
	}
	m.MeanDistance = float64(dsum) / float64(len(in))
	m.Spread = clampRect(Rect{minx, miny, maxx - minx, maxy - miny})
	m.Area = hullArea(pts)

	rw, rh := float64(reg.W), float64(reg.H)
	qw, qh := float64(q.W), float64(q.H)
	// Spread over the grid: cells holding inliers, against the cells of
	// the overlap that hold at least two registered features.
	var inl, feat [SpreadGrid * SpreadGrid]int
	cell := func(x, y float64) int {
		cx := min(SpreadGrid-1, max(0, int(x*SpreadGrid)))
		cy := min(SpreadGrid-1, max(0, int(y*SpreadGrid)))
		return cy*SpreadGrid + cx
	}
	for _, p := range pts {
		inl[cell(p[0], p[1])]++
	}
	// A registered feature can be found in the checked picture only when
	// its patch is not smaller there than the finest level's.
	m.Scale = math.Sqrt(math.Abs(m.H[0]*m.H[4] - m.H[1]*m.H[3]))
	dx0, dy0, dx1, dy1 := rw, rh, 0.0, 0.0
	for _, k := range reg.Keypoints {
		if float64(k.Scale)*m.Scale >= 0.8 {
			x, y := float64(k.X), float64(k.Y)
			feat[cell(x/rw, y/rh)]++
			dx0, dx1 = math.Min(dx0, x), math.Max(dx1, x)
			dy0, dy1 = math.Min(dy0, y), math.Max(dy1, y)
		}
	}
	m.Detail = Rect{0, 0, 1, 1}
	if dx1 >= dx0 && dy1 >= dy0 {
		x0, y0 := math.Max(0, dx0-edge), math.Max(0, dy0-edge)
		x1, y1 := math.Min(rw, dx1+edge), math.Min(rh, dy1+edge)
		m.Detail = Rect{x0 / rw, y0 / rh, (x1 - x0) / rw, (y1 - y0) / rh}
	}
	informative := 0
	for c := range feat {
		cx := (float64(c%SpreadGrid) + 0.5) / SpreadGrid * rw
		cy := (float64(c/SpreadGrid) + 0.5) / SpreadGrid * rh
		u, v := applyH(&m.H, cx, cy)
		inside := u >= 0 && v >= 0 && u <= qw && v <= qh
		if inl[c] > 0 {
			m.Cells++
		}
		if (feat[c] >= 2 && inside) || inl[c] > 0 {
			informative++
		}
	}
	if informative > 0 {
		m.CellShare = float64(m.Cells) / float64(informative)
	}

	// The registered picture's corners in the checked picture, and the
	// checked picture's corners in the registered one.
	m.QueryRegion = mappedBox(&m.H, rw, rh, qw, qh)
	inv := invert3(m.H)
	m.Region = mappedBox(&inv, qw, qh, rw, rh)
	return m, m.Accepted(o)
}

// mappedBox maps the corners of a w×h picture through h and returns their
// bounding box as a share of a W×H picture, clipped to it.
func mappedBox(h *[9]float64, w, hh, W, H float64) Rect {
	minx, miny, maxx, maxy := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range [4][2]float64{{0, 0}, {w, 0}, {w, hh}, {0, hh}} {
		u, v := applyH(h, c[0], c[1])
		minx, maxx = math.Min(minx, u/W), math.Max(maxx, u/W)
		miny, maxy = math.Min(miny, v/H), math.Max(maxy, v/H)
	}
	return clampRect(Rect{minx, miny, maxx - minx, maxy - miny})
}

func invert3(m [9]float64) [9]float64 {
	a, b, c, d, e, f, g, h, i := m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
	det := a*(e*i-f*h) - b*(d*i-f*g) + c*(d*h-e*g)
	if det == 0 {
		return [9]float64{}
	}
	return [9]float64{
		(e*i - f*h) / det, (c*h - b*i) / det, (b*f - c*e) / det,
		(f*g - d*i) / det, (a*i - c*g) / det, (c*d - a*f) / det,
		(d*h - e*g) / det, (b*g - a*h) / det, (a*e - b*d) / det,
	}
}

func clampRect(r Rect) Rect {
	x0, y0 := math.Max(0, r.X), math.Max(0, r.Y)
	x1, y1 := math.Min(1, r.X+r.W), math.Min(1, r.Y+r.H)
	if x1 < x0 {
		x1 = x0
	}
	if y1 < y0 {
		y1 = y0
	}
	return Rect{x0, y0, x1 - x0, y1 - y0}
}

// fitSim is the least-squares similarity from the registered to the
// checked points of the correspondences in idx.
func fitSim(cs []corr, idx []int, rp, qp func(corr) (float64, float64)) sim {
	var mx, my, mu, mv float64
	n := float64(len(idx))
	for _, i := range idx {
		x, y := rp(cs[i])
		u, v := qp(cs[i])
		mx, my, mu, mv = mx+x, my+y, mu+u, mv+v
	}
	mx, my, mu, mv = mx/n, my/n, mu/n, mv/n
	var sxx, sa, sb float64
	for _, i := range idx {
		x, y := rp(cs[i])
		u, v := qp(cs[i])
		x, y, u, v = x-mx, y-my, u-mu, v-mv
		sxx += x*x + y*y
		sa += x*u + y*v
		sb += x*v - y*u
	}
	if sxx == 0 {
		return sim{a: 1, tx: mu - mx, ty: mv - my}
	}
	a, b := sa/sxx, sb/sxx
	return sim{a: a, b: b, tx: mu - (a*mx - b*my), ty: mv - (b*mx + a*my)}
}

func applyH(h *[9]float64, x, y float64) (float64, float64) {
	w := h[6]*x + h[7]*y + h[8]
	if math.Abs(w) < 1e-12 {
		return math.Inf(1), math.Inf(1)
	}
	return (h[0]*x + h[1]*y + h[2]) / w, (h[3]*x + h[4]*y + h[5]) / w
}

// fitH is the least-squares homography (direct linear transform with
// h33 = 1, on points normalised to zero mean and unit spread).
func fitH(cs []corr, idx []int, rp, qp func(corr) (float64, float64)) ([9]float64, bool) {
	norm := func(p func(corr) (float64, float64)) (mx, my, s float64) {
		for _, i := range idx {
			x, y := p(cs[i])
			mx, my = mx+x, my+y
		}
		n := float64(len(idx))
		mx, my = mx/n, my/n
		for _, i := range idx {
			x, y := p(cs[i])
			s += math.Hypot(x-mx, y-my)
		}
		s /= n
		if s == 0 {
			s = 1
		}
		return mx, my, math.Sqrt2 / s
	}
	ax, ay, as := norm(rp)
	bx, by, bs := norm(qp)
	var A [8][8]float64
	var B [8]float64
	for _, i := range idx {
		x, y := rp(cs[i])
		u, v := qp(cs[i])
		x, y = (x-ax)*as, (y-ay)*as
		u, v = (u-bx)*bs, (v-by)*bs
		rows := [2][9]float64{
			{x, y, 1, 0, 0, 0, -u * x, -u * y, u},
			{0, 0, 0, x, y, 1, -v * x, -v * y, v},
		}
		for _, r := range rows {
			for j := 0; j < 8; j++ {
				for k := 0; k < 8; k++ {
					A[j][k] += r[j] * r[k]
				}
				B[j] += r[j] * r[8]
			}
		}
	}
	h, ok := solve8(A, B)
	if !ok {
		return [9]float64{}, false
	}
	Hn := [9]float64{h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1}
	// Undo the normalisations: H = Tq⁻¹ · Hn · Tr.
	Tr := [9]float64{as, 0, -as * ax, 0, as, -as * ay, 0, 0, 1}
	Tqi := [9]float64{1 / bs, 0, bx, 0, 1 / bs, by, 0, 0, 1}
	H := mul3(Tqi, mul3(Hn, Tr))
	if math.Abs(H[8]) < 1e-12 {
		return H, false
	}
	for i := range H {
		H[i] /= H[8]
	}
	return H, true
}

func mul3(a, b [9]float64) [9]float64 {
	var c [9]float64
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			c[i*3+j] = a[i*3]*b[j] + a[i*3+1]*b[3+j] + a[i*3+2]*b[6+j]
		}
	}
	return c
}

// solve8 solves A·x = b by Gaussian elimination with partial pivoting.
func solve8(A [8][8]float64, b [8]float64) ([8]float64, bool) {
	var x [8]float64
	for c := 0; c < 8; c++ {
		p := c
		for r := c + 1; r < 8; r++ {
			if math.Abs(A[r][c]) > math.Abs(A[p][c]) {
				p = r
			}
		}
		if math.Abs(A[p][c]) < 1e-10 {
			return x, false
		}
		A[c], A[p] = A[p], A[c]
		b[c], b[p] = b[p], b[c]
		for r := c + 1; r < 8; r++ {
			f := A[r][c] / A[c][c]
			for k := c; k < 8; k++ {
				A[r][k] -= f * A[c][k]
			}
			b[r] -= f * b[c]
		}
	}
	for r := 7; r >= 0; r-- {
		s := b[r]
		for k := r + 1; k < 8; k++ {
			s -= A[r][k] * x[k]
		}
		x[r] = s / A[r][r]
	}
	return x, true
}

// plausible rejects homographies a repost cannot produce: the registered
// picture's corners must map to a convex quadrilateral of the same
// orientation, with a bounded size ratio and bounded perspective.
func plausible(h *[9]float64, w, hh, maxScale float64) bool {
	cs := [4][2]float64{{0, 0}, {w, 0}, {w, hh}, {0, hh}}
	var p [4][2]float64
	for i, c := range cs {
		wgt := h[6]*c[0] + h[7]*c[1] + h[8]
		if wgt <= 0.2 || wgt > 5 {
			return false
		}
		p[i][0], p[i][1] = applyH(h, c[0], c[1])
	}
	var area float64
	for i := 0; i < 4; i++ {
		a, b, c := p[i], p[(i+1)%4], p[(i+2)%4]
		cross := (b[0]-a[0])*(c[1]-b[1]) - (b[1]-a[1])*(c[0]-b[0])
		if cross <= 0 {
			return false
		}
		area += a[0]*b[1] - b[0]*a[1]
	}
	area /= 2
	r := math.Sqrt(area / (w * hh))
	return r <= maxScale && r >= 1/maxScale
}

// hullArea is the area of the convex hull of pts (monotone chain).
func hullArea(pts [][2]float64) float64 {
	if len(pts) < 3 {
		return 0
	}
	p := slices.Clone(pts)
	slices.SortFunc(p, func(a, b [2]float64) int {
		if a[0] != b[0] {
			if a[0] < b[0] {
				return -1
			}
			return 1
		}
		if a[1] < b[1] {
			return -1
		}
		if a[1] > b[1] {
			return 1
		}
		return 0
	})
	cross := func(o, a, b [2]float64) float64 {
		return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
	}
	h := make([][2]float64, 0, 2*len(p))
	for _, q := range p {
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	lo := len(h) + 1
	for i := len(p) - 2; i >= 0; i-- {
		q := p[i]
		for len(h) >= lo && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	h = h[:len(h)-1]
	var a float64
	for i := range h {
		j := (i + 1) % len(h)
		a += h[i][0]*h[j][1] - h[j][0]*h[i][1]
	}
	return math.Abs(a) / 2
}
