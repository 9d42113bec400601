package jpegdec

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/provcheck/provcheck/internal/testmedia"
)

// small lists the test files (see testdata/gen.sh) and what they hold.
var small = []struct {
	file        string
	progressive bool
	gray        bool
}{
	{"base420.jpg", false, false},
	{"base444.jpg", false, false},
	{"base422.jpg", false, false},
	{"base440.jpg", false, false},
	{"gray.jpg", false, true},
	{"restart.jpg", false, false},
	{"optimized.jpg", false, false},
	{"prog420.jpg", true, false},
	{"prog444.jpg", true, false},
	{"proggray.jpg", true, true},
}

func read(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func luma(c color.Color) float64 {
	switch v := c.(type) {
	case color.Gray:
		return float64(v.Y)
	case color.YCbCr:
		return float64(v.Y)
	}
	r, g, b, _ := c.RGBA()
	return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 257
}

// cellMean is the mean luminance (Y) of the s×s cell of ref at (x, y) of
// the reduced grid.
func cellMean(ref image.Image, x, y, s int) float64 {
	b := ref.Bounds()
	var sum float64
	n := 0
	for yy := y * s; yy < min((y+1)*s, b.Dy()); yy++ {
		for xx := x * s; xx < min((x+1)*s, b.Dx()); xx++ {
			sum += luma(ref.At(xx, yy))
			n++
		}
	}
	return sum / float64(n)
}

// At full size the decoder must give image/jpeg's pixels up to the
// rounding of a different inverse DCT; reduced, each pixel must be close to
// the mean of the cell it stands for (exactly the mean at 1/8, where the
// pixel is the block's DC).
func TestMatchesStdlib(t *testing.T) {
	for _, tc := range small {
		data := read(t, tc.file)
		ref, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: stdlib: %v", tc.file, err)
		}
		cfg, err := DecodeConfig(data)
		if err != nil {
			t.Fatalf("%s: config: %v", tc.file, err)
		}
		if cfg.Width != 77 || cfg.Height != 53 || cfg.Progressive != tc.progressive || (cfg.Components == 1) != tc.gray {
			t.Errorf("%s: config %+v", tc.file, cfg)
		}
		for _, s := range []int{1, 2, 4, 8} {
			for _, lumaOnly := range []bool{false, true} {
				img, err := Decode(data, Options{Scale: s, LumaOnly: lumaOnly})
				if err != nil {
					t.Fatalf("%s 1/%d: %v", tc.file, s, err)
				}
				b := img.Bounds()
				if want := image.Rect(0, 0, (77+s-1)/s, (53+s-1)/s); b != want {
					t.Fatalf("%s 1/%d: bounds %v, want %v", tc.file, s, b, want)
				}
				if _, gray := img.(*image.Gray); gray != (tc.gray || lumaOnly) {
					t.Errorf("%s 1/%d: got %T", tc.file, s, img)
				}
				var sum, worst float64
				cells := 0
				// Cells that reach past the picture stand for the encoder's
				// padding too: left out.
				for y := 0; y < 53/s; y++ {
					for x := 0; x < 77/s; x++ {
						cells++
						d := math.Abs(luma(img.At(x, y)) - cellMean(ref, x, y, s))
						sum += d
						worst = max(worst, d)
					}
				}
				mean := sum / float64(cells)
				// Limits: the IDCT rounding at full size; at 1/2 and 1/4
				// the dropped frequencies (a smooth low-pass, not a box
				// average) on this deliberately busy picture.
				limMean, limWorst := map[int]float64{1: 0.1, 2: 6, 4: 6, 8: 0.6}[s], map[int]float64{1: 2, 2: 40, 4: 30, 8: 1.5}[s]
				if mean > limMean || worst > limWorst {
					t.Errorf("%s 1/%d luma-only=%v: mean |Δ| %.2f (limit %.2f), worst %.1f (limit %.1f)", tc.file, s, lumaOnly, mean, limMean, worst, limWorst)
				}
			}
		}
	}
}

