//go:build !amd64 || purego

package views

// hasVector is false: Turned samples one cell at a time.
const hasVector = false

func turned8(colX, colY *float64, n8 int, dySin, dyCos float64, v *float32, w, last int, out *float32) {
	panic("views: turned8 without vector instructions")
}

func warp8(xs *float64, n8 int, r *warpRow, v *float32, w int, out *float32) {
	panic("views: warp8 without vector instructions")
}
