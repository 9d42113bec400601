//go:build !amd64 || purego

package jpegdec

// hasVector is false: idct4 transforms one value at a time.
const hasVector = false

func idct4x(in *float32, dst *uint8, stride int, tab *idct4Table) {
	panic("jpegdec: idct4x without vector instructions")
}
