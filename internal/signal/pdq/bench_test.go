package pdq

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// benchImage1600x1004 is the reference's full-size bridge photo when the
// shared reference set is present, otherwise a generated picture of the
// same size.
func benchImage1600x1004(b *testing.B) *image.RGBA {
	if dir, err := sharedReferenceDir(); err == nil {
		if f, err := os.Open(filepath.Join(dir, "images", "bridge-mods__aaa-orig.png")); err == nil {
			defer f.Close()
			if img, err := png.Decode(f); err == nil && img.Bounds().Dx() == 1600 && img.Bounds().Dy() == 1004 {
				if m, ok := img.(*image.RGBA); ok {
					return m
				}
				return toRGBA(img)
			}
		}
	}
	return synthetic(1600, 1004, 42)
}

func BenchmarkFromImage1600x1004(b *testing.B) {
	img := benchImage1600x1004(b)
	h := NewHasher()
	b.ReportAllocs()
	for b.Loop() {
		h.FromImage(img)
	}
}

// BenchmarkFromImage480x302 is a photo below the 512-pixel resize limit, so
// the whole image goes through the blur.
func BenchmarkFromImage480x302(b *testing.B) {
	img := synthetic(480, 302, 43)
	h := NewHasher()
	b.ReportAllocs()
	for b.Loop() {
		h.FromImage(img)
	}
}

// BenchmarkFromLuma64 hashes a 320×180 luminance frame, the size video
// frames are sampled at. The copy restores the buffer FromLuma overwrites.
func BenchmarkFromLuma64(b *testing.B) {
	frame := refLuma(synthetic(320, 180, 44))
	buf := make([]float32, len(frame))
	h := NewHasher()
	b.ReportAllocs()
	for b.Loop() {
		copy(buf, frame)
		h.FromLuma(buf, 320, 180)
	}
}

// BenchmarkFromLuma64x64 hashes a frame already scaled to 64×64.
func BenchmarkFromLuma64x64(b *testing.B) {
	frame := refLuma(synthetic(64, 64, 45))
	buf := make([]float32, len(frame))
	h := NewHasher()
	b.ReportAllocs()
	for b.Loop() {
		copy(buf, frame)
		h.FromLuma(buf, 64, 64)
	}
}

func BenchmarkDihedral(b *testing.B) {
	img := synthetic(480, 302, 46)
	h := NewHasher()
	b.ReportAllocs()
	for b.Loop() {
		h.DihedralFromImage(img)
	}
}

// BenchmarkFromImageYCbCr is a decoded JPEG-like photo above the resize
// limit.
func BenchmarkFromImageYCbCr(b *testing.B) {
	src := synthetic(1920, 1080, 47)
	yc := image.NewYCbCr(src.Rect, image.YCbCrSubsampleRatio420)
	for y := 0; y < 1080; y++ {
		for x := 0; x < 1920; x++ {
			o := src.PixOffset(x, y)
			yy, cb, cr := color.RGBToYCbCr(src.Pix[o], src.Pix[o+1], src.Pix[o+2])
			yc.Y[yc.YOffset(x, y)] = yy
			ci := yc.COffset(x, y)
			yc.Cb[ci], yc.Cr[ci] = cb, cr
		}
	}
	h := NewHasher()
	b.ReportAllocs()
	for b.Loop() {
		h.FromImage(yc)
	}
}

func BenchmarkFromImageParallel(b *testing.B) {
	img := benchImage1600x1004(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			FromImage(img)
		}
	})
}
