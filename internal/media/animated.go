package media

import (
	"bufio"
	"bytes"
	"compress/lzw"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"

	"github.com/provcheck/provcheck/internal/safefile"

	"golang.org/x/image/webp"
)

// DefaultMaxFrames is the frame cap used when DecodeAnimated is given
// maxFrames <= 0.
const DefaultMaxFrames = 10_000

// ErrTooManyFrames is wrapped by the error returned when an animation has
// more frames than the caller allowed. The frames before the cap have been
// delivered.
var ErrTooManyFrames = errors.New("too many frames")

// AnimInfo describes a decoded animation.
type AnimInfo struct {
	Format        string  // gif or webp (or the still format for a still image)
	Width, Height int     // canvas size
	Frames        int     // frames delivered to the callback
	Duration      float64 // seconds: the sum of the delivered frames' durations
}

// DecodeAnimatedFile decodes the animation in the file at path; see
// DecodeAnimated.
func DecodeAnimatedFile(path string, lim Limits, maxFrames int, fn func(t float64, img image.Image) error) (AnimInfo, error) {
	f, _, err := safefile.Open(path)
	if err != nil {
		return AnimInfo{}, err
	}
	defer f.Close()
	return DecodeAnimated(f, lim, maxFrames, fn)
}

// DecodeAnimated streams the frames of an animated GIF or WebP to fn, each
// composited onto the canvas as a browser shows it (GIF disposal methods;
// WebP blending and disposal), with its start time t in seconds. Frames are
// decoded one at a time, so memory stays at a few canvases whatever the
// frame count.
//
// The image passed to fn is opaque (alpha dropped, as DecodeImage does;
// canvas areas no frame has covered are black) and is reused for the next
// frame: fn must copy it to keep it. An error from fn stops decoding and is
// returned.
//
// Frame durations follow the browser convention: a GIF or WebP frame
// delay of 10 ms or less (including 0) counts as 100 ms.
//
// Limits: the canvas must fit lim.MaxPixels; at most maxFrames frames are
// delivered (DefaultMaxFrames when maxFrames <= 0), after which an error
// wrapping ErrTooManyFrames is returned if more follow; the pixels decoded
// over all frames must fit lim.MaxTotalPixels (ErrTooLarge). A still image
// of any supported format is delivered as one frame at t=0. EXIF
// orientation is not applied to animations.
func DecodeAnimated(r io.ReadSeeker, lim Limits, maxFrames int, fn func(t float64, img image.Image) error) (info AnimInfo, err error) {
	lim = lim.WithDefaults()
	if maxFrames <= 0 {
		maxFrames = DefaultMaxFrames
	}
	m, err := checkInput(r, lim)
	if err != nil {
		return AnimInfo{}, err
	}
	if m.Kind != KindImage {
		return AnimInfo{}, fmt.Errorf("%s: %w: this is a video container, not an image", m.Format, ErrUnsupported)
	}
	a := &animator{format: m.Format, lim: lim, maxFrames: maxFrames, fn: fn}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: %w: decoder panic: %v", m.Format, ErrCorrupt, p)
		}
		info = a.info
		info.Format = m.Format
	}()
	switch m.Format {
	case "gif":
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return a.info, err
		}
		return a.info, decodeGIF(bufio.NewReaderSize(r, 64<<10), a)
	case "webp":
		return a.info, decodeWebP(r, a)
	}
	img, ii, err := DecodeImage(r, lim)
	if err != nil {
		return a.info, err
	}
	a.info.Width, a.info.Height = ii.Width, ii.Height
	if err := fn(0, img); err != nil {
		return a.info, err
	}
	a.info.Frames = 1
	return a.info, nil
}

