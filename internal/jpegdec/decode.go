// Package jpegdec decodes baseline and progressive JPEG at 1/1, 1/2, 1/4 or
// 1/8 of its size in the DCT domain: each 8×8 block is inverse-transformed
// from its lowest n×n frequencies straight into n×n pixels, so a reduced
// decode skips most of the transform work and holds only the reduced image
// (and, for a progressive file, only the coefficients the reduced image
// needs plus one bit per coefficient for the refinement scans). Entropy
// decoding is the same at every scale.
//
// It handles 8-bit Huffman-coded greyscale and YCbCr files with the common
// chroma subsamplings; anything else (CMYK, arithmetic coding, 12-bit,
// lossless, unusual sampling) is an UnsupportedError, for the caller to
// hand to another decoder.
package jpegdec

import (
	"errors"
	"image"
	"io"
)

// FormatError reports invalid JPEG data.
type FormatError string

func (e FormatError) Error() string { return "invalid JPEG format: " + string(e) }

// UnsupportedError reports a valid JPEG feature this package does not
// decode.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "unsupported JPEG feature: " + string(e) }

// Config is what the frame header says.
type Config struct {
	Width, Height int
	Components    int
	Progressive   bool
}

// Options of a decode.
type Options struct {
	// Scale divides both sides: 1, 2, 4 or 8 (0 means 1). The result is
	// ⌈width/Scale⌉ × ⌈height/Scale⌉.
	Scale int
	// LumaOnly returns the luminance plane alone as an *image.Gray,
	// skipping the inverse transform of the chroma planes.
	LumaOnly bool
	// MaxPixels, when positive, refuses a frame whose width×height is
	// larger, before any allocation for it.
	MaxPixels int64
	// Done, when not nil, ends the decode with ErrStopped once it is
	// closed (looked at every row of MCUs): a caller's context's Done.
	Done <-chan struct{}
}

// ErrStopped is returned when Options.Done was closed during the decode.
var ErrStopped = errors.New("jpegdec: decoding stopped")

// ErrTooLarge is returned when the frame exceeds Options.MaxPixels.
var ErrTooLarge = errors.New("image too large")

const (
	mSOF0 = 0xc0
	mSOF1 = 0xc1
	mSOF2 = 0xc2
	mDHT  = 0xc4
	mSOI  = 0xd8
	mEOI  = 0xd9
	mSOS  = 0xda
	mDQT  = 0xdb
	mDRI  = 0xdd
	mRST0 = 0xd0
	mRST7 = 0xd7
)

// zigzag[i] is the natural (row-major) index of the i-th coefficient in
// zig-zag order.
var zigzag = [64]uint8{
	0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
}

type component struct {
	id     uint8
	h, v   int // sampling factors
	tq     int // quantisation table
	bw, bh int // blocks across and down in the MCU-padded grid
	// blocks really covered by the component (non-interleaved scans)
	cbw, cbh int
	// reduced-size plane, bw*n × bh*n
	pix    []uint8
	stride int
	// progressive / multi-scan storage: kept coefficients (n×n per block,
	// natural order) and the nonzero bits of all 64 (zig-zag order).
	coef         []int16
	nz           []uint64
	dcPred       int32
	dcTab, acTab int
	skip         bool // LumaOnly: no pixels wanted
}

type decoder struct {
	data []byte
	pos  int
	opt  Options
	n    int // block output side: 8 / Scale

	width, height int
	progressive   bool
	frameSeen     bool
	comps         []component
	hmax, vmax    int
	mcusX, mcusY  int
	quant         [4][64]uint16 // zig-zag order
	quantSet      [4]bool
	dc, ac        [4]huffTable
	restart       int
	br            bitReader
	eobrun        int32
	// keep[z] is the index among the kept n×n coefficients of zig-zag
	// position z, or -1.
	keep     [64]int8
	keptMask uint64 // bit z set when keep[z] >= 0
	// qn[t] is quantisation table t in the natural order of the kept n×n
	// coefficients, as floats.
	qn     [4][64]float32
	stored bool // coefficients go to the store (not straight to pixels)
	scans  int
}

func (d *decoder) u16(p int) int { return int(d.data[p])<<8 | int(d.data[p+1]) }

// DecodeConfig reads the frame header.
func DecodeConfig(data []byte) (Config, error) {
	d := &decoder{data: data, opt: Options{Scale: 1}}
	if err := d.run(true); err != nil {
		return Config{}, err
	}
	return Config{Width: d.width, Height: d.height, Components: len(d.comps), Progressive: d.progressive}, nil
}

// Decode decodes data. The result is an *image.YCbCr (three components) or
// an *image.Gray (one component, or LumaOnly).
func Decode(data []byte, o Options) (image.Image, error) {
	if o.Scale == 0 {
		o.Scale = 1
	}
	switch o.Scale {
	case 1, 2, 4, 8:
	default:
		return nil, errors.New("jpegdec: scale must be 1, 2, 4 or 8")
	}
	d := &decoder{data: data, opt: o, n: 8 / o.Scale}
	if err := d.run(false); err != nil {
		return nil, err
	}
	return d.image()
}

