package views

import (
	"math"
	"strconv"

	"github.com/provcheck/provcheck/internal/luma"
)

// Rotated views: a repost tilted by a few degrees (a phone held askew, a
// "cinematic" tilt, a screen filmed by hand) moves a PDQ hash by 50–90 bits
// at 4°. The query frame is turned back by a ladder of small angles and the
// centre of the result — where the rotation left no corners — is hashed;
// it is compared with the registered centre zoom of the same size
// (zoom80). A rung is at most half a step (0.75°) off; on four real photos
// a whole degree off cost 6–26 bits.

// MaxTilt is the largest tilt (degrees, either way) a checked frame is
// turned back by in its turned views: more finds reposts tilted further, at the cost of hashes on
// every frame and of more chances for an unrelated picture to come near.
const MaxTilt = 6.0

// RotationStep is the step of RotationAngles: a turned view is hashed as it
// is, so its angle must be close — at most half a step (0.75°) off; a whole
// degree off cost 6–26 bits. A smaller step costs more hashes a frame.
const RotationStep = 1.5

// TiltLadder returns the angles from -MaxTilt to MaxTilt in steps of step,
// with 0 when zero is set: the one ladder turned views take their angles
// from.
func TiltLadder(step float64, zero bool) []float64 {
	n := int(math.Round(MaxTilt / step))
	var out []float64
	for i := -n; i <= n; i++ {
		if i != 0 || zero {
			out = append(out, float64(i)*step)
		}
	}
	return out
}

// RotationAngles are the angles (degrees) a query frame is turned back by.
// Angle 0 is the plain centre, which also leaves out what a repost puts in
// the corners and along the edges (a channel badge, a handle, a news
// ticker).
var RotationAngles = TiltLadder(RotationStep, true)

// RotationZoom is the centre share of the frame hashed after turning, and
// must equal a registered zoom view's.
const RotationZoom = 0.8

// GridSide is the longest side of the luminance grid rotated and kept
// for guided matching (video frames, decoded smaller, are used at their
// size).
const GridSide = 512

// TurnedSide is the longest side of the grid the turned views are hashed
// from: half of GridSide, a quarter of the pixels to turn, and the turned
// views do as well from it.
const TurnedSide = GridSide / 2

// RotationNames are the view names of RotationAngles.
var RotationNames = func() []string {
	out := make([]string, len(RotationAngles))
	for i, a := range RotationAngles {
		out[i] = "rotate" + strconv.FormatFloat(a, 'f', -1, 64)
		if a == 0 {
			out[i] = "centre80"
		}
	}
	return out
}()

// TurnedSize is the size of the turned centre of g (see Turned); ok is
// false when g is too small to turn.
func TurnedSize(g *luma.Grid) (cw, ch int, ok bool) {
	if g.W < 16 || g.H < 16 {
		return 0, 0, false
	}
	return int(float64(g.W) * RotationZoom), int(float64(g.H) * RotationZoom), true
}

// Turned fills buf (cw×ch, from TurnedSize) with the centre of g turned by
// deg degrees (counter-clockwise positive, about the centre), undoing a tilt
// the other way.
//
// Each cell is g.Bilinear at the cell's source, written out here with the
// same operations in the same order, so the result is the same bit for
// bit: the source's terms that depend only on the column (cx + dx·cos,
// cy + dx·sin) or only on the row (dy·sin, dy·cos) are computed once, and
// the sums formed in the order ((cx + dx·cos) - dy·sin) - 0.5 as before.
// Every product is rounded on its own (explicit conversions forbid fusing
// a product into a sum, which Go allows otherwise: arm64 does it), so the
// two agree, and a turned view is the same, on every architecture.
func Turned(g *luma.Grid, deg float64, buf []float32, cw, ch int) {
	cx, cy := float64(g.W)/2, float64(g.H)/2
	sin, cos := math.Sincos(deg * math.Pi / 180)
	// colX[u] = cx + dx·cos, colY[u] = cy + dx·sin for column u.
	cols := make([]float64, 2*cw)
	colX, colY := cols[:cw:cw], cols[cw:]
	for u := range colX {
		dx := float64(u) + 0.5 - float64(cw)/2
		colX[u] = cx + float64(dx*cos)
		colY[u] = cy + float64(dx*sin)
	}
	w, v := g.W, g.V
	xMax, yMax := float64(g.W-1), float64(g.H-1)
	for r := 0; r < ch; r++ {
		dy := float64(r) + 0.5 - float64(ch)/2
		dySin, dyCos := float64(dy*sin), float64(dy*cos)
		out := buf[r*cw : (r+1)*cw]
		colX, colY := colX[:len(out)], colY[:len(out)]
		// The cells whose source lies inside g away from its last row
		// and column are one run [lo, hi) of the row: along it the
		// source's x and y each change one way (every rounding step is
		// monotonic), so each of the four bounds holds on one run.
		lo, hi := 0, len(out)
		for ; lo < hi; lo++ {
			x, y := colX[lo]-dySin-0.5, colY[lo]+dyCos-0.5
			if x >= 0 && x < xMax && y >= 0 && y < yMax {
				break
			}
			out[lo] = g.Bilinear(x, y)
		}
		for ; hi > lo; hi-- {
			x, y := colX[hi-1]-dySin-0.5, colY[hi-1]+dyCos-0.5
			if x >= 0 && x < xMax && y >= 0 && y < yMax {
				break
			}
			out[hi-1] = g.Bilinear(x, y)
		}
		if n8 := (hi - lo) &^ 7; hasVector && n8 > 0 {
			turned8(&colX[lo], &colY[lo], n8, dySin, dyCos, &v[0], w, len(v)-w-2, &out[lo])
			lo += n8
		}
		for u := lo; u < hi; u++ {
			// The source of output cell (dx, dy): turned back by deg.
			x := colX[u] - dySin - 0.5
			y := colY[u] + dyCos - 0.5
			if !(x >= 0 && x < xMax && y >= 0 && y < yMax) {
				out[u] = g.Bilinear(x, y)
				continue
			}
			// g.Bilinear(x, y) away from the last row and column: the
			// clamps leave x and y as they are (neither is -0, being a
			// difference with 0.5), and x+1, y+1 are cells.
			x0, y0 := int(x), int(y)
			fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
			i := y0*w + x0
			p := v[i : i+w+2]
			top := float32(p[0]*(1-fx)) + float32(p[1]*fx)
			bot := float32(p[w]*(1-fx)) + float32(p[w+1]*fx)
			out[u] = float32(top*(1-fy)) + float32(bot*fy)
		}
	}
}
