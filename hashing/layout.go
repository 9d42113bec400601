package hashing

import (
	"image"
	"math"
	"slices"
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
}

// Rects returns the distinct rectangles worth hashing besides the full
// frame: Inner and Content when they differ from Full and from each other.
func (l Layout) Rects() []Rect {
	var out []Rect
	for _, r := range []Rect{l.Inner, l.Content} {
		if r.Near(Full, 0.03) || r.Area() < 0.08 {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || o.Near(r, 0.02)
		}
		if !dup {
			out = append(out, r)
		}
	}
	return out
}

// gridSide is the long side of the luminance grids layout analysis works on.
const gridSide = 160

// lumaGrid is a small luminance image.
type lumaGrid struct {
	w, h int
	v    []float32
}

func (g *lumaGrid) at(x, y int) float32 { return g.v[y*g.w+x] }

// newLumaGrid box-averages img into a grid whose long side is at most
// gridSide.
func newLumaGrid(img image.Image) *lumaGrid {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return &lumaGrid{}
	}
	scale := max(1, float64(max(w, h))/gridSide)
	gw, gh := max(1, int(float64(w)/scale)), max(1, int(float64(h)/scale))
	g := &lumaGrid{w: gw, h: gh, v: make([]float32, gw*gh)}
	cnt := make([]float32, gw*gh)
	// Sample at most ~4 pixels per grid cell per axis: large stills need
	// not be read whole for a layout.
	stepX := max(1, int(scale/4))
	stepY := max(1, int(scale/4))
	for y := 0; y < h; y += stepY {
		gy := min(gh-1, int(float64(y)/scale))
		for x := 0; x < w; x += stepX {
			gx := min(gw-1, int(float64(x)/scale))
			g.v[gy*gw+gx] += pixelLuma(img, b.Min.X+x, b.Min.Y+y)
			cnt[gy*gw+gx]++
		}
	}
	for i := range g.v {
		if cnt[i] > 0 {
			g.v[i] /= cnt[i]
		}
	}
	return g
}

func pixelLuma(img image.Image, x, y int) float32 {
	switch m := img.(type) {
	case *image.RGBA:
		i := m.PixOffset(x, y)
		p := m.Pix[i : i+3 : i+3]
		return 0.299*float32(p[0]) + 0.587*float32(p[1]) + 0.114*float32(p[2])
	case *image.NRGBA:
		i := m.PixOffset(x, y)
		p := m.Pix[i : i+3 : i+3]
		return 0.299*float32(p[0]) + 0.587*float32(p[1]) + 0.114*float32(p[2])
	case *image.YCbCr:
		return float32(m.Y[m.YOffset(x, y)])
	case *image.Gray:
		return float32(m.Pix[m.PixOffset(x, y)])
	}
	r, g, b, _ := img.At(x, y).RGBA()
	return (0.299*float32(r) + 0.587*float32(g) + 0.114*float32(b)) / 257
}

// DetectLayout finds where the picture is in a clip from a few of its frames
// (or in a still from one). The layout is decided once for the frames
// given, not frame by frame, so that a moment of darkness or a static shot
// does not move it.
func DetectLayout(frames []image.Image) Layout {
	grids := make([]*lumaGrid, 0, len(frames))
	for _, f := range frames {
		g := newLumaGrid(f)
		if g.w >= 8 && g.h >= 8 {
			grids = append(grids, g)
		}
	}
	if len(grids) == 0 {
		return Layout{Inner: Full, Content: Full}
	}
	// Frames of one clip share a size; ignore any that do not.
	w, h := grids[0].w, grids[0].h
	grids = slices.DeleteFunc(grids, func(g *lumaGrid) bool { return g.w != w || g.h != h })
	inner := uniformBorders(grids)
	content := detailRegion(grids, inner)
	return Layout{Inner: toRel(inner, w, h), Content: toRel(content, w, h)}
}

func toRel(r image.Rectangle, w, h int) Rect {
	return Rect{float64(r.Min.X) / float64(w), float64(r.Min.Y) / float64(h), float64(r.Max.X) / float64(w), float64(r.Max.Y) / float64(h)}
}

