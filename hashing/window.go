package hashing

import (
	"math"

	"github.com/provcheck/provcheck/hashing/pdq"
)

// Luma is a frame's luminance at a small size (long side at most 512),
// kept with the frames of media being checked so that a later step can hash
// any window of the frame (HashWindow) without decoding it again.
type Luma struct{ g *lumaGrid }

// coarseSide is the long side of Coarse.
const coarseSide = 128

// Coarse returns the luminance box-averaged to a long side of at most
// 128: windows hash several times faster on it, a few bits less exactly,
// for a first search. It is made anew on each call, so a Luma shared by
// several checks is never written.
func (l *Luma) Coarse() *Luma {
	if c := l.g.shrinkTo(coarseSide); c != l.g {
		return &Luma{g: c}
	}
	return l
}

// Bytes is the memory the luminance takes.
func (l *Luma) Bytes() int { return 4 * len(l.g.v) }

// shrinkTo box-averages the grid by the smallest whole factor that brings
// its long side to at most side.
func (g *lumaGrid) shrinkTo(side int) *lumaGrid {
	return g.boxDown((max(g.w, g.h) + side - 1) / side)
}

// shrink box-averages the grid by the largest whole factor that keeps its
// long side at least side (itself when there is none).
func (g *lumaGrid) shrink(side int) *lumaGrid {
	return g.boxDown(max(g.w, g.h) / max(1, side))
}

func (g *lumaGrid) boxDown(f int) *lumaGrid {
	if f <= 1 {
		return g
	}
	cw, ch := max(1, g.w/f), max(1, g.h/f)
	c := &lumaGrid{w: cw, h: ch, v: make([]float32, cw*ch)}
	inv := 1 / float32(f*f)
	for y := 0; y < ch; y++ {
		for x := 0; x < cw; x++ {
			var sum float32
			for dy := 0; dy < f; dy++ {
				row := g.v[(y*f+dy)*g.w+x*f:]
				for dx := 0; dx < f; dx++ {
					sum += row[dx]
				}
			}
			c.v[y*cw+x] = sum * inv
		}
	}
	return c
}

// Size is the grid's width and height.
func (l *Luma) Size() (w, h int) { return l.g.w, l.g.h }

// maxLumaFrames bounds the frames of one clip that keep their luminance
// (230 KB each at the default frame size).
const maxLumaFrames = 120

// HashWindow hashes the part of the frame in r (relative coordinates; it
// may reach past the frame by rounding, and is clamped), resampled from the
// kept luminance.
func (h *FrameHasher) HashWindow(l *Luma, r Rect) (pdq.Hash, int) {
	return h.HashWindowTurned(l, r, 0)
}

// HashWindowTurned hashes window r of the frame turned by deg degrees about
// its centre (the direction of rotatedViews' angles): what a repost tilted
// by -deg and then cropped shows of the original.
func (h *FrameHasher) HashWindowTurned(l *Luma, r Rect, deg float64) (pdq.Hash, int) {
	g := l.g
	x0, y0 := r.X0*float64(g.w), r.Y0*float64(g.h)
	x1, y1 := r.X1*float64(g.w), r.Y1*float64(g.h)
	cw, ch := int(math.Round(x1-x0)), int(math.Round(y1-y0))
	if cw < pdq.MinDim || ch < pdq.MinDim {
		return pdq.Hash{}, 0
	}
	if cap(h.rot) < cw*ch {
		h.rot = make([]float32, cw*ch)
	}
	buf := h.rot[:cw*ch]
	sx, sy := (x1-x0)/float64(cw), (y1-y0)/float64(ch)
	if deg == 0 {
		for v := 0; v < ch; v++ {
			y := y0 + (float64(v)+0.5)*sy - 0.5
			for u := 0; u < cw; u++ {
				buf[v*cw+u] = g.bilinear(x0+(float64(u)+0.5)*sx-0.5, y)
			}
		}
		return h.pdq.FromLuma(buf, cw, ch)
	}
	sin, cos := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(g.w)/2, float64(g.h)/2
	for v := 0; v < ch; v++ {
		dy := y0 + (float64(v)+0.5)*sy - cy
		for u := 0; u < cw; u++ {
			dx := x0 + (float64(u)+0.5)*sx - cx
			buf[v*cw+u] = g.bilinear(cx+dx*cos-dy*sin-0.5, cy+dx*sin+dy*cos-0.5)
		}
	}
	return h.pdq.FromLuma(buf, cw, ch)
}
