package media

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"io"
	"runtime/debug"
	"sync"
)

// Decoding memory. The pixel limit alone does not bound it: a 586 KB
// progressive JPEG of 10000×10000 holds its DCT coefficients (4 bytes per
// sample) besides the picture, a 16-bit PNG 8 bytes a pixel, an animation
// several canvases. So every still or animation is priced from its header
// before a pixel is decoded — EstimateDecode — and refused when one input
// would take more than Limits.MaxDecodeBytes; a Budget shared by
// concurrent decodes (the service) makes the others wait while large ones
// run, and the memory of a large decode is handed back to the system when
// it ends.

// DecodeCost is what decoding one input is expected to take.
type DecodeCost struct {
	Bytes int64 // peak memory of decoding, estimated from the header
	What  string
	W, H  int // as the header says
}

// largeDecode is the size from which memory is returned to the system
// after a decode (debug.FreeOSMemory: a forced collection, worth it only
// after a large one).
const largeDecode = 64 << 20

// EstimateDecode prices decoding the image at r (a still, or an animation
// whose frames are composited on a canvas) from its header.
func EstimateDecode(r io.ReadSeeker, m Media) (DecodeCost, error) {
	return estimateDecode(r, m, false, 0)
}

// EstimateDecodeReduced prices DecodeImageReduced (with the same
// minLong): a JPEG the reduced decoder takes costs its file (read whole)
// and the reduced planes, plus, when progressive, the few coefficients and
// one flag word kept per block.
func EstimateDecodeReduced(r io.ReadSeeker, m Media, minLong int) (DecodeCost, error) {
	return estimateDecode(r, m, true, minLong)
}

func estimateDecode(r io.ReadSeeker, m Media, reduced bool, minLong int) (DecodeCost, error) {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return DecodeCost{}, err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	c, ok := imageCodecs[m.Format]
	if !ok {
		return DecodeCost{}, nil
	}
	var cfg image.Config
	var err error
	switch m.Format {
	case "gif":
		cfg, err = gifConfig(br)
	default:
		cfg, err = c.config(br)
	}
	if err != nil {
		// A header the decoder cannot read: it says what is wrong itself.
		return DecodeCost{}, nil
	}
	cost, err := estimate(r, m, cfg, reduced, minLong)
	cost.W, cost.H = cfg.Width, cfg.Height
	return cost, err
}

func estimate(r io.ReadSeeker, m Media, cfg image.Config, reduced bool, minLong int) (DecodeCost, error) {
	px := int64(cfg.Width) * int64(cfg.Height)
	switch {
	case m.Format == "gif" || m.Animated:
		// The composited canvas and the frame handed out (NRGBA each),
		// the frame being decoded.
		return DecodeCost{Bytes: px * 9, What: "animation canvas"}, nil
	case m.Format == "jpeg":
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return DecodeCost{}, err
		}
		planes, progressive, comps := jpegPlanes(bufio.NewReaderSize(r, 16<<10), cfg.Width, cfg.Height)
		size, err := r.Seek(0, io.SeekEnd)
		if err != nil {
			return DecodeCost{}, err
		}
		if reduced && comps != 4 && size <= maxInMemoryJPEG {
			s := int64(reducedScale(cfg.Width, cfg.Height, minLong))
			n := 8 / s
			cost := size + planes/(s*s)
			if progressive {
				cost += planes / 64 * (n*n*4 + 8)
			}
			return DecodeCost{Bytes: cost, What: "jpeg, reduced"}, nil
		}
		cost := planes // the decoded planes, one byte a sample
		if progressive {
			cost += 4 * planes // image/jpeg keeps every coefficient (int32) of a progressive scan
		}
		if comps == 4 {
			cost += 4 * px // CMYK is converted to RGBA
		}
		return DecodeCost{Bytes: cost, What: "jpeg"}, nil
	}
	bpp := int64(4)
	switch cfg.ColorModel {
	case color.GrayModel:
		bpp = 1
	case color.Gray16Model:
		bpp = 2 + 1
	case color.RGBA64Model, color.NRGBA64Model:
		bpp = 8 + 4 // decoded at 16 bits, then kept at 8
	case color.CMYKModel:
		bpp = 4 + 4
	case color.YCbCrModel:
		bpp = 3
	case color.NYCbCrAModel:
		bpp = 4
	default:
		if _, ok := cfg.ColorModel.(color.Palette); ok {
			bpp = 1 + 4
		}
	}
	return DecodeCost{Bytes: px * bpp, What: m.Format}, nil
}