// decodeFirstFrame decodes the first frame of a GIF or animated WebP as a
// still image.
func decodeFirstFrame(r io.ReadSeeker, format string, lim Limits) (image.Image, error) {
	var first image.Image
	a := &animator{format: format, lim: lim, maxFrames: 1, stopQuietly: true,
		fn: func(_ float64, img image.Image) error { first = img; return nil }}
	var err error
	if format == "gif" {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		err = decodeGIF(bufio.NewReaderSize(r, 64<<10), a)
	} else {
		err = decodeWebP(r, a)
	}
	if err != nil {
		return nil, err
	}
	if first == nil {
		return nil, fmt.Errorf("%s: %w: no frames", format, ErrCorrupt)
	}
	return first, nil
}

// animator holds what both frame decoders share: the limits, the frame
// accounting and the reused output image.
type animator struct {
	format      string
	lim         Limits
	maxFrames   int
	stopQuietly bool // stop at maxFrames without looking for more (first-frame decode)
	fn          func(t float64, img image.Image) error
	info        AnimInfo
	pixels      int64 // decoded and composited so far, against MaxTotalPixels
	elapsedMS   int64 // start of the next frame; kept in integer ms so timestamps stay exact
	out         *image.NRGBA
}

// setCanvas checks and records the canvas size and returns a blank
// (transparent) canvas.
func (a *animator) setCanvas(w, h int) (*image.NRGBA, error) {
	if err := checkDims(a.format, w, h, a.lim); err != nil {
		return nil, err
	}
	if int64(w)*int64(h) > a.lim.MaxCanvasPixels {
		return nil, fmt.Errorf("%s: animation canvas %w: %d×%d is %.1f megapixels, over the limit of %.1f",
			a.format, ErrTooLarge, w, h, float64(w)*float64(h)/1e6, float64(a.lim.MaxCanvasPixels)/1e6)
	}
	a.info.Width, a.info.Height = w, h
	a.out = image.NewNRGBA(image.Rect(0, 0, w, h))
	return image.NewNRGBA(image.Rect(0, 0, w, h)), nil
}

// startFrame is called when the next frame is found, before its pixels are
// decoded. done reports that decoding should end without error (first-frame
// decode).
func (a *animator) startFrame(w, h int) (done bool, err error) {
	if a.info.Frames >= a.maxFrames {
		if a.stopQuietly {
			return true, nil
		}
		return true, fmt.Errorf("%s: %w: more than %d frames; decoded the first %d", a.format, ErrTooManyFrames, a.maxFrames, a.maxFrames)
	}
	if int64(w)*int64(h) > a.lim.MaxPixels || w > maxDimension || h > maxDimension {
		return true, fmt.Errorf("%s: frame %d %w: %d×%d", a.format, a.info.Frames, ErrTooLarge, w, h)
	}
	return false, a.spend(int64(w) * int64(h))
}

func (a *animator) spend(n int64) error {
	a.pixels += n
	if a.pixels > a.lim.MaxTotalPixels {
		return fmt.Errorf("%s: animation %w: decoding it takes more than %d pixels in total (after %d frames)",
			a.format, ErrTooLarge, a.lim.MaxTotalPixels, a.info.Frames)
	}
	return nil
}

// emit delivers the canvas as the next frame, shown for delayMS
// milliseconds.
func (a *animator) emit(canvas *image.NRGBA, delayMS int64) error {
	if err := a.spend(int64(len(canvas.Pix) / 4)); err != nil {
		return err
	}
	copy(a.out.Pix, canvas.Pix)
	setAlpha255(a.out.Pix)
	if err := a.fn(float64(a.elapsedMS)/1000, a.out); err != nil {
		return err
	}
	a.info.Frames++
	a.elapsedMS += delayMS
	a.info.Duration = float64(a.elapsedMS) / 1000
	return nil
}

// frameDelay applies the browser convention to a frame delay in
// milliseconds: 10 ms or less counts as 100 ms.
func frameDelay(ms int) int64 {
	if ms <= 10 {
		ms = 100
	}
	return int64(ms)
}

// --- GIF ---

