package media

import (
	"bytes"
	"compress/lzw"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// animFrame must match animFrame in testdata/images/gen.go, which drew the
// frames of the WebP test files.
func animFrame(i int, alpha bool) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			c := color.NRGBA{30, 60, 160, 255}
			switch {
			case alpha && (x < 8 || (x >= 44 && x < 52 && y >= 26 && y < 32)):
				c = color.NRGBA{}
			case x >= 8*i+4 && x < 8*i+20 && y >= 8 && y < 24:
				c = color.NRGBA{220, 40, 40, 255}
			case y >= 36 && y < 44:
				c = color.NRGBA{40, 200, 60, 255}
			}
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

// collected is one frame as delivered to the callback, copied.
type collected struct {
	t   float64
	img *image.NRGBA
}

func collect(t *testing.T, data []byte, lim Limits, maxFrames int) ([]collected, AnimInfo, error) {
	t.Helper()
	var frames []collected
	info, err := DecodeAnimated(bytes.NewReader(data), lim, maxFrames, func(ts float64, img image.Image) error {
		// Copy: the decoder reuses the image for the next frame.
		frames = append(frames, collected{ts, genericOpaque(img)})
		return nil
	})
	return frames, info, err
}

// uniformAround reports whether the 5×5 neighbourhood of (x, y) in m is
// one opaque colour: pixels away from colour edges, where chroma
// subsampling cannot blur the lossy result.
func uniformAround(m *image.NRGBA, x, y int) bool {
	c := m.NRGBAAt(x, y)
	for dy := -2; dy <= 2; dy++ {
		for dx := -2; dx <= 2; dx++ {
			p := image.Pt(x+dx, y+dy)
			if !p.In(m.Rect) || m.NRGBAAt(p.X, p.Y) != c || c.A != 255 {
				return false
			}
		}
	}
	return true
}

func TestDecodeAnimatedWebP(t *testing.T) {
	// Lossy frames are compared in two ways: pixels inside flat areas must
	// match closely (this checks the colour conversion: without the
	// limited-range fix they are off by ~13), while the mean over all
	// opaque pixels allows for the blur of 4:2:0 chroma at colour edges.
	// The alpha file went through ffmpeg's RGBA to YUVA conversion and is
	// coded more coarsely (libwebp's own decoder, dwebp, shows the same
	// errors in its first frame, up to 11 levels inside flat areas, and
	// coding ringing near the moving square reaches 15).
	tests := []struct {
		file    string
		alpha   bool
		flatTol int     // largest channel difference inside flat areas
		meanTol float64 // mean absolute difference over all opaque pixels
	}{
		{"anim_lossless.webp", false, 0, 0},
		{"anim_lossy.webp", false, 5, 3},
		{"anim_alpha.webp", true, 20, 7},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			frames, info, err := collect(t, readTestdata(t, tt.file), Limits{}, 0)
			if err != nil {
				t.Fatal(err)
			}
			want := AnimInfo{Format: "webp", Width: 64, Height: 48, Frames: 5, Duration: 1.0}
			if info.Format != want.Format || info.Width != want.Width || info.Height != want.Height ||
				info.Frames != want.Frames || math.Abs(info.Duration-want.Duration) > 1e-9 {
				t.Fatalf("info %+v, want %+v", info, want)
			}
			for i, f := range frames {
				if math.Abs(f.t-0.2*float64(i)) > 1e-9 {
					t.Errorf("frame %d at t=%v, want %v", i, f.t, 0.2*float64(i))
				}
				src := animFrame(i, tt.alpha)
				var sum, n float64
				for y := 0; y < 48; y++ {
					for x := 0; x < 64; x++ {
						got := rgbAt(f.img, x, y)
						if f.img.NRGBAAt(x, y).A != 255 {
							t.Fatalf("frame %d not opaque at (%d,%d)", i, x, y)
						}
						c := src.NRGBAAt(x, y)
						if tt.alpha && x < 8 {
							// Never covered by any frame: the
							// transparent canvas, alpha dropped.
							if got != [3]int{0, 0, 0} {
								t.Fatalf("frame %d: uncovered pixel (%d,%d) = %v, want black", i, x, y, got)
							}
							continue
						}
						if c.A == 0 {
							continue
						}
						flat := uniformAround(src, x, y)
						for k, w := range rgbOf(c) {
							d := math.Abs(float64(got[k] - w))
							if flat && int(d) > tt.flatTol {
								t.Fatalf("frame %d pixel (%d,%d) = %v, want %v", i, x, y, got, rgbOf(c))
							}
							sum += d
							n++
						}
					}
				}
				if mean := sum / n; mean > tt.meanTol {
					t.Errorf("frame %d: mean difference %.2f > %.2f", i, mean, tt.meanTol)
				}
			}
		})
	}
}