// uniformBorders strips rows and columns, from each edge inwards, that are
// flat (nearly one colour) in nearly every frame.
func uniformBorders(grids []*lumaGrid) image.Rectangle {
	w, h := grids[0].w, grids[0].h
	const flat = 5.0 // standard deviation, in 0..255 levels
	flatRow := func(y, x0, x1 int) bool {
		n := 0
		for _, g := range grids {
			if stddev(func(i int) float32 { return g.at(x0+i, y) }, x1-x0) <= flat {
				n++
			}
		}
		return n*10 >= len(grids)*9
	}
	flatCol := func(x, y0, y1 int) bool {
		n := 0
		for _, g := range grids {
			if stddev(func(i int) float32 { return g.at(x, y0+i) }, y1-y0) <= flat {
				n++
			}
		}
		return n*10 >= len(grids)*9
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
	if r.Dx()*r.Dy()*5 < w*h {
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

// detailRegion finds, inside r, the largest band of rows and then of
// columns whose detail (mean absolute gradient, averaged over the frames)
// is high compared with the rest: a blurred background, flat bars and
// interface chrome have little. Its edges are then snapped to the
// strongest persistent edge nearby, the border of the picture.
func detailRegion(grids []*lumaGrid, r image.Rectangle) image.Rectangle {
	rowDetail := make([]float64, r.Dy())
	for _, g := range grids {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			var s float64
			for x := r.Min.X; x < r.Max.X-1; x++ {
				s += math.Abs(float64(g.at(x+1, y) - g.at(x, y)))
			}
			rowDetail[y-r.Min.Y] += s / float64(max(1, r.Dx()-1))
		}
	}
	y0, y1, ok := band(rowDetail)
	if !ok {
		return r
	}
	y0, y1 = r.Min.Y+y0, r.Min.Y+y1
	colDetail := make([]float64, r.Dx())
	for _, g := range grids {
		for x := r.Min.X; x < r.Max.X; x++ {
			var s float64
			for y := y0; y < y1-1; y++ {
				s += math.Abs(float64(g.at(x, y+1) - g.at(x, y)))
			}
			colDetail[x-r.Min.X] += s / float64(max(1, y1-y0-1))
		}
	}
	x0, x1, ok := band(colDetail)
	if !ok {
		x0, x1 = 0, r.Dx()
	}
	x0, x1 = r.Min.X+x0, r.Min.X+x1
	y0 = snapEdge(grids, y0, r.Min.Y, r.Max.Y, x0, x1, true)
	y1 = snapEdge(grids, y1, r.Min.Y, r.Max.Y, x0, x1, true)
	x0 = snapEdge(grids, x0, r.Min.X, r.Max.X, y0, y1, false)
	x1 = snapEdge(grids, x1, r.Min.X, r.Max.X, y0, y1, false)
	out := image.Rect(x0, y0, x1, y1)
	if out.Dx() < r.Dx()/5 || out.Dy() < r.Dy()/5 {
		return r
	}
	return out
}

// band returns the longest run of entries whose detail is at least 40% of
// the 90th percentile, bridging gaps of up to 3% of the length. ok is
// false when the profile is flat (nothing stands out).
func band(p []float64) (lo, hi int, ok bool) {
	n := len(p)
	if n < 8 {
		return 0, n, false
	}
	sorted := slices.Clone(p)
	slices.Sort(sorted)
	p90 := sorted[n*9/10]
	if p90 <= 1e-9 {
		return 0, n, false
	}
	thr := 0.4 * p90
	gapMax := max(1, n*3/100)
	bestLo, bestHi := 0, 0
	start, gap := -1, 0
	for i := 0; i <= n; i++ {
		high := i < n && p[i] >= thr
		switch {
		case high && start < 0:
			start, gap = i, 0
		case high:
			gap = 0
		case start >= 0:
			gap++
			if gap > gapMax || i == n {
				end := i - gap + 1
				if end-start > bestHi-bestLo {
					bestLo, bestHi = start, end
				}
				start, gap = -1, 0
			}
		}
	}
	if bestHi-bestLo < n/5 {
		return 0, n, false
	}
	return bestLo, bestHi, true
}

// snapEdge moves a boundary (a row when horizontal, else a column) to the
// position within a few cells where the picture changes most sharply,
// averaged along the boundary and over frames. Borders of an inset picture
// are such edges in every frame; the picture's own edges move.
func snapEdge(grids []*lumaGrid, pos, lo, hi, a0, a1 int, horizontal bool) int {
	if pos <= lo || pos >= hi {
		return pos // the frame's own edge
	}
	edge := func(p int) float64 {
		var v float64
		for _, g := range grids {
			var s float64
			for a := a0; a < a1; a++ {
				if horizontal {
					s += math.Abs(float64(g.at(a, p) - g.at(a, p-1)))
				} else {
					s += math.Abs(float64(g.at(p, a) - g.at(p-1, a)))
				}
			}
			v += s / float64(max(1, a1-a0))
		}
		return v
	}
	const reach = 3
	best, bestV := pos, edge(pos)*1.15 // move only for a clearly stronger edge
	for p := max(lo+1, pos-reach); p <= min(hi-1, pos+reach); p++ {
		if v := edge(p); p != pos && v > bestV {
			best, bestV = p, v
		}
	}
	return best
}
