// Package thumb makes the small JPEG thumbnails shown as evidence: of each
// registered frame (stored in the registry) and of the frames of a checked
// file (made in memory for one answer, never stored).
package thumb

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"sync"
)

// The size and quality of thumbnails, and what a stored one may be.
const (
	MaxSide  = 160      // longer side, pixels
	Quality  = 75       // JPEG quality
	MaxBytes = 32 << 10 // a thumbnail from a bundle larger than this is refused
)

// Scale returns img scaled so that its longer side is at most MaxSide.
// Each thumbnail pixel is the mean of up to samples×samples pixels spread
// evenly over the part of img it covers: close to a full area average,
// without aliasing on large stills, at a cost that does not grow with the
// size of img. The result is a new image: decoders may reuse img's buffer.
func Scale(img image.Image) *image.RGBA {
	b := img.Bounds()
	w, h := fit(b.Dx(), b.Dy())
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return dst
	}
	px := pixelReader(img)
	sx, sy := float64(b.Dx())/float64(w), float64(b.Dy())/float64(h)
	nx, ny := min(samples, max(1, int(sx))), min(samples, max(1, int(sy)))
	xs := make([]int, w*nx)
	for x := 0; x < w; x++ {
		for i := 0; i < nx; i++ {
			xs[x*nx+i] = b.Min.X + min(b.Dx()-1, int((float64(x)+(float64(i)+0.5)/float64(nx))*sx))
		}
	}
	if m, ok := img.(*image.RGBA); ok {
		scaleRGBA(dst, m, xs, nx, ny, sy)
		return dst
	}
	for y := 0; y < h; y++ {
		var ys [samples]int
		for j := 0; j < ny; j++ {
			ys[j] = b.Min.Y + min(b.Dy()-1, int((float64(y)+(float64(j)+0.5)/float64(ny))*sy))
		}
		row := dst.Pix[y*dst.Stride:]
		for x := 0; x < w; x++ {
			var r, g, bl uint32
			for j := 0; j < ny; j++ {
				for _, sxi := range xs[x*nx : x*nx+nx] {
					pr, pg, pb := px(sxi, ys[j])
					r, g, bl = r+pr, g+pg, bl+pb
				}
			}
			n := uint32(nx * ny)
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = uint8((r+n/2)/n), uint8((g+n/2)/n), uint8((bl+n/2)/n), 255
		}
	}
	return dst
}

// scaleRGBA is Scale's loop for RGBA pictures (video frames), reading the
// pixels directly.
func scaleRGBA(dst, m *image.RGBA, xs []int, nx, ny int, sy float64) {
	b := m.Bounds()
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	offs := make([]int, len(xs))
	for i, x := range xs {
		offs[i] = (x - m.Rect.Min.X) * 4
	}
	n := uint32(nx * ny)
	var rows [samples]int
	for y := 0; y < h; y++ {
		for j := 0; j < ny; j++ {
			sy := b.Min.Y + min(b.Dy()-1, int((float64(y)+(float64(j)+0.5)/float64(ny))*sy))
			rows[j] = (sy - m.Rect.Min.Y) * m.Stride
		}
		out := dst.Pix[y*dst.Stride:]
		for x := 0; x < w; x++ {
			var r, g, bl uint32
			for j := 0; j < ny; j++ {
				row := m.Pix[rows[j]:]
				for _, o := range offs[x*nx : x*nx+nx] {
					p := row[o : o+3 : o+3]
					r, g, bl = r+uint32(p[0]), g+uint32(p[1]), bl+uint32(p[2])
				}
			}
			out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = uint8((r+n/2)/n), uint8((g+n/2)/n), uint8((bl+n/2)/n), 255
		}
	}
}

// samples is the most samples averaged per thumbnail pixel along each axis.
const samples = 4

// pixelReader reads 8-bit RGB of img, fast for the types decoders return.
func pixelReader(img image.Image) func(x, y int) (uint32, uint32, uint32) {
	switch m := img.(type) {
	case *image.RGBA:
		return func(x, y int) (uint32, uint32, uint32) {
			i := m.PixOffset(x, y)
			return uint32(m.Pix[i]), uint32(m.Pix[i+1]), uint32(m.Pix[i+2])
		}
	case *image.NRGBA:
		return func(x, y int) (uint32, uint32, uint32) {
			i := m.PixOffset(x, y)
			a := uint32(m.Pix[i+3])
			return uint32(m.Pix[i]) * a / 255, uint32(m.Pix[i+1]) * a / 255, uint32(m.Pix[i+2]) * a / 255
		}
	case *image.YCbCr:
		return func(x, y int) (uint32, uint32, uint32) {
			yi, ci := m.YOffset(x, y), m.COffset(x, y)
			r, g, b := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
			return uint32(r), uint32(g), uint32(b)
		}
	case *image.Gray:
		return func(x, y int) (uint32, uint32, uint32) {
			v := uint32(m.Pix[m.PixOffset(x, y)])
			return v, v, v
		}
	}
	return func(x, y int) (uint32, uint32, uint32) {
		r, g, b, _ := img.At(x, y).RGBA()
		return r >> 8, g >> 8, b >> 8
	}
}

func fit(w, h int) (int, int) {
	if w <= MaxSide && h <= MaxSide {
		return max(w, 1), max(h, 1)
	}
	if w >= h {
		return MaxSide, max(1, (h*MaxSide+w/2)/w)
	}
	return max(1, (w*MaxSide+h/2)/h), MaxSide
}

// JPEG scales img (see Scale) and encodes it.
func JPEG(img image.Image) ([]byte, error) {
	return Encode(Scale(img))
}

// Encode encodes an already scaled thumbnail.
func Encode(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: Quality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Check accepts a stored thumbnail (from a bundle made by others): a
// baseline or progressive JPEG of at most MaxSide pixels a side and
// MaxBytes.
func Check(b []byte) error {
	if len(b) == 0 {
		return errors.New("empty")
	}
	if len(b) > MaxBytes {
		return fmt.Errorf("%d bytes is over the %d-byte limit", len(b), MaxBytes)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return errors.New("not a JPEG image")
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxSide || cfg.Height > MaxSide {
		return fmt.Errorf("%d×%d is not within %d×%d", cfg.Width, cfg.Height, MaxSide, MaxSide)
	}
	return nil
}

// Collector keeps a thumbnail of each picture it observes, by time: give
// its Observe to fingerprint.Sampling.OnFrame. At most max pictures are kept
// (0: no bound). It is safe for concurrent use.
type Collector struct {
	mu  sync.Mutex
	max int
	byT map[float64][]byte
}

// NewCollector returns an empty Collector keeping at most max thumbnails.
func NewCollector(max int) *Collector {
	return &Collector{max: max, byT: map[float64][]byte{}}
}

// Observe makes the thumbnail of img, the picture at time t.
func (c *Collector) Observe(img image.Image, t float64) {
	c.mu.Lock()
	full := c.max > 0 && len(c.byT) >= c.max
	c.mu.Unlock()
	if full {
		return
	}
	b, err := JPEG(img)
	if err != nil {
		return
	}
	c.mu.Lock()
	c.byT[t] = b
	c.mu.Unlock()
}

// Get returns the thumbnail of the picture at time t.
func (c *Collector) Get(t float64) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.byT[t]
	return b, ok
}