// gifBlockReader presents the data sub-blocks of a GIF image as one
// stream. It reports io.EOF at the block terminator and remembers whether
// the underlying data ended first.
type gifBlockReader struct {
	r         *bufio.Reader
	left      int  // bytes left in the current sub-block
	done      bool // terminator seen
	truncated bool // data ended inside the blocks
}

func (b *gifBlockReader) Read(p []byte) (int, error) {
	for b.left == 0 {
		if b.done {
			return 0, io.EOF
		}
		n, err := b.r.ReadByte()
		if err != nil {
			b.truncated, b.done = true, true
			return 0, io.EOF
		}
		if n == 0 {
			b.done = true
			return 0, io.EOF
		}
		b.left = int(n)
	}
	if len(p) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= n
	if err != nil {
		b.truncated, b.done, b.left = true, true, 0
		if n > 0 {
			return n, nil
		}
		return 0, io.EOF
	}
	return n, nil
}

// drain skips the rest of the sub-blocks.
func (b *gifBlockReader) drain() {
	var buf [256]byte
	for {
		if _, err := b.Read(buf[:]); err != nil {
			return
		}
	}
}

// decodeGIF decodes a GIF block by block, compositing each frame onto the
// logical screen. It is lenient where browsers are: a missing trailer, LZW
// data that is short or runs over, and pixel indices outside the palette
// (drawn as transparent) are accepted. Data that ends inside a frame is an
// error.
func decodeGIF(r *bufio.Reader, a *animator) error {
	var hdr [13]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return fmt.Errorf("gif: %w: header: %w", ErrCorrupt, io.ErrUnexpectedEOF)
	}
	sw, sh := int(binary.LittleEndian.Uint16(hdr[6:8])), int(binary.LittleEndian.Uint16(hdr[8:10]))
	var global []byte
	if hdr[10]&0x80 != 0 {
		global = make([]byte, 3<<(hdr[10]&7+1))
		if _, err := io.ReadFull(r, global); err != nil {
			return fmt.Errorf("gif: %w: colour table: %w", ErrCorrupt, io.ErrUnexpectedEOF)
		}
	}

	var (
		canvas, saved *image.NRGBA
		local         []byte
		pix           []byte
		// Graphic control of the next frame.
		disposal    byte
		transparent = -1
		delayCS     int
	)
	for {
		c, err := r.ReadByte()
		if err != nil {
			if a.info.Frames == 0 {
				return fmt.Errorf("gif: %w: no image data: %w", ErrCorrupt, io.ErrUnexpectedEOF)
			}
			return nil // missing trailer
		}
		switch c {
		case 0x3B: // trailer
			if a.info.Frames == 0 {
				return fmt.Errorf("gif: %w: no image data", ErrCorrupt)
			}
			return nil
		case 0x00: // stray padding between blocks
			continue
		case 0x21: // extension
			label, err := r.ReadByte()
			if err != nil {
				return gifTruncated(a)
			}
			br := &gifBlockReader{r: r}
			if label == 0xF9 {
				var gce [4]byte
				if n, _ := io.ReadFull(br, gce[:]); n == 4 {
					disposal = (gce[0] >> 2) & 7
					delayCS = int(binary.LittleEndian.Uint16(gce[1:3]))
					transparent = -1
					if gce[0]&1 != 0 {
						transparent = int(gce[3])
					}
				}
			}
			br.drain()
			if br.truncated {
				return gifTruncated(a)
			}
		case 0x2C: // image
			var d [9]byte
			if _, err := io.ReadFull(r, d[:]); err != nil {
				return gifTruncated(a)
			}
			fx, fy := int(binary.LittleEndian.Uint16(d[0:2])), int(binary.LittleEndian.Uint16(d[2:4]))
			fw, fh := int(binary.LittleEndian.Uint16(d[4:6])), int(binary.LittleEndian.Uint16(d[6:8]))
			palette := global
			if d[8]&0x80 != 0 {
				local = append(local[:0], make([]byte, 3<<(d[8]&7+1))...)
				if _, err := io.ReadFull(r, local); err != nil {
					return gifTruncated(a)
				}
				palette = local
			}
			interlaced := d[8]&0x40 != 0
			if canvas == nil {
				// A logical screen of zero size is replaced by the first
				// frame's extent, as browsers do.
				if sw == 0 || sh == 0 {
					sw, sh = fx+fw, fy+fh
				}
				if canvas, err = a.setCanvas(sw, sh); err != nil {
					return err
				}
			}
			done, err := a.startFrame(fw, fh)
			if done || err != nil {
				return err
			}
			litWidth, err := r.ReadByte()
			if err != nil {
				return gifTruncated(a)
			}
			if litWidth < 2 || litWidth > 8 {
				return fmt.Errorf("gif: %w: frame %d: invalid LZW code size %d", ErrCorrupt, a.info.Frames, litWidth)
			}
			if palette == nil {
				return fmt.Errorf("gif: %w: frame %d: no colour table", ErrCorrupt, a.info.Frames)
			}
			n := fw * fh
			if cap(pix) < n {
				pix = make([]byte, n)
			}
			pix = pix[:n]
			br := &gifBlockReader{r: r}
			lz := lzw.NewReader(br, lzw.LSB, int(litWidth))
			got, _ := io.ReadFull(lz, pix)
			lz.Close()
			br.drain()
			if br.truncated {
				return gifTruncated(a)
			}

			rect := image.Rect(fx, fy, fx+fw, fy+fh).Intersect(canvas.Rect)
			if disposal == 3 {
				saved = saveRect(saved, canvas, rect)
			}
			drawGIFFrame(canvas, pix[:got], fx, fy, fw, fh, interlaced, palette, transparent)
			if err := a.emit(canvas, frameDelay(delayCS*10)); err != nil {
				return err
			}
			switch disposal {
			case 2: // restore to background: browsers clear to transparent
				clearRect(canvas, rect)
			case 3: // restore to previous
				restoreRect(canvas, saved, rect)
			}
			disposal, transparent, delayCS = 0, -1, 0
		default:
			if a.info.Frames > 0 {
				return nil // trailing garbage after complete frames
			}
			return fmt.Errorf("gif: %w: unknown block type 0x%02x", ErrCorrupt, c)
		}
	}
}

