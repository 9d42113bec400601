package picture

import (
	"context"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/provcheck/provcheck/internal/luma"
)

// boundaryValuesLoop is edgeLines.boundaryValues position by position, as
// it was first written: the reference the line-at-a-time version must
// equal.
func boundaryValuesLoop(ln *edgeLines) (step, tex []float32) {
	n, along, planes, detail := ln.n, ln.along, ln.planes, ln.detail
	step = make([]float32, (n+1)*along)
	tex = make([]float32, (n+1)*along)
	vals := make([]float32, len(planes))
	tvals := make([]float32, len(planes))
	for b := 1; b < n; b++ {
		for i := 0; i < along; i++ {
			for k, pl := range planes {
				vals[k] = abs32(pl[b*along+i] - pl[(b-1)*along+i])
				var above, below float32
				na, nb := 0, 0
				d := detail[k]
				for o := 1; o <= edgeBand; o++ {
					if b-o >= 0 {
						above += d[(b-o)*along+i]
						na++
					}
					if b+o-1 < n {
						below += d[(b+o-1)*along+i]
						nb++
					}
				}
				a, z := above/float32(na), below/float32(nb)
				tvals[k] = 0
				if max(a, z) >= sharpRatio*min(a, z) {
					tvals[k] = abs32(a - z)
				}
			}
			step[b*along+i] = medianCopy(vals)
			tex[b*along+i] = medianCopy(tvals)
		}
	}
	return step, tex
}

// edgeLinesLoop is newEdgeLines cell by cell: the reference for its lines
// and their detail.
func edgeLinesLoop(grids []*luma.Grid, horizontal bool) *edgeLines {
	w, h := grids[0].W, grids[0].H
	n, along := h, w
	if !horizontal {
		n, along = w, h
	}
	ln := &edgeLines{n: n, along: along}
	for _, g := range grids {
		pl := make([]float32, n*along)
		for b := 0; b < n; b++ {
			for i := 0; i < along; i++ {
				if horizontal {
					pl[b*along+i] = g.At(i, b)
				} else {
					pl[b*along+i] = g.At(b, i)
				}
			}
		}
		d := make([]float32, n*along)
		for b := 0; b < n; b++ {
			for i := 0; i < along; i++ {
				lo, hi := max(0, i-1), min(along-1, i+1)
				d[b*along+i] = abs32(pl[b*along+hi]-pl[b*along+lo]) / float32(max(1, hi-lo))
			}
		}
		ln.planes = append(ln.planes, pl)
		ln.detail = append(ln.detail, d)
	}
	return ln
}

// marksLoop is edgeLines.marks position by position: the largest value
// of every window scanned, each position's peak tested, the prefix sums
// counted.
func marksLoop(n, along int, step, tex []float32) *edgeMap {
	peak := func(v []float32, b, i int, floor float32) bool {
		best := v[b*along+i]
		for o := max(1, b-peakReach); o <= min(n-1, b+peakReach); o++ {
			best = max(best, v[o*along+i])
		}
		if best < floor {
			return false
		}
		x := v[b*along+i]
		if x >= best {
			return true
		}
		return 2*x >= best && (b > 1 && v[(b-1)*along+i] >= best || b < n-1 && v[(b+1)*along+i] >= best)
	}
	m := &edgeMap{n: n, along: along, mark: make([]int, (n+1)*(along+1))}
	for b := 1; b < n; b++ {
		for i := 0; i < along; i++ {
			c := m.mark[b*(along+1)+i]
			if peak(step, b, i, stepFloor) || peak(tex, b, i, texFloor) {
				c++
			}
			m.mark[b*(along+1)+i+1] = c
		}
	}
	return m
}

// newEdgeMapLoop is newEdgeMap with every stage position by position.
func newEdgeMapLoop(_ context.Context, grids []*luma.Grid, horizontal bool) *edgeMap {
	ln := edgeLinesLoop(grids, horizontal)
	step, tex := boundaryValuesLoop(ln)
	return marksLoop(ln.n, ln.along, step, tex)
}