// Chroma must decode too: at full size the colours equal image/jpeg's up
// to the inverse DCT's rounding.
func TestChromaMatchesStdlib(t *testing.T) {
	for _, tc := range small {
		if tc.gray {
			continue
		}
		data := read(t, tc.file)
		ref, _ := jpeg.Decode(bytes.NewReader(data))
		img, err := Decode(data, Options{})
		if err != nil {
			t.Fatal(err)
		}
		m, r := img.(*image.YCbCr), ref.(*image.YCbCr)
		if m.SubsampleRatio != r.SubsampleRatio {
			t.Fatalf("%s: ratio %v, want %v", tc.file, m.SubsampleRatio, r.SubsampleRatio)
		}
		worst := 0
		for y := 0; y < 53; y++ {
			for x := 0; x < 77; x++ {
				a, b := m.YCbCrAt(x, y), r.YCbCrAt(x, y)
				worst = max(worst, absInt(int(a.Cb)-int(b.Cb)), absInt(int(a.Cr)-int(b.Cr)))
			}
		}
		if worst > 2 {
			t.Errorf("%s: chroma differs by up to %d", tc.file, worst)
		}
	}
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestBadInput(t *testing.T) {
	good := read(t, "prog420.jpg")
	base := read(t, "base420.jpg")
	for _, tc := range []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, nil},
		{"not a jpeg", []byte("GIF89a"), nil},
		{"truncated progressive", good[:len(good)/2], io.ErrUnexpectedEOF},
		{"truncated baseline", base[:len(base)*2/3], io.ErrUnexpectedEOF},
		{"header only", base[:200], nil},
	} {
		_, err := Decode(tc.data, Options{Scale: 2})
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// Every single-byte corruption of the entropy data and headers gives
	// an image or an error, never a panic.
	for _, src := range [][]byte{good, base} {
		for i := 2; i < len(src); i += 7 {
			b := append([]byte(nil), src...)
			b[i] ^= 0x5a
			for _, s := range []int{1, 8} {
				Decode(b, Options{Scale: s})
			}
		}
	}
}

func TestUnsupportedAndLimits(t *testing.T) {
	// SOI, then a frame header of four components (CMYK or YCCK).
	cmyk := []byte{0xff, 0xd8, 0xff, 0xc0, 0, 20, 8, 0, 16, 0, 16, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0}
	var u UnsupportedError
	if _, err := Decode(cmyk, Options{}); !errors.As(err, &u) {
		t.Errorf("CMYK: %v, want an UnsupportedError", err)
	}
	// Arithmetic coding (SOF9).
	arith := append([]byte{}, cmyk...)
	arith[3] = 0xc9
	if _, err := Decode(arith, Options{}); !errors.As(err, &u) {
		t.Errorf("arithmetic: %v, want an UnsupportedError", err)
	}
	if _, err := Decode(read(t, "base420.jpg"), Options{MaxPixels: 1000}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over MaxPixels: %v", err)
	}
}

// A progressive file declaring 67 megapixels in 400 KB: at 1/8 the decoder
// keeps one coefficient and one 64-bit word per block, not the 134 MB of
// coefficients a full-size progressive decode holds.
func TestProgressiveBombMemory(t *testing.T) {
	data := read(t, "bomb-progressive.jpg")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	img, err := Decode(data, Options{Scale: 8, LumaOnly: true})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1024 || b.Dy() != 1024 {
		t.Fatalf("bounds %v", b)
	}
	if g := img.(*image.Gray); g.Pix[512*g.Stride+512] < 85 || g.Pix[512*g.Stride+512] > 95 {
		t.Errorf("pixel %d, want about 90", g.Pix[512*g.Stride+512])
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	if alloc > 16<<20 {
		t.Errorf("allocated %d MB for a 1/8 decode", alloc>>20)
	}
	t.Logf("allocated %.1f MB", float64(alloc)/(1<<20))
}

func FuzzDecode(f *testing.F) {
	for _, tc := range small {
		f.Add(read(f, tc.file))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, s := range []int{1, 4} {
			img, err := Decode(data, Options{Scale: s, MaxPixels: 1 << 22})
			if err == nil && img.Bounds().Empty() {
				t.Fatal("empty image without error")
			}
		}
	})
}

// TestDone: a closed Options.Done ends the decode of every kind of file
// with ErrStopped; an open one changes nothing.
func TestDone(t *testing.T) {
	closed := make(chan struct{})
	close(closed)
	open := make(chan struct{})
	for _, f := range small {
		data := read(t, f.file)
		if _, err := Decode(data, Options{Scale: 2, Done: closed}); !errors.Is(err, ErrStopped) {
			t.Errorf("%s, closed: %v, want ErrStopped", f.file, err)
		}
		want, err := Decode(data, Options{Scale: 2})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(data, Options{Scale: 2, Done: open})
		if err != nil || got.Bounds() != want.Bounds() {
			t.Errorf("%s, open: %v %v", f.file, got.Bounds(), err)
		}
	}
}

// BenchmarkDecode: a generated 1280×720 photo at quality 85 decoded at
// half size, as a checked upload is, and a 12 MP one at an eighth.
func BenchmarkDecode(b *testing.B) {
	for _, c := range []struct{ w, h, scale int }{{1280, 720, 2}, {4000, 3000, 8}} {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, testmedia.Picture(5, c.w, c.h), &jpeg.Options{Quality: 85}); err != nil {
			b.Fatal(err)
		}
		data := buf.Bytes()
		b.Run(fmt.Sprintf("%dx%d/scale=%d", c.w, c.h, c.scale), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Decode(data, Options{Scale: c.scale}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