func gifTruncated(a *animator) error {
	return fmt.Errorf("gif: %w: frame %d: %w", ErrCorrupt, a.info.Frames, io.ErrUnexpectedEOF)
}

// drawGIFFrame draws the decoded palette indices of a frame (fewer than
// fw×fh when the LZW data was short; the missing pixels are left as they
// were) onto the canvas, skipping the transparent index and indices outside
// the palette, and clipping to the canvas.
func drawGIFFrame(canvas *image.NRGBA, idx []byte, fx, fy, fw, fh int, interlaced bool, palette []byte, transparent int) {
	if fw == 0 || fh == 0 {
		return
	}
	ncolors := len(palette) / 3
	var order []int // interlaced: the canvas row of each stored row
	if interlaced {
		order = make([]int, 0, fh)
		for _, pass := range [4][2]int{{0, 8}, {4, 8}, {2, 4}, {1, 2}} {
			for y := pass[0]; y < fh; y += pass[1] {
				order = append(order, y)
			}
		}
	}
	cw, ch := canvas.Rect.Dx(), canvas.Rect.Dy()
	rows := (len(idx) + fw - 1) / fw
	for i := 0; i < rows; i++ {
		y := i
		if interlaced {
			y = order[i]
		}
		cy := fy + y
		if cy >= ch {
			continue
		}
		row := idx[i*fw : min((i+1)*fw, len(idx))]
		if n := cw - fx; n < len(row) {
			row = row[:max(n, 0)]
		}
		o := canvas.PixOffset(fx, cy)
		for x, ci := range row {
			if int(ci) == transparent || int(ci) >= ncolors {
				continue
			}
			p := canvas.Pix[o+4*x : o+4*x+4]
			p[0], p[1], p[2], p[3] = palette[3*int(ci)], palette[3*int(ci)+1], palette[3*int(ci)+2], 255
		}
	}
}