// sameBits reports whether a and b hold the same float32 values bit for
// bit.
func sameBits(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

func medianCopy(v []float32) float32 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// edgeGrid is a w×h grid of pasted rectangles over noise, with a few
// values drawn from a handful of levels so that ties occur.
func edgeGrid(rng *rand.Rand, w, h int) *luma.Grid {
	g := &luma.Grid{W: w, H: h, V: make([]float32, w*h)}
	for i := range g.V {
		g.V[i] = float32(rng.IntN(8)) * 4
	}
	for range 3 {
		x0, y0 := rng.IntN(w), rng.IntN(h)
		x1, y1 := x0+rng.IntN(w-x0)+1, y0+rng.IntN(h-y0)+1
		level := float32(rng.IntN(256))
		smooth := rng.IntN(2) == 0
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				if smooth {
					g.V[y*w+x] = level
				} else {
					g.V[y*w+x] += level / 2
				}
			}
		}
	}
	return g
}

// TestEdgeMapSameAsLoop: the edge map built a line at a time equals the
// one built position by position, mark for mark, for one grid (a still)
// and for several (a clip's median), both orientations, sizes down to one
// line; and so do the lines, their detail and the boundary values on the
// way, bit for bit.
func TestEdgeMapSameAsLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ctx := context.Background()
	for _, size := range [][2]int{{1, 1}, {2, 3}, {7, 5}, {3, 9}, {32, 18}, {64, 48}, {33, 64}, {256, 192}} {
		for _, frames := range []int{1, 2, 3, 5} {
			for round := range 4 {
				grids := make([]*luma.Grid, frames)
				for k := range grids {
					grids[k] = edgeGrid(rng, size[0], size[1])
					if round == 3 {
						// Values that round in sums, so an order
						// of additions changed shows.
						for i := range grids[k].V {
							grids[k].V[i] = rng.Float32() * 255
						}
					}
				}
				for _, horizontal := range []bool{true, false} {
					got, want := newEdgeMap(ctx, grids, horizontal), newEdgeMapLoop(ctx, grids, horizontal)
					if got.n != want.n || got.along != want.along || !slices.Equal(got.mark, want.mark) {
						t.Fatalf("%dx%d, %d grids, round %d, horizontal %v: maps differ", size[0], size[1], frames, round, horizontal)
					}
					// The stages on the way, bit for bit.
					ln, lnWant := newEdgeLines(grids, horizontal), edgeLinesLoop(grids, horizontal)
					for k := range grids {
						if !sameBits(ln.planes[k][:ln.n*ln.along], lnWant.planes[k]) || !sameBits(ln.detail[k], lnWant.detail[k]) {
							t.Fatalf("%dx%d, %d grids, round %d, horizontal %v: lines of grid %d differ", size[0], size[1], frames, round, horizontal, k)
						}
					}
					step, tex := ln.boundaryValues(ctx)
					stepWant, texWant := boundaryValuesLoop(lnWant)
					if !sameBits(step, stepWant) || !sameBits(tex, texWant) {
						t.Fatalf("%dx%d, %d grids, round %d, horizontal %v: boundary values differ", size[0], size[1], frames, round, horizontal)
					}
				}
			}
		}
	}
}

// BenchmarkEdgeMap builds both orientations' maps of a proposal-sized
// grid with this version and the position-by-position reference, in the
// same run:
//
//	go test ./internal/picture -run '^$' -bench EdgeMap
func BenchmarkEdgeMap(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	ctx := context.Background()
	for _, frames := range []int{1, 5} {
		grids := make([]*luma.Grid, frames)
		for k := range grids {
			grids[k] = edgeGrid(rng, ProposalGridSide, ProposalGridSide*3/4)
		}
		for _, impl := range []struct {
			name  string
			build func(context.Context, []*luma.Grid, bool) *edgeMap
		}{{"lines", newEdgeMap}, {"positions", newEdgeMapLoop}} {
			b.Run(fmt.Sprintf("grids=%d/%s", frames, impl.name), func(b *testing.B) {
				for b.Loop() {
					impl.build(ctx, grids, true)
					impl.build(ctx, grids, false)
				}
			})
		}
	}
}