// run walks the markers; with configOnly it stops after the frame header.
func (d *decoder) run(configOnly bool) error {
	if len(d.data) < 2 || d.data[0] != 0xff || d.data[1] != mSOI {
		return FormatError("missing SOI marker")
	}
	d.pos = 2
	for {
		// Find the next marker, skipping fill bytes.
		for d.pos < len(d.data) && d.data[d.pos] != 0xff {
			d.pos++ // garbage between segments: tolerated, as libjpeg does
		}
		for d.pos < len(d.data) && d.data[d.pos] == 0xff {
			d.pos++
		}
		if d.pos >= len(d.data) {
			if d.frameSeen && d.scans > 0 && !configOnly {
				return nil // missing EOI after whole scans
			}
			return io.ErrUnexpectedEOF
		}
		m := d.data[d.pos]
		d.pos++
		switch {
		case m == mEOI:
			if !d.frameSeen || d.scans == 0 {
				return FormatError("no image data")
			}
			return nil
		case m >= mRST0 && m <= mRST7, m == 0x01:
			continue // stray, no length
		}
		if d.pos+2 > len(d.data) {
			return io.ErrUnexpectedEOF
		}
		n := d.u16(d.pos) - 2
		if n < 0 {
			return FormatError("bad segment length")
		}
		start := d.pos + 2
		if start+n > len(d.data) {
			return io.ErrUnexpectedEOF
		}
		seg := d.data[start : start+n]
		d.pos = start + n
		var err error
		switch {
		case m == mSOF0 || m == mSOF1 || m == mSOF2:
			if d.frameSeen {
				return FormatError("multiple frames")
			}
			err = d.frame(seg, m == mSOF2)
			if err == nil && configOnly {
				return nil
			}
		case m >= 0xc3 && m <= 0xcf && m != mDHT && m != 0xc8 && m != 0xcc:
			return UnsupportedError("SOF type (lossless, hierarchical or arithmetic coding)")
		case m == 0xcc:
			return UnsupportedError("arithmetic coding")
		case m == mDHT:
			err = d.dht(seg)
		case m == mDQT:
			err = d.dqt(seg)
		case m == mDRI:
			if len(seg) != 2 {
				return FormatError("bad DRI length")
			}
			d.restart = int(seg[0])<<8 | int(seg[1])
		case m == mSOS:
			if configOnly {
				return FormatError("missing SOF marker")
			}
			err = d.scan(seg)
		case m == 0xdc: // DNL
			return UnsupportedError("DNL marker")
		default:
			// APPn, COM and others: skipped.
		}
		if err != nil {
			return err
		}
	}
}

func (d *decoder) frame(seg []byte, progressive bool) error {
	if len(seg) < 6 {
		return FormatError("short SOF")
	}
	if seg[0] != 8 {
		return UnsupportedError("sample precision other than 8 bits")
	}
	d.height = int(seg[1])<<8 | int(seg[2])
	d.width = int(seg[3])<<8 | int(seg[4])
	nc := int(seg[5])
	if d.width == 0 || d.height == 0 {
		return FormatError("zero size (or DNL)")
	}
	if nc != 1 && nc != 3 {
		if nc == 4 {
			return UnsupportedError("four components (CMYK)")
		}
		return UnsupportedError("number of components")
	}
	if len(seg) != 6+3*nc {
		return FormatError("bad SOF length")
	}
	d.frameSeen = true
	d.progressive = progressive
	if d.opt.MaxPixels > 0 && int64(d.width)*int64(d.height) > d.opt.MaxPixels {
		return ErrTooLarge
	}
	d.comps = make([]component, nc)
	for i := range d.comps {
		c := &d.comps[i]
		c.id = seg[6+3*i]
		c.h, c.v = int(seg[7+3*i]>>4), int(seg[7+3*i]&15)
		c.tq = int(seg[8+3*i])
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3 {
			return FormatError("bad component parameters")
		}
		for j := 0; j < i; j++ {
			if d.comps[j].id == c.id {
				return FormatError("repeated component identifier")
			}
		}
	}
	if nc == 1 {
		// A single component is never interleaved: its MCU is one block.
		d.comps[0].h, d.comps[0].v = 1, 1
	}
	if nc == 3 {
		y, cb, cr := d.comps[0], d.comps[1], d.comps[2]
		if cb.h != cr.h || cb.v != cr.v || y.h%cb.h != 0 || y.v%cb.v != 0 {
			return UnsupportedError("chroma subsampling")
		}
		if _, ok := ratio(y.h/cb.h, y.v/cb.v); !ok {
			return UnsupportedError("chroma subsampling")
		}
	}
	d.hmax, d.vmax = 1, 1
	for _, c := range d.comps {
		d.hmax, d.vmax = max(d.hmax, c.h), max(d.vmax, c.v)
	}
	d.mcusX = (d.width + 8*d.hmax - 1) / (8 * d.hmax)
	d.mcusY = (d.height + 8*d.vmax - 1) / (8 * d.vmax)
	n := d.n
	if n == 0 {
		n = 8
	}
	for i := range d.comps {
		c := &d.comps[i]
		c.bw, c.bh = d.mcusX*c.h, d.mcusY*c.v
		cw := (d.width*c.h + d.hmax - 1) / d.hmax
		ch := (d.height*c.v + d.vmax - 1) / d.vmax
		c.cbw, c.cbh = (cw+7)/8, (ch+7)/8
		c.skip = d.opt.LumaOnly && i > 0
	}
	for z := range d.keep {
		r, cc := int(zigzag[z])/8, int(zigzag[z])%8
		if r < n && cc < n {
			d.keep[z] = int8(r*n + cc)
			d.keptMask |= 1 << uint(z)
		} else {
			d.keep[z] = -1
		}
	}
	return nil
}

