package hashing

import (
	"math"
	"strconv"
	"strings"
)

// Rotated views: a repost tilted by a few degrees (a phone held askew, a
// "cinematic" tilt, a screen filmed by hand) moves a PDQ hash by 50–90 bits
// at 4°. The query frame is turned back by a ladder of small angles and the
// centre of the result — where the rotation left no corners — is hashed;
// it is compared with the registered centre zoom of the same size
// (zoom80). A rung is at most half a step (0.75°) off; on four real photos
// a whole degree off cost 6–26 bits.

// rotationAngles are the angles (degrees) a query frame is turned back by.
// Angle 0 is the plain centre, which also leaves out what a repost puts in
// the corners and along the edges (a channel badge, a handle, a news
// ticker).
var rotationAngles = []float64{-6, -4.5, -3, -1.5, 0, 1.5, 3, 4.5, 6}

// rotationZoom is the centre share of the frame hashed after turning, and
// must equal a registered zoom view's.
const rotationZoom = 0.8

// rotationGridSide is the longest side of the luminance grid rotated and kept
// for windows (video frames, decoded smaller, are used at their size).
const rotationGridSide = 512

var rotationNames = func() []string {
	out := make([]string, len(rotationAngles))
	for i, a := range rotationAngles {
		out[i] = "rotate" + strconv.FormatFloat(a, 'f', -1, 64)
		if a == 0 {
			out[i] = "centre80"
		}
	}
	return out
}()

// rotatedViews hashes the centre of g turned by each of rotationAngles
// (counter-clockwise positive, about the centre), undoing a tilt the
// other way.
func (h *FrameHasher) rotatedViews(g *lumaGrid) []View {
	if g.w < 16 || g.h < 16 {
		return nil
	}
	cw, ch := int(float64(g.w)*rotationZoom), int(float64(g.h)*rotationZoom)
	if cap(h.rot) < cw*ch {
		h.rot = make([]float32, cw*ch)
	}
	buf := h.rot[:cw*ch]
	cx, cy := float64(g.w)/2, float64(g.h)/2
	out := make([]View, 0, len(rotationAngles))
	for i, a := range rotationAngles {
		sin, cos := math.Sincos(a * math.Pi / 180)
		for v := 0; v < ch; v++ {
			dy := float64(v) + 0.5 - float64(ch)/2
			for u := 0; u < cw; u++ {
				dx := float64(u) + 0.5 - float64(cw)/2
				// The source of output pixel (dx, dy): turn it
				// back by a.
				sx := cx + dx*cos - dy*sin - 0.5
				sy := cy + dx*sin + dy*cos - 0.5
				buf[v*cw+u] = g.bilinear(sx, sy)
			}
		}
		hash, q := h.pdq.FromLuma(buf, cw, ch)
		if q > 0 {
			out = append(out, View{Name: rotationNames[i], PDQ: hash, Quality: q})
		}
	}
	return out
}

// bilinear samples the grid at (x, y) in cell coordinates (cell centres at
// integers), clamping at the edges.
func (g *lumaGrid) bilinear(x, y float64) float32 {
	x = min(max(x, 0), float64(g.w-1))
	y = min(max(y, 0), float64(g.h-1))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, g.w-1), min(y0+1, g.h-1)
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	top := g.at(x0, y0)*(1-fx) + g.at(x1, y0)*fx
	bot := g.at(x0, y1)*(1-fx) + g.at(x1, y1)*fx
	return top*(1-fy) + bot*fy
}

// Speculative reports whether the view guesses at a transformation (a
// rotated view, the centre), so a match should rely on it only when it is
// close.
func (v View) Speculative() bool {
	return strings.HasPrefix(v.Name, "rotate") || v.Name == "centre80"
}