func TestDecodeAnimatedWebPFrameCap(t *testing.T) {
	frames, info, err := collect(t, readTestdata(t, "anim_lossless.webp"), Limits{}, 3)
	if !errors.Is(err, ErrTooManyFrames) || !strings.Contains(err.Error(), "more than 3 frames") {
		t.Fatalf("error %v, want ErrTooManyFrames", err)
	}
	if len(frames) != 3 || info.Frames != 3 || math.Abs(info.Duration-0.6) > 1e-9 {
		t.Fatalf("%d frames, info %+v", len(frames), info)
	}
}

// gifBuilder writes GIFs by hand, for what image/gif cannot write
// (interlacing, zero-size screens, odd delays) and for bombs.
type gifBuilder struct{ b bytes.Buffer }

func newGIF(w, h int, palette []color.RGBA) *gifBuilder {
	g := &gifBuilder{}
	g.b.WriteString("GIF89a")
	binary.Write(&g.b, binary.LittleEndian, uint16(w))
	binary.Write(&g.b, binary.LittleEndian, uint16(h))
	size := 0
	for 2<<size < len(palette) {
		size++
	}
	g.b.Write([]byte{0x80 | byte(size), 0, 0})
	for i := 0; i < 2<<size; i++ {
		var c color.RGBA
		if i < len(palette) {
			c = palette[i]
		}
		g.b.Write([]byte{c.R, c.G, c.B})
	}
	return g
}

// frame adds a graphic control extension and an image. pix holds the
// palette indices row by row in display order.
func (g *gifBuilder) frame(x, y, w, h int, pix []byte, delay int, disposal byte, transparent int, interlaced bool) {
	flags := disposal << 2
	ti := byte(0)
	if transparent >= 0 {
		flags |= 1
		ti = byte(transparent)
	}
	g.b.Write([]byte{0x21, 0xF9, 4, flags, byte(delay), byte(delay >> 8), ti, 0})
	g.b.WriteByte(0x2C)
	for _, v := range []int{x, y, w, h} {
		binary.Write(&g.b, binary.LittleEndian, uint16(v))
	}
	var f byte
	rows := make([]int, 0, h)
	if interlaced {
		f = 0x40
		for _, pass := range [4][2]int{{0, 8}, {4, 8}, {2, 4}, {1, 2}} {
			for r := pass[0]; r < h; r += pass[1] {
				rows = append(rows, r)
			}
		}
	} else {
		for r := 0; r < h; r++ {
			rows = append(rows, r)
		}
	}
	g.b.WriteByte(f)
	const litWidth = 8
	g.b.WriteByte(litWidth)
	var data bytes.Buffer
	lz := lzw.NewWriter(&data, lzw.LSB, litWidth)
	for _, r := range rows {
		lz.Write(pix[r*w : (r+1)*w])
	}
	lz.Close()
	for d := data.Bytes(); len(d) > 0; {
		n := min(len(d), 255)
		g.b.WriteByte(byte(n))
		g.b.Write(d[:n])
		d = d[n:]
	}
	g.b.WriteByte(0)
}

func (g *gifBuilder) bytes() []byte { return append(append([]byte{}, g.b.Bytes()...), 0x3B) }

func fill(w, h int, idx byte) []byte { return bytes.Repeat([]byte{idx}, w*h) }