// gifConfig reads a GIF's logical screen size.
func gifConfig(r io.Reader) (image.Config, error) {
	var h [10]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return image.Config{}, err
	}
	return image.Config{Width: int(binary.LittleEndian.Uint16(h[6:8])), Height: int(binary.LittleEndian.Uint16(h[8:10])),
		ColorModel: color.NRGBAModel}, nil
}

// jpegPlanes reads a JPEG's frame header: the bytes of its decoded planes
// (subsampled components are smaller), whether it is progressive, and its
// component count. Without a readable frame header it assumes the worst
// common case, three full-size planes.
func jpegPlanes(r *bufio.Reader, w, h int) (planes int64, progressive bool, comps int) {
	px := int64(w) * int64(h)
	worst := 3 * px
	var b [2]byte
	if _, err := io.ReadFull(r, b[:]); err != nil || b[0] != 0xFF || b[1] != 0xD8 {
		return worst, true, 3
	}
	for range 1000 {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return worst, true, 3
		}
		for b[0] == 0xFF && b[1] == 0xFF { // fill bytes
			c, err := r.ReadByte()
			if err != nil {
				return worst, true, 3
			}
			b[1] = c
		}
		if b[0] != 0xFF {
			return worst, true, 3
		}
		marker := b[1]
		if marker == 0xD8 || marker >= 0xD0 && marker <= 0xD7 || marker == 0x01 {
			continue
		}
		var l [2]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return worst, true, 3
		}
		n := int(binary.BigEndian.Uint16(l[:])) - 2
		if n < 0 {
			return worst, true, 3
		}
		if marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC {
			seg := make([]byte, n)
			if _, err := io.ReadFull(r, seg); err != nil || len(seg) < 6 {
				return worst, true, 3
			}
			progressive = marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE
			comps = int(seg[5])
			if comps < 1 || len(seg) < 6+3*comps {
				return worst, progressive, 3
			}
			hmax, vmax := 1, 1
			for i := range comps {
				f := seg[6+3*i+1]
				hmax, vmax = max(hmax, int(f>>4)), max(vmax, int(f&15))
			}
			for i := range comps {
				f := seg[6+3*i+1]
				hs, vs := max(1, int(f>>4)), max(1, int(f&15))
				// Planes are padded to whole 8×8 blocks of each MCU.
				cw := (int64(w)*int64(hs) + int64(hmax) - 1) / int64(hmax)
				ch := (int64(h)*int64(vs) + int64(vmax) - 1) / int64(vmax)
				planes += ((cw + 7) / 8 * 8) * ((ch + 7) / 8 * 8)
			}
			return planes, progressive, comps
		}
		if _, err := r.Discard(n); err != nil {
			return worst, true, 3
		}
	}
	return worst, true, 3
}

// Budget bounds the memory that concurrent decodes may take together.
// Acquire waits (in order of arrival, while its context lasts) until the
// cost fits; a cost above the whole budget waits for it to be empty.
type Budget struct {
	mu      sync.Mutex
	total   int64
	used    int64
	waiters []chan struct{}
}

// NewBudget returns a budget of total bytes.
func NewBudget(total int64) *Budget { return &Budget{total: total} }

// Acquire takes n bytes of the budget, waiting until they fit or ctx ends.
// The release function must be called once the memory is no longer used.
func (b *Budget) Acquire(ctx context.Context, n int64) (release func(), err error) {
	if b == nil {
		return func() {}, nil
	}
	n = min(n, b.total)
	for {
		b.mu.Lock()
		if b.used+n <= b.total || b.used == 0 {
			b.used += n
			b.mu.Unlock()
			var once sync.Once
			return func() { once.Do(func() { b.release(n) }) }, nil
		}
		ch := make(chan struct{})
		b.waiters = append(b.waiters, ch)
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for decoding memory: %w", ctx.Err())
		}
	}
}

func (b *Budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	ws := b.waiters
	b.waiters = nil
	b.mu.Unlock()
	for _, ch := range ws {
		close(ch)
	}
}

// Used reports the bytes taken now.
func (b *Budget) Used() int64 {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// ReturnMemory returns memory to the system after a decode of cost bytes,
// when that was a large one.
func ReturnMemory(cost int64) {
	if cost >= largeDecode {
		debug.FreeOSMemory()
	}
}