// prepareQuant fills qn from the quantisation tables in force.
func (d *decoder) prepareQuant() {
	for t := range d.quant {
		for z, ki := range d.keep {
			if ki >= 0 {
				d.qn[t][ki] = float32(d.quant[t][z])
			}
		}
	}
}

// ratio maps luma/chroma sampling to the image package's subsampling.
func ratio(h, v int) (image.YCbCrSubsampleRatio, bool) {
	switch {
	case h == 1 && v == 1:
		return image.YCbCrSubsampleRatio444, true
	case h == 2 && v == 1:
		return image.YCbCrSubsampleRatio422, true
	case h == 2 && v == 2:
		return image.YCbCrSubsampleRatio420, true
	case h == 1 && v == 2:
		return image.YCbCrSubsampleRatio440, true
	case h == 4 && v == 1:
		return image.YCbCrSubsampleRatio411, true
	case h == 4 && v == 2:
		return image.YCbCrSubsampleRatio410, true
	}
	return 0, false
}

func (d *decoder) dqt(seg []byte) error {
	for len(seg) > 0 {
		pq, tq := seg[0]>>4, int(seg[0]&15)
		if tq > 3 || pq > 1 {
			return FormatError("bad DQT")
		}
		seg = seg[1:]
		if pq == 0 {
			if len(seg) < 64 {
				return FormatError("short DQT")
			}
			for i := range 64 {
				d.quant[tq][i] = uint16(seg[i])
			}
			seg = seg[64:]
		} else {
			if len(seg) < 128 {
				return FormatError("short DQT")
			}
			for i := range 64 {
				d.quant[tq][i] = uint16(seg[2*i])<<8 | uint16(seg[2*i+1])
			}
			seg = seg[128:]
		}
		d.quantSet[tq] = true
	}
	return nil
}

func (d *decoder) dht(seg []byte) error {
	for len(seg) > 0 {
		if len(seg) < 17 {
			return FormatError("short DHT")
		}
		tc, th := seg[0]>>4, int(seg[0]&15)
		if tc > 1 || th > 3 {
			return FormatError("bad DHT")
		}
		var counts [16]int
		total := 0
		for i := range counts {
			counts[i] = int(seg[1+i])
			total += counts[i]
		}
		if total == 0 || total > 256 || len(seg) < 17+total {
			return FormatError("bad DHT")
		}
		vals := seg[17 : 17+total]
		var err error
		if tc == 0 {
			err = d.dc[th].build(counts, vals, false)
		} else {
			err = d.ac[th].build(counts, vals, true)
		}
		if err != nil {
			return err
		}
		seg = seg[17+total:]
	}
	return nil
}

// allocate gives each component its plane and, for stored decoding, its
// coefficient store.
func (d *decoder) allocate() {
	n := d.n
	for i := range d.comps {
		c := &d.comps[i]
		if c.pix == nil && !c.skip {
			c.stride = c.bw * n
			c.pix = make([]uint8, c.stride*c.bh*n)
		}
		if d.stored && c.coef == nil {
			c.coef = make([]int16, c.bw*c.bh*n*n)
			if d.progressive {
				c.nz = make([]uint64, c.bw*c.bh)
			}
		}
	}
}

// image assembles the result.
func (d *decoder) image() (image.Image, error) {
	if d.stored {
		d.transformStore()
	}
	s := d.opt.Scale
	w, h := (d.width+s-1)/s, (d.height+s-1)/s
	r := image.Rect(0, 0, w, h)
	y := &d.comps[0]
	if len(d.comps) == 1 || d.opt.LumaOnly {
		return &image.Gray{Pix: y.pix, Stride: y.stride, Rect: r}, nil
	}
	cb, cr := &d.comps[1], &d.comps[2]
	sr, _ := ratio(y.h/cb.h, y.v/cb.v)
	return &image.YCbCr{Y: y.pix, Cb: cb.pix, Cr: cr.pix, YStride: y.stride, CStride: cb.stride, SubsampleRatio: sr, Rect: r}, nil
}
