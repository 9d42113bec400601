//go:build amd64 && !purego

package views

import "golang.org/x/sys/cpu"

// hasVector: the processor has AVX-512 (8 float64 lanes, and its
// registers beyond the sixteenth for 256-bit lanes) and AVX2's gathers,
// which turned8 uses.
var hasVector = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL && cpu.X86.HasAVX2

// turned8 is the inner loop of Turned over n8 cells of a row (a multiple
// of 8), 8 a step: cell u's source is (colX[u] − dySin − 0.5, colY[u] +
// dyCos − 0.5), which must lie inside g away from its last row and
// column; v and w are g's cells and width, and last the last index of
// v a cell's four may start at (indexes are clamped to [0, last], so no
// read leaves v). The same operations in the
// same order as Turned's scalar loop, so the same cells bit for bit.
//
//go:noescape
func turned8(colX, colY *float64, n8 int, dySin, dyCos float64, v *float32, w, last int, out *float32)

// warp8 is the inner loop of WarpedProjective over n8 cells of a row (a
// multiple of 8), 8 a step: cell u samples g (cells v, width w) at
// Projective.At of column u's registered x xs[u] and the row's terms in r,
// as luma.Grid.Bilinear does (clamped to the grid), with the same
// operations in the same order.
//
//go:noescape
func warp8(xs *float64, n8 int, r *warpRow, v *float32, w int, out *float32)
