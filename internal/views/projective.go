package views

import (
	"math"

	"github.com/provcheck/provcheck/internal/luma"
)

// Projective is the map guided views sample through: the window's
// relative coordinates (u, v) are registered pixels (u·RW − 0.5, v·RH −
// 0.5), which H (row-major 3×3) maps to checked pixels (qx, qy); when
// Mirrored, qx becomes MirrorX − qx (H maps into the checked frame's
// mirror image); the result is scaled to the grid's cells, ((qx + 0.5)·SX,
// (qy + 0.5)·SY). Where H's divisor is under 1e-12 in magnitude the point
// maps to (−1, −1).
type Projective struct {
	H        [9]float64
	RW, RH   float64
	Mirrored bool
	MirrorX  float64
	SX, SY   float64
}

// At is the map: Warped(g, buf, cw, ch, p.At) is the view WarpedProjective
// fills.
func (p *Projective) At(u, v float64) (float64, float64) {
	x, y := u*p.RW-0.5, v*p.RH-0.5
	h := &p.H
	w := h[6]*x + h[7]*y + h[8]
	if math.Abs(w) < 1e-12 {
		return -1, -1
	}
	qx, qy := (h[0]*x+h[1]*y+h[2])/w, (h[3]*x+h[4]*y+h[5])/w
	if p.Mirrored {
		qx = p.MirrorX - qx
	}
	return (qx + 0.5) * p.SX, (qy + 0.5) * p.SY
}

// warpRow is what warp8 needs of a row of WarpedProjective: H's terms that
// do not depend on the column (the row's y times H[1], H[4], H[7]) and the
// map's constants, as float64s in this order, then the mirror flag.
type warpRow struct {
	h0, h2, h3, h5, h6, h8 float64
	h1y, h4y, h7y          float64
	mirrorX, sx, sy        float64
	xMax, yMax             float64
	mirrored               int64
}

// WarpedProjective is Warped(g, buf, cw, ch, p.At), the same cells bit for
// bit: the terms of a column or of a row are computed once, and where the
// processor can, 8 cells a step (warp8), with the same operations in the
// same order.
func WarpedProjective(g *luma.Grid, buf []float32, cw, ch int, p *Projective) {
	if !hasVector || g.W < 2 || g.H < 2 || cw < 8 {
		Warped(g, buf, cw, ch, p.At)
		return
	}
	// xs[u] is column u's registered x, as At computes it.
	xs := make([]float64, cw)
	for u := range xs {
		xs[u] = (float64(u)+0.5)/float64(cw)*p.RW - 0.5
	}
	h := &p.H
	r := warpRow{h0: h[0], h2: h[2], h3: h[3], h5: h[5], h6: h[6], h8: h[8],
		mirrorX: p.MirrorX, sx: p.SX, sy: p.SY, xMax: float64(g.W - 1), yMax: float64(g.H - 1)}
	if p.Mirrored {
		r.mirrored = 1
	}
	n8 := cw &^ 7
	for v := 0; v < ch; v++ {
		fv := (float64(v) + 0.5) / float64(ch)
		y := fv*p.RH - 0.5
		r.h1y, r.h4y, r.h7y = h[1]*y, h[4]*y, h[7]*y
		out := buf[v*cw : (v+1)*cw]
		warp8(&xs[0], n8, &r, &g.V[0], g.W, &out[0])
		for u := n8; u < cw; u++ {
			x, y := p.At((float64(u)+0.5)/float64(cw), fv)
			out[u] = g.Bilinear(x-0.5, y-0.5)
		}
	}
}
