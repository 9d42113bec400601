// Package luma holds the small luminance grid every stage that looks at
// pixels works on: finding the picture, turned views, windows of a kept
// frame.
package luma

import "image"

// Grid is a small luminance image: W×H cells of V, row by row, on the 0–255
// scale.
type Grid struct {
	W, H int
	V    []float32
}

// At is the cell (x, y).
func (g *Grid) At(x, y int) float32 { return g.V[y*g.W+x] }

// New box-averages img into a grid whose long side is at most side.
func New(img image.Image, side int) *Grid {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return &Grid{}
	}
	scale := max(1, float64(max(w, h))/float64(side))
	gw, gh := max(1, int(float64(w)/scale)), max(1, int(float64(h)/scale))
	g := &Grid{W: gw, H: gh, V: make([]float32, gw*gh)}
	// Sample at most ~4 pixels per grid cell per axis: large stills need
	// not be read whole for a layout.
	stepX := max(1, int(scale/4))
	stepY := max(1, int(scale/4))
	// The sampled columns, their cells, and how many fall in each cell;
	// the same for rows. A cell's count is the product.
	var xs, gxs []int
	cols, rows := make([]int, gw), make([]int, gh)
	for x := 0; x < w; x += stepX {
		gx := min(gw-1, int(float64(x)/scale))
		xs, gxs = append(xs, b.Min.X+x), append(gxs, gx)
		cols[gx]++
	}
	row := make([]float32, len(xs))
	for y := 0; y < h; y += stepY {
		gy := min(gh-1, int(float64(y)/scale))
		rows[gy]++
		Row(img, b.Min.Y+y, xs, row)
		v := g.V[gy*gw : (gy+1)*gw]
		if len(gxs) < 4*gw {
			for i, gx := range gxs {
				v[gx] += row[i]
			}
			continue
		}
		// Runs of 4 or more samples a cell: each run summed in a
		// register, in the same order as one at a time into the cell,
		// without waiting on the cell's store each time.
		for i := 0; i < len(gxs); {
			gx := gxs[i]
			acc := v[gx]
			for ; i < len(gxs) && gxs[i] == gx; i++ {
				acc += row[i]
			}
			v[gx] = acc
		}
	}
	for gy := range gh {
		v := g.V[gy*gw : (gy+1)*gw]
		for gx, nx := range cols {
			if n := rows[gy] * nx; n > 0 {
				v[gx] /= float32(n)
			}
		}
	}
	return g
}

// Row sets dst[i] to the luminance of pixel (xs[i], y).
func Row(img image.Image, y int, xs []int, dst []float32) {
	switch m := img.(type) {
	case *image.YCbCr:
		off := m.YOffset(0, y) // where x = 0 would be; x is added
		for i, x := range xs {
			dst[i] = float32(m.Y[off+x])
		}
	case *image.RGBA:
		base := m.PixOffset(0, y)
		for i, x := range xs {
			p := m.Pix[base+4*x : base+4*x+3 : base+4*x+3]
			dst[i] = 0.299*float32(p[0]) + 0.587*float32(p[1]) + 0.114*float32(p[2])
		}
	case *image.NRGBA:
		base := m.PixOffset(0, y)
		for i, x := range xs {
			p := m.Pix[base+4*x : base+4*x+3 : base+4*x+3]
			dst[i] = 0.299*float32(p[0]) + 0.587*float32(p[1]) + 0.114*float32(p[2])
		}
	default:
		for i, x := range xs {
			dst[i] = Pixel(img, x, y)
		}
	}
}

// Pixel is the luminance of pixel (x, y).
func Pixel(img image.Image, x, y int) float32 {
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

// ShrinkTo box-averages the grid by the smallest whole factor that brings
// its long side to at most side.
func (g *Grid) ShrinkTo(side int) *Grid {
	return g.BoxDown((max(g.W, g.H) + side - 1) / side)
}

// Shrink box-averages the grid by the largest whole factor that keeps its
// long side at least side (itself when there is none).
func (g *Grid) Shrink(side int) *Grid {
	return g.BoxDown(max(g.W, g.H) / max(1, side))
}

// BoxDown box-averages the grid by f on both axes (itself when f ≤ 1).
func (g *Grid) BoxDown(f int) *Grid {
	if f <= 1 {
		return g
	}
	cw, ch := max(1, g.W/f), max(1, g.H/f)
	c := &Grid{W: cw, H: ch, V: make([]float32, cw*ch)}
	inv := 1 / float32(f*f)
	for y := 0; y < ch; y++ {
		for x := 0; x < cw; x++ {
			var sum float32
			for dy := 0; dy < f; dy++ {
				row := g.V[(y*f+dy)*g.W+x*f:]
				for dx := 0; dx < f; dx++ {
					sum += row[dx]
				}
			}
			c.V[y*cw+x] = sum * inv
		}
	}
	return c
}

// Bilinear samples the grid at (x, y) in cell coordinates (cell centres at
// integers), clamping at the edges.
func (g *Grid) Bilinear(x, y float64) float32 {
	x = min(max(x, 0), float64(g.W-1))
	y = min(max(y, 0), float64(g.H-1))
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, g.W-1), min(y0+1, g.H-1)
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	// Each product is rounded on its own (the conversions forbid fusing
	// it into the sum), so the sample is the same on every architecture.
	top := float32(g.At(x0, y0)*(1-fx)) + float32(g.At(x1, y0)*fx)
	bot := float32(g.At(x0, y1)*(1-fx)) + float32(g.At(x1, y1)*fx)
	return float32(top*(1-fy)) + float32(bot*fy)
}

// Size is the grid's width and height.
func (g *Grid) Size() (w, h int) { return g.W, g.H }

// Bytes is the memory the grid's cells take.
func (g *Grid) Bytes() int { return 4 * len(g.V) }

// CoarseSide is the long side of Coarse.
const CoarseSide = 128

// Coarse returns the grid box-averaged to a long side of at most
// CoarseSide: windows hash several times faster on it, a few bits less
// exactly, for a first search. It is made anew on each call (or is g
// itself), so a grid shared by several checks is never written.
func (g *Grid) Coarse() *Grid { return g.ShrinkTo(CoarseSide) }