// saveRect copies r of the canvas into buf (reallocated as needed).
func saveRect(buf, canvas *image.NRGBA, r image.Rectangle) *image.NRGBA {
	if buf == nil || !r.In(buf.Rect) {
		buf = image.NewNRGBA(canvas.Rect)
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		o := canvas.PixOffset(r.Min.X, y)
		copy(buf.Pix[o:o+4*r.Dx()], canvas.Pix[o:o+4*r.Dx()])
	}
	return buf
}

func restoreRect(canvas, saved *image.NRGBA, r image.Rectangle) {
	if saved == nil {
		return
	}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		o := canvas.PixOffset(r.Min.X, y)
		copy(canvas.Pix[o:o+4*r.Dx()], saved.Pix[o:o+4*r.Dx()])
	}
}

func clearRect(canvas *image.NRGBA, r image.Rectangle) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		o := canvas.PixOffset(r.Min.X, y)
		clear(canvas.Pix[o : o+4*r.Dx()])
	}
}

// --- WebP ---

// decodeWebP decodes an animated WebP (VP8X with ANMF frames): each frame's
// bitstream (VP8 with optional ALPH, or VP8L) is wrapped as a standalone
// WebP, decoded with x/image/webp and composited onto the canvas following
// the frame's blending and disposal flags. A still WebP is one frame.
func decodeWebP(r io.ReadSeeker, a *animator) error {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return err
	}
	br := bufio.NewReaderSize(r, 64<<10)
	var hdr [12]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return fmt.Errorf("webp: %w: header: %w", ErrCorrupt, io.ErrUnexpectedEOF)
	}
	end := min(8+int64(binary.LittleEndian.Uint32(hdr[4:8])), size)
	pos := int64(12)

	var canvas *image.NRGBA
	animated := false
	for pos+8 <= end {
		var ch [8]byte
		if _, err := io.ReadFull(br, ch[:]); err != nil {
			return webpTruncated(a)
		}
		pos += 8
		id := string(ch[0:4])
		n := int64(binary.LittleEndian.Uint32(ch[4:8]))
		if n > end-pos {
			return webpTruncated(a)
		}
		switch {
		case id == "VP8X" && canvas == nil:
			var x [10]byte
			if n < 10 {
				return fmt.Errorf("webp: %w: short VP8X chunk", ErrCorrupt)
			}
			if _, err := io.ReadFull(br, x[:]); err != nil {
				return webpTruncated(a)
			}
			if _, err := br.Discard(int(n - 10)); err != nil {
				return webpTruncated(a)
			}
			animated = x[0]&0x02 != 0
			if !animated {
				return webpStill(r, a)
			}
			if canvas, err = a.setCanvas(1+int(le24(x[4:7])), 1+int(le24(x[7:10]))); err != nil {
				return err
			}
		case (id == "VP8 " || id == "VP8L") && canvas == nil:
			return webpStill(r, a) // simple format
		case id == "ANMF" && canvas != nil:
			if n < 16 {
				return fmt.Errorf("webp: %w: frame %d: short ANMF chunk", ErrCorrupt, a.info.Frames)
			}
			var fh [16]byte
			if _, err := io.ReadFull(br, fh[:]); err != nil {
				return webpTruncated(a)
			}
			fx, fy := 2*int(le24(fh[0:3])), 2*int(le24(fh[3:6]))
			fw, fhgt := 1+int(le24(fh[6:9])), 1+int(le24(fh[9:12]))
			dur := int(le24(fh[12:15]))
			blend, dispose := fh[15]&0x02 == 0, fh[15]&0x01 != 0
			done, err := a.startFrame(fw, fhgt)
			if done || err != nil {
				return err
			}
			// A frame's compressed data cannot sensibly exceed its raw
			// size; anything larger is refused rather than read.
			if n-16 > 4*int64(fw)*int64(fhgt)+(1<<20) {
				return fmt.Errorf("webp: %w: frame %d: %d bytes of data for %d×%d pixels", ErrCorrupt, a.info.Frames, n-16, fw, fhgt)
			}
			data := make([]byte, n-16)
			if _, err := io.ReadFull(br, data); err != nil {
				return webpTruncated(a)
			}
			img, err := decodeANMF(data, fw, fhgt)
			if err != nil {
				return fmt.Errorf("webp: frame %d: %w", a.info.Frames, err)
			}
			rect := image.Rect(fx, fy, fx+fw, fy+fhgt).Intersect(canvas.Rect)
			compositeWebP(canvas, img, fx, fy, blend)
			if err := a.emit(canvas, frameDelay(dur)); err != nil {
				return err
			}
			if dispose {
				clearRect(canvas, rect)
			}
		default: // ANIM, ICCP, EXIF, XMP and unknown chunks
			if _, err := br.Discard(int(n)); err != nil {
				return webpTruncated(a)
			}
		}
		pos += n
		if n&1 == 1 && pos < end { // chunks are padded to an even size
			if _, err := br.Discard(1); err != nil {
				return webpTruncated(a)
			}
			pos++
		}
	}
	if canvas == nil {
		return fmt.Errorf("webp: %w: no image data", ErrCorrupt)
	}
	if a.info.Frames == 0 {
		return fmt.Errorf("webp: %w: animation has no frames", ErrCorrupt)
	}
	return nil
}

