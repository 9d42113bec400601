package views

import (
	"github.com/provcheck/provcheck/internal/luma"
)

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
