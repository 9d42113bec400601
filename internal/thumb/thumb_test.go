package thumb

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"syscall"
	"testing"
	"time"
)

func picture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	return img
}

func TestJPEG(t *testing.T) {
	for _, tc := range []struct{ w, h, wantW, wantH int }{
		{1280, 720, 160, 90},
		{320, 180, 160, 90},
		{180, 320, 90, 160},
		{4000, 3000, 160, 120},
		{100, 50, 100, 50},
		{2000, 1, 160, 1},
	} {
		b, err := JPEG(picture(tc.w, tc.h))
		if err != nil {
			t.Fatal(err)
		}
		if err := Check(b); err != nil {
			t.Errorf("%dx%d: own thumbnail refused: %v", tc.w, tc.h, err)
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width != tc.wantW || cfg.Height != tc.wantH {
			t.Errorf("%dx%d: got %dx%d (%v), want %dx%d", tc.w, tc.h, cfg.Width, cfg.Height, err, tc.wantW, tc.wantH)
		}
	}
}

func TestCheckRefuses(t *testing.T) {
	big, _ := Encode(picture(400, 100))
	for name, b := range map[string][]byte{
		"empty":    nil,
		"not jpeg": []byte("<script>alert(1)</script>"),
		"too wide": big,
		"too long": append([]byte{0xff, 0xd8}, make([]byte, MaxBytes)...),
	} {
		if err := Check(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func BenchmarkScale1280x720(b *testing.B) {
	img := picture(1280, 720)
	for b.Loop() {
		Scale(img)
	}
}

func BenchmarkJPEG1280x720(b *testing.B) {
	img := picture(1280, 720)
	for b.Loop() {
		if _, err := JPEG(img); err != nil {
			b.Fatal(err)
		}
	}
}

// A registered video frame (decoded at 320 px): what registration adds per
// sampled frame.
func BenchmarkJPEG320x180(b *testing.B) {
	img := picture(320, 180)
	cpu0 := processCPU()
	n := 0
	for b.Loop() {
		if _, err := JPEG(img); err != nil {
			b.Fatal(err)
		}
		n++
	}
	// CPU time: the figure to trust on a shared machine.
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(n), "cpu-ms/op")
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The RGBA fast path gives the same thumbnail as the general one.
func TestScaleRGBAFastPath(t *testing.T) {
	src := picture(333, 187)
	sub := src.SubImage(image.Rect(5, 7, 333, 187)).(*image.RGBA)
	for _, img := range []*image.RGBA{src, sub} {
		fast := Scale(img)
		slow := Scale(struct{ image.Image }{img}) // hides the type: the general path
		if !fast.Bounds().Eq(slow.Bounds()) || !bytes.Equal(fast.Pix, slow.Pix) {
			t.Errorf("%v: the RGBA path differs from the general one", img.Bounds())
		}
	}
}