func webpTruncated(a *animator) error {
	return fmt.Errorf("webp: %w: frame %d: %w", ErrCorrupt, a.info.Frames, io.ErrUnexpectedEOF)
}

// webpStill decodes a non-animated WebP as a single frame.
func webpStill(r io.ReadSeeker, a *animator) error {
	img, err := decodeStill(r, "webp", imageCodecs["webp"], a.lim)
	if err != nil {
		return err
	}
	b := img.Bounds()
	canvas, err := a.setCanvas(b.Dx(), b.Dy())
	if err != nil {
		return err
	}
	if done, err := a.startFrame(b.Dx(), b.Dy()); done || err != nil {
		return err
	}
	compositeWebP(canvas, img, 0, 0, false)
	return a.emit(canvas, 0)
}

func le24(b []byte) uint32 { return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 }

// decodeANMF decodes the frame data of one ANMF chunk (its sub-chunks after
// the 16-byte frame header) by wrapping the bitstream as a standalone WebP.
func decodeANMF(data []byte, w, h int) (image.Image, error) {
	var alph, vp8, vp8l []byte
	for p := 0; p+8 <= len(data); {
		n := int(binary.LittleEndian.Uint32(data[p+4 : p+8]))
		if n < 0 || n > len(data)-p-8 {
			return nil, fmt.Errorf("%w: sub-chunk runs past the frame", ErrCorrupt)
		}
		body := data[p+8 : p+8+n]
		switch string(data[p : p+4]) {
		case "ALPH":
			alph = body
		case "VP8 ":
			vp8 = body
		case "VP8L":
			vp8l = body
		}
		p += 8 + n + n&1
	}
	var buf bytes.Buffer
	chunk := func(id string, body []byte) {
		buf.WriteString(id)
		binary.Write(&buf, binary.LittleEndian, uint32(len(body)))
		buf.Write(body)
		if len(body)&1 == 1 {
			buf.WriteByte(0)
		}
	}
	buf.WriteString("RIFF\x00\x00\x00\x00WEBP")
	switch {
	case vp8l != nil:
		chunk("VP8L", vp8l)
	case vp8 != nil && alph != nil:
		x := []byte{0x10, 0, 0, 0, byte(w - 1), byte((w - 1) >> 8), byte((w - 1) >> 16), byte(h - 1), byte((h - 1) >> 8), byte((h - 1) >> 16)}
		chunk("VP8X", x)
		chunk("ALPH", alph)
		chunk("VP8 ", vp8)
	case vp8 != nil:
		chunk("VP8 ", vp8)
	default:
		return nil, fmt.Errorf("%w: no VP8 or VP8L bitstream", ErrCorrupt)
	}
	b := buf.Bytes()
	binary.LittleEndian.PutUint32(b[4:8], uint32(len(b)-8))
	cfg, err := webp.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrCorrupt, trimPrefix(err.Error(), "webp: "))
	}
	if cfg.Width != w || cfg.Height != h {
		return nil, fmt.Errorf("%w: bitstream is %d×%d but the frame header says %d×%d", ErrCorrupt, cfg.Width, cfg.Height, w, h)
	}
	img, err := webp.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrCorrupt, trimPrefix(err.Error(), "webp: "))
	}
	vp8FullRange(img)
	return img, nil
}