// detailPrefixLoop is detailPrefix as first written, g.At for every cell
// of every grid: the reference the row-at-a-time version must equal.
func detailPrefixLoop(grids []*luma.Grid) []int {
	w, h := grids[0].W, grids[0].H
	out := make([]int, (w+1)*(h+1))
	vals := make([]float32, len(grids))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			for k, g := range grids {
				v := g.At(x, y)
				dx := math.Abs(float64(g.At(min(w-1, x+1), y) - v))
				dy := math.Abs(float64(g.At(x, min(h-1, y+1)) - v))
				vals[k] = float32(dx + dy)
			}
			d := 0
			slices.Sort(vals)
			if vals[len(vals)/2] >= detailLevel {
				d = 1
			}
			out[(y+1)*(w+1)+x+1] = out[y*(w+1)+x+1] + out[(y+1)*(w+1)+x] - out[y*(w+1)+x] + d
		}
	}
	return out
}

// detailGrid is a random grid whose steps are often near detailLevel, so
// that the test below sees cells on either side of it.
func detailGrid(rng *rand.Rand, w, h int) *luma.Grid {
	g := &luma.Grid{W: w, H: h, V: make([]float32, w*h)}
	for i := range g.V {
		g.V[i] = float32(rng.IntN(5)) * 0.5
		if rng.IntN(8) == 0 {
			g.V[i] = rng.Float32() * 255
		}
	}
	return g
}

// TestDetailPrefixSameAsLoop: detailPrefix equals the cell-by-cell
// reference for one grid and several, sizes down to one cell.
func TestDetailPrefixSameAsLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	ctx := context.Background()
	for _, size := range [][2]int{{1, 1}, {1, 5}, {6, 1}, {2, 3}, {7, 5}, {32, 18}, {33, 64}, {256, 192}} {
		for _, frames := range []int{1, 2, 3, 5} {
			for round := range 3 {
				grids := make([]*luma.Grid, frames)
				for k := range grids {
					if round == 0 {
						grids[k] = edgeGrid(rng, size[0], size[1])
					} else {
						grids[k] = detailGrid(rng, size[0], size[1])
					}
				}
				if got, want := detailPrefix(ctx, grids), detailPrefixLoop(grids); !slices.Equal(got, want) {
					t.Fatalf("%dx%d, %d grids, round %d: prefix sums differ", size[0], size[1], frames, round)
				}
			}
		}
	}
}

// BenchmarkDetailPrefix: detailPrefix against the cell-by-cell reference
// on a proposal-sized grid, in the same run.
func BenchmarkDetailPrefix(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 12))
	ctx := context.Background()
	for _, frames := range []int{1, 5} {
		grids := make([]*luma.Grid, frames)
		for k := range grids {
			grids[k] = edgeGrid(rng, ProposalGridSide, ProposalGridSide*3/4)
		}
		b.Run(fmt.Sprintf("grids=%d/rows", frames), func(b *testing.B) {
			for b.Loop() {
				detailPrefix(ctx, grids)
			}
		})
		b.Run(fmt.Sprintf("grids=%d/cells", frames), func(b *testing.B) {
			for b.Loop() {
				detailPrefixLoop(grids)
			}
		})
	}
}

// BenchmarkProposeRects: the whole of proposeRects (both edge maps, their
// segments, the detail prefix sums, the rectangles) on a proposal-sized
// grid with pasted rectangles:
//
//	go test ./internal/picture -run '^$' -bench ProposeRects
func BenchmarkProposeRects(b *testing.B) {
	rng := rand.New(rand.NewPCG(13, 14))
	ctx := context.Background()
	for _, frames := range []int{1, 5} {
		grids := make([]*luma.Grid, frames)
		for k := range grids {
			grids[k] = edgeGrid(rng, ProposalGridSide, ProposalGridSide*3/4)
		}
		b.Run(fmt.Sprintf("grids=%d", frames), func(b *testing.B) {
			var rects []image.Rectangle
			for b.Loop() {
				rects = proposeRects(ctx, grids, MaxProposals)
			}
			b.ReportMetric(float64(len(rects)), "rects")
		})
	}
}
