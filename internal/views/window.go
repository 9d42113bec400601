package views

import (
	"math"

	"github.com/provcheck/provcheck/internal/luma"
	"github.com/provcheck/provcheck/internal/picture"
)

// WindowSize is the size in cells of window r (relative coordinates) of g.
func WindowSize(g *luma.Grid, r picture.Rect) (cw, ch int) {
	x0, y0 := r.X0*float64(g.W), r.Y0*float64(g.H)
	x1, y1 := r.X1*float64(g.W), r.Y1*float64(g.H)
	return int(math.Round(x1 - x0)), int(math.Round(y1 - y0))
}

// Window fills buf (cw×ch, from WindowSize) with window r of g turned by
// deg degrees about the frame's centre (the direction of RotationAngles):
// what a repost tilted by -deg and then cropped shows of the original. r may
// reach past the frame by rounding; samples are clamped.
func Window(g *luma.Grid, r picture.Rect, deg float64, buf []float32, cw, ch int) {
	x0, y0 := r.X0*float64(g.W), r.Y0*float64(g.H)
	x1, y1 := r.X1*float64(g.W), r.Y1*float64(g.H)
	sx, sy := (x1-x0)/float64(cw), (y1-y0)/float64(ch)
	if deg == 0 {
		for v := 0; v < ch; v++ {
			y := y0 + (float64(v)+0.5)*sy - 0.5
			for u := 0; u < cw; u++ {
				buf[v*cw+u] = g.Bilinear(x0+(float64(u)+0.5)*sx-0.5, y)
			}
		}
		return
	}
	sin, cos := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(g.W)/2, float64(g.H)/2
	for v := 0; v < ch; v++ {
		dy := y0 + (float64(v)+0.5)*sy - cy
		for u := 0; u < cw; u++ {
			dx := x0 + (float64(u)+0.5)*sx - cx
			buf[v*cw+u] = g.Bilinear(cx+dx*cos-dy*sin-0.5, cy+dx*sin+dy*cos-0.5)
		}
	}
}

// Warped fills buf (cw×ch) with the picture a map from the window's
// relative coordinates (u, v in [0, 1]) to g's cells describes: the
// checked frame seen through the transform local features found, turned
// back into the registered picture's frame. Samples are clamped to g.
func Warped(g *luma.Grid, buf []float32, cw, ch int, at func(u, v float64) (x, y float64)) {
	for v := 0; v < ch; v++ {
		fv := (float64(v) + 0.5) / float64(ch)
		for u := 0; u < cw; u++ {
			x, y := at((float64(u)+0.5)/float64(cw), fv)
			buf[v*cw+u] = g.Bilinear(x-0.5, y-0.5)
		}
	}
}