func trimPrefix(s, p string) string {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// compositeWebP draws a decoded frame onto the canvas at (fx, fy), clipped
// to it. With blend, the frame is alpha-blended over the canvas using the
// non-premultiplied formula of the WebP container specification; without,
// it replaces the canvas pixels, alpha included.
func compositeWebP(canvas *image.NRGBA, img image.Image, fx, fy int, blend bool) {
	b := img.Bounds()
	dst := image.Rect(fx, fy, fx+b.Dx(), fy+b.Dy()).Intersect(canvas.Rect)
	row := make([]uint8, 4*b.Dx())
	for y := dst.Min.Y; y < dst.Max.Y; y++ {
		frameRowNRGBA(img, b.Min.Y+y-fy, row)
		src := row[4*(dst.Min.X-fx) : 4*(dst.Max.X-fx)]
		o := canvas.PixOffset(dst.Min.X, y)
		d := canvas.Pix[o : o+len(src)]
		if !blend {
			copy(d, src)
			continue
		}
		for i := 0; i < len(src); i += 4 {
			sa := uint32(src[i+3])
			switch sa {
			case 255:
				copy(d[i:i+4], src[i:i+4])
			case 0:
			default:
				da := uint32(d[i+3]) * (255 - sa) / 255
				oa := sa + da
				for c := 0; c < 3; c++ {
					d[i+c] = uint8((uint32(src[i+c])*sa + uint32(d[i+c])*da + oa/2) / oa)
				}
				d[i+3] = uint8(oa)
			}
		}
	}
}

// frameRowNRGBA writes row y (in img's coordinates) of a decoded WebP frame
// as non-premultiplied RGBA.
func frameRowNRGBA(img image.Image, y int, row []uint8) {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.NRGBA:
		o := m.PixOffset(b.Min.X, y)
		copy(row, m.Pix[o:o+4*b.Dx()])
	case *image.YCbCr:
		ycbcrRow(m, y, row, nil, 0)
	case *image.NYCbCrA:
		ycbcrRow(&m.YCbCr, y, row, m.A, m.AOffset(b.Min.X, y))
	default:
		for x := 0; x < b.Dx(); x++ {
			c := color.NRGBAModel.Convert(img.At(b.Min.X+x, y)).(color.NRGBA)
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = c.R, c.G, c.B, c.A
		}
	}
}

func ycbcrRow(m *image.YCbCr, y int, row []uint8, alpha []uint8, ao int) {
	b := m.Rect
	for x := 0; x < b.Dx(); x++ {
		yi, ci := m.YOffset(b.Min.X+x, y), m.COffset(b.Min.X+x, y)
		r, g, bb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
		a := uint8(255)
		if alpha != nil {
			a = alpha[ao+x]
		}
		row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = r, g, bb, a
	}
}
