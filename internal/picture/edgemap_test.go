package picture

import (
	"context"
	"fmt"
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

// newEdgeMapLoop is newEdgeMap with the reference boundary values.
func newEdgeMapLoop(_ context.Context, grids []*luma.Grid, horizontal bool) *edgeMap {
	ln := newEdgeLines(grids, horizontal)
	step, tex := boundaryValuesLoop(ln)
	return ln.marks(step, tex)
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
// line.
func TestEdgeMapSameAsLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ctx := context.Background()
	for _, size := range [][2]int{{1, 1}, {2, 3}, {7, 5}, {32, 18}, {64, 48}, {33, 64}} {
		for _, frames := range []int{1, 2, 3, 5} {
			for round := range 4 {
				grids := make([]*luma.Grid, frames)
				for k := range grids {
					grids[k] = edgeGrid(rng, size[0], size[1])
				}
				for _, horizontal := range []bool{true, false} {
					got, want := newEdgeMap(ctx, grids, horizontal), newEdgeMapLoop(ctx, grids, horizontal)
					if got.n != want.n || got.along != want.along || !slices.Equal(got.mark, want.mark) {
						t.Fatalf("%dx%d, %d grids, round %d, horizontal %v: maps differ", size[0], size[1], frames, round, horizontal)
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