// TestDecodeAnimatedGIF checks compositing with every disposal method,
// transparency, sub-rectangles, delays (0 counts as 0.1 s) and timestamps.
func TestDecodeAnimatedGIF(t *testing.T) {
	red, blue, green, white := color.RGBA{255, 0, 0, 255}, color.RGBA{0, 0, 255, 255}, color.RGBA{0, 255, 0, 255}, color.RGBA{255, 255, 255, 255}
	g := newGIF(40, 30, []color.RGBA{red, blue, green, {}, white})
	g.frame(0, 0, 40, 30, fill(40, 30, 0), 10, 1, -1, false) // red, keep
	g.frame(5, 5, 10, 10, fill(10, 10, 1), 20, 2, -1, false) // blue, then clear to background
	half := make([]byte, 100)                                // left half green, right half transparent
	for i := range half {
		half[i] = 2
		if i%10 >= 5 {
			half[i] = 3
		}
	}
	g.frame(20, 10, 10, 10, half, 0, 3, 3, false)         // then restore previous
	g.frame(0, 0, 4, 4, fill(4, 4, 4), 5, 0, -1, true)    // white, interlaced
	g.frame(36, 26, 8, 8, fill(8, 8, 1), 2, 0, -1, false) // blue, clipped at the screen's corner

	frames, info, err := collect(t, g.bytes(), Limits{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	wantT := []float64{0, 0.1, 0.3, 0.4, 0.45}
	if info.Frames != 5 || len(frames) != 5 || info.Width != 40 || info.Height != 30 || math.Abs(info.Duration-0.47) > 1e-9 {
		t.Fatalf("info %+v (%d frames delivered)", info, len(frames))
	}
	for i, f := range frames {
		if math.Abs(f.t-wantT[i]) > 1e-9 {
			t.Errorf("frame %d at %v, want %v", i, f.t, wantT[i])
		}
	}
	R, B, G, W, K := [3]int{255, 0, 0}, [3]int{0, 0, 255}, [3]int{0, 255, 0}, [3]int{255, 255, 255}, [3]int{0, 0, 0}
	checks := []struct {
		frame, x, y int
		want        [3]int
	}{
		{0, 0, 0, R}, {0, 39, 29, R}, {0, 10, 10, R},
		{1, 5, 5, B}, {1, 14, 14, B}, {1, 15, 15, R}, {1, 4, 5, R},
		{2, 10, 10, K}, {2, 5, 5, K}, // cleared by disposal 2: transparent, shown black
		{2, 20, 10, G}, {2, 24, 19, G}, {2, 25, 10, R}, {2, 29, 19, R}, // transparent half keeps the canvas
		{3, 20, 10, R}, {3, 24, 19, R}, // restored by disposal 3
		{3, 0, 0, W}, {3, 3, 3, W}, {3, 0, 3, W}, {3, 3, 1, W}, {3, 4, 4, R}, {3, 10, 10, K},
		{4, 36, 26, B}, {4, 39, 29, B}, {4, 35, 29, R},
	}
	for _, c := range checks {
		if got := rgbAt(frames[c.frame].img, c.x, c.y); got != c.want {
			t.Errorf("frame %d pixel (%d,%d) = %v, want %v", c.frame, c.x, c.y, got, c.want)
		}
	}
}

// TestDecodeGIFMatchesImageGIF compares the first frame of random GIFs
// written by image/gif (some interlaced by hand) with image/gif's decoding
// of them.
func TestDecodeGIFMatchesImageGIF(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for n := 0; n < 30; n++ {
		w, h := 1+rng.Intn(70), 1+rng.Intn(50)
		palette := make([]color.RGBA, 2+rng.Intn(200))
		for i := range palette {
			palette[i] = color.RGBA{uint8(rng.Intn(256)), uint8(rng.Intn(256)), uint8(rng.Intn(256)), 255}
		}
		pix := make([]byte, w*h)
		for i := range pix {
			pix[i] = byte(rng.Intn(len(palette)))
		}
		g := newGIF(w, h, palette)
		g.frame(0, 0, w, h, pix, 7, 0, -1, n%2 == 0)
		data := g.bytes()
		ref, err := gif.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		img, info, err := DecodeImageBytes(data, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if info.Width != w || info.Height != h || info.Format != "gif" {
			t.Fatalf("info %+v, want %d×%d", info, w, h)
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if got, want := rgbAt(img, x, y), rgbAt(ref, x, y); got != want {
					t.Fatalf("gif %d (%d×%d, interlaced %v): pixel (%d,%d) = %v, image/gif says %v", n, w, h, n%2 == 0, x, y, got, want)
				}
			}
		}
	}
}

func TestDecodeAnimatedGIFEdgeCases(t *testing.T) {
	red := color.RGBA{255, 0, 0, 255}
	t.Run("zero-size screen takes the first frame's size", func(t *testing.T) {
		g := newGIF(0, 0, []color.RGBA{red, red})
		g.frame(2, 3, 5, 4, fill(5, 4, 0), 10, 0, -1, false)
		_, info, err := collect(t, g.bytes(), Limits{}, 0)
		if err != nil || info.Width != 7 || info.Height != 7 {
			t.Fatalf("info %+v, err %v", info, err)
		}
	})
	t.Run("missing trailer", func(t *testing.T) {
		g := newGIF(4, 4, []color.RGBA{red, red})
		g.frame(0, 0, 4, 4, fill(4, 4, 0), 10, 0, -1, false)
		g.frame(0, 0, 4, 4, fill(4, 4, 1), 10, 0, -1, false)
		b := g.bytes()
		_, info, err := collect(t, b[:len(b)-1], Limits{}, 0)
		if err != nil || info.Frames != 2 {
			t.Fatalf("info %+v, err %v", info, err)
		}
	})
	t.Run("truncated inside the second frame", func(t *testing.T) {
		g := newGIF(40, 40, []color.RGBA{red, {0, 0, 255, 255}})
		g.frame(0, 0, 40, 40, fill(40, 40, 0), 10, 0, -1, false)
		first := g.b.Len()
		g.frame(0, 0, 40, 40, fill(40, 40, 1), 10, 0, -1, false)
		b := g.bytes()[:first+20]
		frames, info, err := collect(t, b, Limits{}, 0)
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "gif: truncated or corrupt data: frame 1: unexpected EOF") {
			t.Fatalf("error %v", err)
		}
		if len(frames) != 1 || info.Frames != 1 {
			t.Fatalf("%d frames delivered, info %+v; want the complete first frame", len(frames), info)
		}
		// The still decoder only needs the first frame.
		if _, _, err := DecodeImageBytes(b, Limits{}); err != nil {
			t.Fatalf("still: %v", err)
		}
	})
	t.Run("truncated first frame", func(t *testing.T) {
		g := newGIF(40, 40, []color.RGBA{red, red})
		g.frame(0, 0, 40, 40, fill(40, 40, 0), 10, 0, -1, false)
		b := g.bytes()
		_, _, err := DecodeImageBytes(b[:len(b)-10], Limits{})
		if !errors.Is(err, ErrCorrupt) || !strings.HasPrefix(err.Error(), "gif: truncated or corrupt data") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("callback error stops decoding", func(t *testing.T) {
		stop := errors.New("enough")
		n := 0
		_, err := DecodeAnimated(bytes.NewReader(gifFrames(t, 5, 4, 4)), Limits{}, 0, func(float64, image.Image) error {
			n++
			if n == 2 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 2 {
			t.Fatalf("err %v after %d frames", err, n)
		}
	})
	t.Run("still image is one frame", func(t *testing.T) {
		frames, info, err := collect(t, encodePNG(t, blockPattern()), Limits{}, 0)
		if err != nil || len(frames) != 1 || frames[0].t != 0 || info != (AnimInfo{Format: "png", Width: 48, Height: 32, Frames: 1}) {
			t.Fatalf("%d frames, info %+v, err %v", len(frames), info, err)
		}
		if got, want := rgbAt(frames[0].img, 40, 20), rgbOf(blockColors[5]); got != want {
			t.Fatalf("pixel %v, want %v", got, want)
		}
	})
}

// gifBomb is a 1×1-frame GIF with n frames on a w×h screen.
func gifBomb(n, w, h int) []byte {
	g := newGIF(w, h, []color.RGBA{{255, 0, 0, 255}, {0, 0, 255, 255}})
	one := g.b.Len()
	g.frame(0, 0, 1, 1, []byte{1}, 1, 0, -1, false)
	frame := append([]byte{}, g.b.Bytes()[one:]...)
	for i := 1; i < n; i++ {
		g.b.Write(frame)
	}
	return g.bytes()
}

func TestDecodeAnimatedBombs(t *testing.T) {
	t.Run("100k frames capped", func(t *testing.T) {
		data := gifBomb(100_000, 2, 2)
		n := 0
		info, err := DecodeAnimated(bytes.NewReader(data), Limits{}, 1000, func(float64, image.Image) error { n++; return nil })
		if !errors.Is(err, ErrTooManyFrames) || !strings.Contains(err.Error(), "gif: too many frames: more than 1000 frames; decoded the first 1000") {
			t.Fatalf("error %v", err)
		}
		if n != 1000 || info.Frames != 1000 || math.Abs(info.Duration-100) > 1e-6 {
			t.Fatalf("%d frames, info %+v", n, info)
		}
	})
	t.Run("100k frames under the default cap", func(t *testing.T) {
		_, err := DecodeAnimated(bytes.NewReader(gifBomb(100_000, 2, 2)), Limits{}, 0, func(float64, image.Image) error { return nil })
		if !errors.Is(err, ErrTooManyFrames) {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("total pixel budget", func(t *testing.T) {
		n := 0
		_, err := DecodeAnimated(bytes.NewReader(gifBomb(50, 1000, 1000)), Limits{MaxTotalPixels: 5_000_000}, 0, func(float64, image.Image) error { n++; return nil })
		if !errors.Is(err, ErrTooLarge) || n != 4 {
			t.Fatalf("error %v after %d frames", err, n)
		}
	})
	t.Run("huge screen", func(t *testing.T) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := DecodeAnimated(bytes.NewReader(gifScreenOnly(65535, 65535)), Limits{}, 0, func(float64, image.Image) error { return nil })
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("error %v", err)
		}
		if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
			t.Errorf("allocated %d bytes before refusing", d)
		}
	})
	t.Run("huge webp canvas", func(t *testing.T) {
		_, err := DecodeAnimated(bytes.NewReader(webpCanvasOnly(1<<24, 1<<24, true)), Limits{}, 0, func(float64, image.Image) error { return nil })
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("error %v", err)
		}
	})
}

func TestDecodeAnimatedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clip")
	if err := os.WriteFile(path, readTestdata(t, "anim_lossy.webp"), 0o644); err != nil {
		t.Fatal(err)
	}
	var ts []float64
	info, err := DecodeAnimatedFile(path, DefaultLimits(), 0, func(t float64, _ image.Image) error { ts = append(ts, t); return nil })
	if err != nil || info.Frames != 5 || len(ts) != 5 {
		t.Fatalf("info %+v, err %v, %d frames", info, err, len(ts))
	}
	if _, err := DecodeAnimatedFile(filepath.Join(t.TempDir(), "none"), Limits{}, 0, nil); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

// TestDecodeAnimatedGIFMatchesFFmpeg decodes a GIF that ffmpeg wrote with
// its frame-difference optimisations (sub-rectangles, transparent
// unchanged pixels) and compares every composited frame with ffmpeg's own
// decoding of it, recorded by testdata/images/gen.go as one SHA-256 of the
// RGB bytes per frame.
func TestDecodeAnimatedGIFMatchesFFmpeg(t *testing.T) {
	want := strings.Fields(string(readTestdata(t, "ffmpeg_anim.gif.sha256")))
	frames, info, err := collect(t, readTestdata(t, "ffmpeg_anim.gif"), Limits{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if info.Frames != len(want) || info.Width != 64 || info.Height != 48 || info.Duration != 1.0 {
		t.Fatalf("info %+v, want %d frames of 64×48 over 1 s", info, len(want))
	}
	for i, f := range frames {
		if f.t != float64(i)/10 {
			t.Errorf("frame %d at t=%v, want %v", i, f.t, float64(i)/10)
		}
		rgb := make([]byte, 0, 64*48*3)
		for p := 0; p < len(f.img.Pix); p += 4 {
			rgb = append(rgb, f.img.Pix[p:p+3]...)
		}
		if got := fmt.Sprintf("%x", sha256.Sum256(rgb)); got != want[i] {
			t.Errorf("frame %d differs from ffmpeg's decoding", i)
		}
	}
}

// TestCompositeWebPBlend checks the non-premultiplied alpha blending of
// the WebP container specification on single pixels.
func TestCompositeWebPBlend(t *testing.T) {
	tests := []struct {
		dst, src, want color.NRGBA
		blend          bool
	}{
		{color.NRGBA{0, 0, 255, 255}, color.NRGBA{255, 0, 0, 128}, color.NRGBA{128, 0, 127, 255}, true},
		{color.NRGBA{0, 0, 255, 255}, color.NRGBA{255, 0, 0, 0}, color.NRGBA{0, 0, 255, 255}, true},
		{color.NRGBA{0, 0, 255, 255}, color.NRGBA{255, 0, 0, 255}, color.NRGBA{255, 0, 0, 255}, true},
		// Over a transparent canvas the source colour is kept as is.
		{color.NRGBA{}, color.NRGBA{200, 100, 50, 100}, color.NRGBA{200, 100, 50, 100}, true},
		// Half over half: alpha 128 + 128·127/255 = 191.
		{color.NRGBA{0, 0, 200, 128}, color.NRGBA{200, 0, 0, 128}, color.NRGBA{134, 0, 66, 191}, true},
		// Without blending the source replaces the canvas, alpha included.
		{color.NRGBA{0, 0, 255, 255}, color.NRGBA{255, 0, 0, 0}, color.NRGBA{255, 0, 0, 0}, false},
	}
	for _, tt := range tests {
		canvas := image.NewNRGBA(image.Rect(0, 0, 3, 3))
		canvas.SetNRGBA(1, 1, tt.dst)
		src := image.NewNRGBA(image.Rect(0, 0, 1, 1))
		src.SetNRGBA(0, 0, tt.src)
		compositeWebP(canvas, src, 1, 1, tt.blend)
		if got := canvas.NRGBAAt(1, 1); got != tt.want {
			t.Errorf("%v over %v (blend %v) = %v, want %v", tt.src, tt.dst, tt.blend, got, tt.want)
		}
		if got := canvas.NRGBAAt(0, 0); got != (color.NRGBA{}) {
			t.Errorf("pixel outside the frame changed to %v", got)
		}
	}
}

// TestDecodeAnimatedWebPDispose sets the dispose-to-background flag on the
// second frame of the lossless file: after it is shown, its rectangle is
// cleared, so the third frame shows black where the second frame's
// rectangle was and the third does not paint. (Where the third frame left
// pixels "unchanged" as transparent, they show black too; those depend on
// the encoder and are not checked.)
func TestDecodeAnimatedWebPDispose(t *testing.T) {
	data := readTestdata(t, "anim_lossless.webp")
	n := 0
	for p := 12; p+8 <= len(data); {
		size := int(binary.LittleEndian.Uint32(data[p+4:]))
		if string(data[p:p+4]) == "ANMF" {
			if n == 1 {
				data[p+8+15] |= 0x01
			}
			n++
		}
		p += 8 + size + size&1
	}
	frames, _, err := collect(t, data, Limits{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Frame 1's rectangle is x 4–27, y 8–23; frame 2 paints x 12–35.
	for _, c := range []struct {
		frame, x, y int
		want        [3]int
	}{
		{1, 5, 10, [3]int{30, 60, 160}}, // background inside frame 1's rectangle
		{1, 14, 10, [3]int{220, 40, 40}},
		{2, 5, 10, [3]int{0, 0, 0}},      // cleared and not repainted
		{2, 30, 10, [3]int{220, 40, 40}}, // newly red in frame 2: painted
		{2, 40, 10, [3]int{30, 60, 160}}, // outside both rectangles
	} {
		if got := rgbAt(frames[c.frame].img, c.x, c.y); got != c.want {
			t.Errorf("frame %d pixel (%d,%d) = %v, want %v", c.frame, c.x, c.y, got, c.want)
		}
	}
}
