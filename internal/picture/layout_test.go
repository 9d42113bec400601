package picture

import (
	"image"
	"testing"

	"github.com/provcheck/provcheck/internal/luma"
	"github.com/provcheck/provcheck/internal/testmedia"
)

// TestRowLumaMatchesPixelLuma: the row fast paths read the same values as
// the per-pixel path, for whole images and sub-images of each type.
func TestRowLumaMatchesPixelLuma(t *testing.T) {
	src := testmedia.Picture(9, 64, 48)
	sub := src.SubImage(image.Rect(5, 7, 50, 40))
	ycc := image.NewYCbCr(image.Rect(0, 0, 64, 48), image.YCbCrSubsampleRatio420)
	for i := range ycc.Y {
		ycc.Y[i] = uint8(i * 7)
	}
	for _, img := range []image.Image{src, sub, ycc, ycc.SubImage(image.Rect(3, 4, 40, 30))} {
		b := img.Bounds()
		var xs []int
		for x := b.Min.X; x < b.Max.X; x += 2 {
			xs = append(xs, x)
		}
		row := make([]float32, len(xs))
		for y := b.Min.Y; y < b.Max.Y; y++ {
			luma.Row(img, y, xs, row)
			for i, x := range xs {
				if row[i] != luma.Pixel(img, x, y) {
					t.Fatalf("%T (%d,%d): %v != %v", img, x, y, row[i], luma.Pixel(img, x, y))
				}
			}
		}
	}
}
