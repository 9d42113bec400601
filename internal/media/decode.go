package media

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"strings"

	"github.com/disintegration/imaging"
	"github.com/provcheck/provcheck/internal/jpegdec"
	"github.com/provcheck/provcheck/internal/safefile"
	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// Limits bound the work and memory one decode may take. A zero field means
// the DefaultLimits value.
type Limits struct {
	// MaxPixels caps width×height of an image, or of an animation's
	// canvas, checked from the header before any pixel is decoded.
	MaxPixels int64
	// MaxFileBytes caps the size of the input file.
	MaxFileBytes int64
	// MaxTotalPixels caps the pixels an animation decodes and composites
	// over all its frames (each frame's own area plus the canvas it is
	// emitted on).
	MaxTotalPixels int64
	// MaxCanvasPixels caps the canvas of an animation (GIF, animated
	// WebP): it is held several times over while frames are composited.
	MaxCanvasPixels int64
	// MaxDecodeBytes caps the memory one image may take to decode, as
	// priced from its header by EstimateDecode.
	MaxDecodeBytes int64
	// Budget, when set, is shared by concurrent decodes: each takes its
	// estimated memory from it and waits while it is spent.
	Budget *Budget
}

// Default limits. 100 megapixels covers every camera and phone photo (the
// largest common sensors are ~60–100 MP) while keeping one decoded image
// under ~800 MB even at 16 bits per channel with alpha. Image decoders
// stream, so the 2 GiB file cap bounds time rather than memory; it is the
// same for video containers. 2 gigapixels of animation is, for instance,
// 2,000 frames of 1000×1000: a few seconds of compositing.
const (
	DefaultMaxPixels      = 100_000_000
	DefaultMaxFileBytes   = 2 << 30
	DefaultMaxTotalPixels = 2_000_000_000
	// 25 megapixels of canvas (5000×5000) is far beyond any animation
	// in circulation and keeps compositing near 200 MB.
	DefaultMaxCanvasPixels = 25_000_000
	// 256 MiB to decode one image: a 100-megapixel baseline JPEG (4:2:0)
	// takes 150 MB, a 64-megapixel PNG 256 MB; a progressive JPEG, whose
	// coefficients are held too, fits up to about 34 megapixels.
	DefaultMaxDecodeBytes = 256 << 20
	// maxDimension refuses absurd single dimensions (a 1×100,000,000
	// "image" is within the pixel budget but is not a picture).
	maxDimension = 1 << 20
)

// DefaultLimits returns the limits used when a field is zero.
func DefaultLimits() Limits {
	return Limits{
		MaxPixels:       DefaultMaxPixels,
		MaxFileBytes:    DefaultMaxFileBytes,
		MaxTotalPixels:  DefaultMaxTotalPixels,
		MaxCanvasPixels: DefaultMaxCanvasPixels,
		MaxDecodeBytes:  DefaultMaxDecodeBytes,
	}
}

func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	if l.MaxPixels <= 0 {
		l.MaxPixels = d.MaxPixels
	}
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = d.MaxFileBytes
	}
	if l.MaxTotalPixels <= 0 {
		l.MaxTotalPixels = d.MaxTotalPixels
	}
	if l.MaxCanvasPixels <= 0 {
		l.MaxCanvasPixels = d.MaxCanvasPixels
	}
	if l.MaxDecodeBytes <= 0 {
		l.MaxDecodeBytes = d.MaxDecodeBytes
	}
	return l
}

// CheckCost refuses an image whose decoding would take more memory than
// MaxDecodeBytes.
func (l Limits) CheckCost(format string, c DecodeCost) error {
	if c.W != 0 || c.H != 0 {
		if err := checkDims(format, c.W, c.H, l); err != nil {
			return err
		}
	}
	if c.Bytes > l.MaxDecodeBytes {
		return fmt.Errorf("%s: image %w: decoding it would take about %d MB, over the limit of %d MB (limits.max_decode_memory)",
			format, ErrTooLarge, c.Bytes>>20, l.MaxDecodeBytes>>20)
	}
	return nil
}

// Errors wrapped by the decoders (in process and ffmpeg), for errors.Is:
// one value for each problem, whichever decoder found it.
var (
	ErrEmpty       = errors.New("empty file")
	ErrTooLarge    = errors.New("too large")
	ErrCorrupt     = errors.New("truncated or corrupt data")
	ErrUnsupported = errors.New("unsupported")
	// ErrTimeout: decoding took longer than its time limit.
	ErrTimeout = errors.New("timed out")
	// ErrNotRegular: the path is a directory, device, named pipe or socket.
	ErrNotRegular = safefile.ErrNotRegular
)

// ImageInfo describes a decoded image.
type ImageInfo struct {
	Format string // jpeg, png, gif, webp, bmp or tiff
	// Width and Height are those of the image, after the EXIF orientation
	// has been applied. The returned image is that size, or 1/Scale of it
	// for a reduced decode.
	Width, Height int
	// Scale is 1, or 2, 4 or 8 when a JPEG was decoded reduced in the DCT
	// domain (DecodeImageReduced).
	Scale int
	// Orientation is the EXIF orientation found in the file (1–8; 1 when
	// absent). The returned image is already turned upright.
	Orientation int
}

// codec is one registered still-image decoder.
type codec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

// imageCodecs are the decoders this package uses, keyed by the format names
// Sniff returns. They are called directly (not through image.Decode), so
// the format Sniff saw is the format that gets decoded. GIF and animated
// WebP go through the frame decoders in animated.go.
var imageCodecs = map[string]codec{
	"jpeg": {jpeg.DecodeConfig, jpeg.Decode},
	"png":  {png.DecodeConfig, png.Decode},
	"webp": {webp.DecodeConfig, webp.Decode},
	"bmp":  {bmp.DecodeConfig, bmp.Decode},
	"tiff": {tiff.DecodeConfig, tiff.Decode},
	"gif":  {}, // animated.go
}

// SupportedImageFormats lists the still formats DecodeImage accepts.
var SupportedImageFormats = []string{"jpeg", "png", "gif", "webp", "bmp", "tiff"}

// DecodeImageFile decodes the image file at path; see DecodeImage.
func DecodeImageFile(path string, lim Limits) (image.Image, ImageInfo, error) {
	f, _, err := safefile.Open(path)
	if err != nil {
		return nil, ImageInfo{}, err
	}
	defer f.Close()
	return DecodeImage(f, lim)
}

// DecodeImageFileReduced decodes the image file at path; see
// DecodeImageReduced.
func DecodeImageFileReduced(path string, lim Limits) (image.Image, ImageInfo, error) {
	f, _, err := safefile.Open(path)
	if err != nil {
		return nil, ImageInfo{}, err
	}
	defer f.Close()
	return decodeImage(f, lim, true, 0)
}

// DecodeImageBytesReduced decodes an image held in memory; see
// DecodeImageReduced.
func DecodeImageBytesReduced(b []byte, lim Limits) (image.Image, ImageInfo, error) {
	return decodeImage(bytes.NewReader(b), lim, true, 0)
}

// DecodeImageReduced is DecodeImage for fingerprinting: a large JPEG is
// decoded at 1/2, 1/4 or 1/8 of its size in the DCT domain, down to what
// the hashes use (ReducedSide) and, when minLong is above 0, no smaller
// than minLong on its longer side (a check that describes a still on
// levels finer than the hashes need). Its cost is then mostly entropy
// decoding, and its memory the reduced image (for a progressive file,
// also one 64-bit word per block). Chroma is decoded too: the luminance
// PDQ hashes is that of the RGB colour, which differs from the JPEG's Y
// where the conversion clips (heavily compressed or saturated pictures).
// Other formats are decoded as DecodeImage does. info.Width and
// info.Height are the full size; info.Scale the reduction.
func DecodeImageReduced(r io.ReadSeeker, lim Limits, minLong int) (image.Image, ImageInfo, error) {
	return decodeImage(r, lim, true, minLong)
}

// ReducedSide is the shorter side a reduced JPEG decode keeps at least
// (when the image has it). PDQ filters every image down to 64×64 (from at
// most 512×512), the layout, proposal and rotation grids are at most 512
// on their long side and guided matching works on 128 px, so more pixels than
// this buy little: a 1280×720 upload decoded at 1/2 hashes within 0–6 bits
// (median 2) of its full decode, and 34 wallpapers of 0.1–18 MP within
// 0–10 (median 2) of Meta's pdq-photo-hasher (README, Performance).
const ReducedSide = 360

// reducedScale is the largest of 8, 4, 2 that keeps the shorter side at
// least ReducedSide and the longer at least minLong, or 1.
func reducedScale(w, h, minLong int) int {
	s := 8
	for s > 1 && (min(w, h)/s < ReducedSide || max(w, h)/s < minLong) {
		s /= 2
	}
	return s
}

// maxInMemoryJPEG bounds the JPEG files read whole for the reduced decoder;
// larger ones stream through image/jpeg.
const maxInMemoryJPEG = 256 << 20

// DecodeImageBytes decodes an image held in memory; see DecodeImage.
func DecodeImageBytes(b []byte, lim Limits) (image.Image, ImageInfo, error) {
	return DecodeImage(bytes.NewReader(b), lim)
}

// DecodeImage decodes a still image of any supported format (recognised by
// content, not by name), refusing it before any pixel is decoded when its
// header declares more than lim.MaxPixels. The image is turned upright
// according to its EXIF orientation. An animated GIF or WebP gives its first
// frame as displayed.
//
// Alpha is dropped, as in the PDQ reference: the result is opaque and holds
// the colour values as stored (not composited onto any background). The
// result is one of *image.YCbCr, *image.Gray, *image.NRGBA or *image.RGBA
// (all with alpha 255), cheap to read directly.
//
// Errors name the format and wrap ErrEmpty, ErrNotMedia, ErrTooLarge,
// ErrCorrupt or ErrUnsupported. DecodeImage never panics: a panic inside a
// decoder is returned as an ErrCorrupt error.
func DecodeImage(r io.ReadSeeker, lim Limits) (img image.Image, info ImageInfo, err error) {
	return decodeImage(r, lim, false, 0)
}

func decodeImage(r io.ReadSeeker, lim Limits, reduce bool, minLong int) (img image.Image, info ImageInfo, err error) {
	lim = lim.WithDefaults()
	m, err := checkInput(r, lim)
	if err != nil {
		return nil, ImageInfo{}, err
	}
	if m.Kind != KindImage {
		return nil, ImageInfo{}, fmt.Errorf("%s: %w: this is a video container, not an image", m.Format, ErrUnsupported)
	}
	c, ok := imageCodecs[m.Format]
	if !ok {
		return nil, ImageInfo{}, fmt.Errorf("%s: %w image format (supported: %s)", m.Format, ErrUnsupported, strings.Join(SupportedImageFormats, ", "))
	}
	cost, err := estimateDecode(r, m, reduce, minLong)
	if err != nil {
		return nil, ImageInfo{}, err
	}
	if err := lim.CheckCost(m.Format, cost); err != nil {
		return nil, ImageInfo{}, err
	}
	defer func() {
		if p := recover(); p != nil {
			img, info = nil, ImageInfo{}
			err = fmt.Errorf("%s: %w: decoder panic: %v", m.Format, ErrCorrupt, p)
		}
	}()

	scale, fullW, fullH := 1, 0, 0
	switch {
	case m.Format == "gif" || (m.Format == "webp" && m.Animated):
		img, err = decodeFirstFrame(r, m.Format, lim)
	case m.Format == "jpeg" && reduce:
		img, scale, fullW, fullH, err = decodeJPEGReduced(r, c, lim, minLong)
	default:
		img, err = decodeStill(r, m.Format, c, lim)
	}
	if err != nil {
		return nil, ImageInfo{}, err
	}
	img = opaque(img)
	o := readOrientation(r, m.Format)
	img = orient(img, o)
	b := img.Bounds()
	info = ImageInfo{Format: m.Format, Width: b.Dx(), Height: b.Dy(), Orientation: o, Scale: scale}
	if scale > 1 {
		info.Width, info.Height = fullW, fullH
		if o >= 5 {
			info.Width, info.Height = fullH, fullW
		}
	}
	return img, info, nil
}

// decodeJPEGReduced decodes a JPEG with internal/jpegdec at the scale
// reducedScale picks. Files it does not handle (CMYK,
// arithmetic coding, 12-bit …) go through decodeStill at full size.
func decodeJPEGReduced(r io.ReadSeeker, c codec, lim Limits, minLong int) (img image.Image, scale, w, h int, err error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	if size > maxInMemoryJPEG {
		img, err = decodeStill(r, "jpeg", c, lim)
		return img, 1, 0, 0, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, 0, 0, 0, err
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, 0, 0, 0, decodeError("jpeg", err)
	}
	cfg, err := jpegdec.DecodeConfig(data)
	var unsupported jpegdec.UnsupportedError
	switch {
	case errors.As(err, &unsupported):
		img, err = decodeStill(r, "jpeg", c, lim)
		return img, 1, 0, 0, err
	case err != nil:
		return nil, 0, 0, 0, decodeError("jpeg", err)
	}
	if err := checkDims("jpeg", cfg.Width, cfg.Height, lim); err != nil {
		return nil, 0, 0, 0, err
	}
	scale = reducedScale(cfg.Width, cfg.Height, minLong)
	o := jpegdec.Options{Scale: scale, MaxPixels: lim.MaxPixels}
	if cr, ok := r.(*ctxReader); ok {
		// The file is in memory: the decode looks at the context itself.
		o.Done = cr.ctx.Done()
	}
	img, err = jpegdec.Decode(data, o)
	switch {
	case errors.Is(err, jpegdec.ErrStopped):
		return nil, 0, 0, 0, r.(*ctxReader).ctx.Err()
	case errors.As(err, &unsupported):
		img, err = decodeStill(r, "jpeg", c, lim)
		return img, 1, 0, 0, err
	case err != nil:
		return nil, 0, 0, 0, decodeError("jpeg", err)
	}
	return img, scale, cfg.Width, cfg.Height, nil
}

// checkInput checks the size of r and recognises its content.
func checkInput(r io.ReadSeeker, lim Limits) (Media, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return Media{}, err
	}
	switch {
	case size == 0:
		return Media{}, ErrEmpty
	case size > lim.MaxFileBytes:
		return Media{}, fmt.Errorf("%w: file is %d bytes, over the limit of %d", ErrTooLarge, size, lim.MaxFileBytes)
	}
	head, err := readHead(r)
	if err != nil {
		return Media{}, err
	}
	return SniffHead(head)
}

// decodeStill reads the header, checks the dimensions, then decodes.
func decodeStill(r io.ReadSeeker, format string, c codec, lim Limits) (image.Image, error) {
	src, err := readerFrom(r, format, 0)
	if err != nil {
		return nil, err
	}
	cfg, err := c.config(src)
	if err != nil {
		return nil, decodeError(format, err)
	}
	if err := checkDims(format, cfg.Width, cfg.Height, lim); err != nil {
		return nil, err
	}
	if src, err = readerFrom(r, format, 0); err != nil {
		return nil, err
	}
	img, err := c.decode(src)
	if err != nil && format == "jpeg" && isNoAdobeCMYK(err) {
		return decodePlainCMYKJPEG(r)
	}
	if err != nil {
		return nil, decodeError(format, err)
	}
	if format == "webp" {
		vp8FullRange(img)
	}
	return img, nil
}

// vp8FullRange fixes the colours of a lossy WebP decoded by x/image/webp.
// VP8 codes limited-range BT.601 YCbCr (Y 16–235, chroma 16–240), but the
// decoder returns the planes as an image.YCbCr, which Go reads as JPEG's
// full range: blacks come out grey and colours washed out (golang/go#40173).
// The planes are rescaled in place to full range, after which the standard
// conversion gives the RGB libwebp gives. Lossless (NRGBA) images are left
// alone.
func vp8FullRange(img image.Image) {
	var m *image.YCbCr
	switch v := img.(type) {
	case *image.YCbCr:
		m = v
	case *image.NYCbCrA:
		m = &v.YCbCr
	default:
		return
	}
	for i, v := range m.Y {
		m.Y[i] = vp8YLUT[v]
	}
	for i, v := range m.Cb {
		m.Cb[i] = vp8CLUT[v]
	}
	for i, v := range m.Cr {
		m.Cr[i] = vp8CLUT[v]
	}
}

var vp8YLUT, vp8CLUT = func() (y, c [256]uint8) {
	clamp := func(v float64) uint8 { return uint8(max(0, min(255, math.Round(v)))) }
	for i := range 256 {
		y[i] = clamp(float64(i-16) * 255 / 219)
		c[i] = clamp(float64(i-128)*255/224 + 128)
	}
	return y, c
}()

// readerFrom positions r at off and returns a reader for the decoders: a
// buffered reader, or for TIFF r itself when it supports ReadAt (the TIFF
// decoder then reads only what it needs instead of the whole file).
func readerFrom(r io.ReadSeeker, format string, off int64) (io.Reader, error) {
	if _, err := r.Seek(off, io.SeekStart); err != nil {
		return nil, err
	}
	if _, ok := r.(io.ReaderAt); ok && off == 0 && format == "tiff" {
		return r, nil
	}
	return bufio.NewReaderSize(r, 64<<10), nil
}

// checkDims refuses empty, absurd or over-budget dimensions.
func checkDims(format string, w, h int, lim Limits) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%s: %w: image has no pixels (%d×%d)", format, ErrCorrupt, w, h)
	}
	if w > maxDimension || h > maxDimension || int64(w)*int64(h) > lim.MaxPixels {
		return fmt.Errorf("%s: image %w: %d×%d is %.1f megapixels, over the limit of %.1f",
			format, ErrTooLarge, w, h, float64(w)*float64(h)/1e6, float64(lim.MaxPixels)/1e6)
	}
	return nil
}

// decodeError wraps a decoder's error with the format and the error kind,
// dropping the decoder's own prefix so the message reads once, e.g.
// "jpeg: truncated or corrupt data: unexpected EOF".
func decodeError(format string, err error) error {
	msg := err.Error()
	for _, p := range []string{format + ": ", "invalid JPEG format: ", "unsupported JPEG feature: ", "unsupported feature: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	var (
		jpegUnsupported jpeg.UnsupportedError
		pngUnsupported  png.UnsupportedError
		tiffUnsupported tiff.UnsupportedError
	)
	if errors.As(err, &jpegUnsupported) || errors.As(err, &pngUnsupported) || errors.As(err, &tiffUnsupported) ||
		errors.Is(err, bmp.ErrUnsupported) {
		return fmt.Errorf("%s: %w feature: %s", format, ErrUnsupported, strings.TrimPrefix(msg, "unsupported BMP image"))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %w: %w", format, ErrCorrupt, io.ErrUnexpectedEOF)
	}
	return fmt.Errorf("%s: %w: %s", format, ErrCorrupt, msg)
}

// isNoAdobeCMYK reports the image/jpeg refusal of a four-component JPEG
// without an Adobe APP14 segment.
func isNoAdobeCMYK(err error) bool {
	var u jpeg.UnsupportedError
	return errors.As(err, &u) && strings.Contains(string(u), "Adobe APP14")
}

// decodePlainCMYKJPEG decodes a four-component JPEG that lacks the Adobe
// segment, as libjpeg does: as plain (not inverted) CMYK. image/jpeg only
// accepts such files with the segment, so one is inserted after SOI, and
// the inversion image/jpeg then applies for Adobe files is undone.
func decodePlainCMYKJPEG(r io.ReadSeeker) (image.Image, error) {
	src, err := readerFrom(r, "jpeg", 2)
	if err != nil {
		return nil, err
	}
	app14 := []byte{0xFF, 0xD8, 0xFF, 0xEE, 0x00, 0x0E, 'A', 'd', 'o', 'b', 'e', 0x00, 0x64, 0, 0, 0, 0, 0}
	img, err := jpeg.Decode(io.MultiReader(bytes.NewReader(app14), src))
	if err != nil {
		return nil, decodeError("jpeg", err)
	}
	c, ok := img.(*image.CMYK)
	if !ok {
		return nil, fmt.Errorf("jpeg: %w feature: four-component JPEG without Adobe segment", ErrUnsupported)
	}
	for i := range c.Pix {
		c.Pix[i] = 255 - c.Pix[i]
	}
	return c, nil
}

// opaque drops alpha and converts uncommon pixel types to a cheap one. RGB
// values are kept as stored: for non-premultiplied sources (PNG, WebP
// lossless, GIF palettes) that is the raw colour even where the pixel was
// transparent, as in the PDQ reference.
func opaque(img image.Image) image.Image {
	switch m := img.(type) {
	case *image.YCbCr, *image.Gray:
		return m
	case *image.NYCbCrA:
		return &m.YCbCr
	case *image.NRGBA:
		setAlpha255(m.Pix)
		return m
	case *image.RGBA:
		setAlpha255(m.Pix)
		return m
	case *image.Gray16:
		g := image.NewGray(m.Rect)
		w, h := m.Rect.Dx(), m.Rect.Dy()
		for y := 0; y < h; y++ {
			src := m.Pix[y*m.Stride : y*m.Stride+2*w]
			dst := g.Pix[y*g.Stride : y*g.Stride+w]
			for x := range dst {
				dst[x] = src[2*x] // high byte
			}
		}
		return g
	case *image.NRGBA64:
		return highBytes(m.Pix, m.Stride, m.Rect)
	case *image.RGBA64:
		return highBytes(m.Pix, m.Stride, m.Rect)
	case *image.Paletted:
		var pal [256][3]uint8
		for i, c := range m.Palette {
			if i == 256 {
				break
			}
			n := color.NRGBAModel.Convert(c).(color.NRGBA)
			pal[i] = [3]uint8{n.R, n.G, n.B}
		}
		out := image.NewNRGBA(m.Rect)
		w, h := m.Rect.Dx(), m.Rect.Dy()
		for y := 0; y < h; y++ {
			src := m.Pix[y*m.Stride : y*m.Stride+w]
			dst := out.Pix[y*out.Stride : y*out.Stride+4*w]
			for x, idx := range src {
				p := pal[idx]
				dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = p[0], p[1], p[2], 255
			}
		}
		return out
	case *image.CMYK:
		out := image.NewRGBA(m.Rect)
		w, h := m.Rect.Dx(), m.Rect.Dy()
		for y := 0; y < h; y++ {
			src := m.Pix[y*m.Stride : y*m.Stride+4*w]
			dst := out.Pix[y*out.Stride : y*out.Stride+4*w]
			for i := 0; i < len(src); i += 4 {
				r, g, b := color.CMYKToRGB(src[i], src[i+1], src[i+2], src[i+3])
				dst[i], dst[i+1], dst[i+2], dst[i+3] = r, g, b, 255
			}
		}
		return out
	}
	return genericOpaque(img)
}

// genericOpaque converts any image to an opaque NRGBA through the colour
// model, keeping non-premultiplied RGB.
func genericOpaque(img image.Image) *image.NRGBA {
	b := img.Bounds()
	out := image.NewNRGBA(b)
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = c.R, c.G, c.B, 255
			i += 4
		}
	}
	return out
}

// highBytes converts a 16-bit-per-channel RGBA buffer (NRGBA64 or RGBA64
// layout) to 8 bits by keeping the high byte, alpha set to 255.
func highBytes(pix []uint8, stride int, r image.Rectangle) *image.NRGBA {
	out := image.NewNRGBA(r)
	w, h := r.Dx(), r.Dy()
	for y := 0; y < h; y++ {
		src := pix[y*stride : y*stride+8*w]
		dst := out.Pix[y*out.Stride : y*out.Stride+4*w]
		for x := 0; x < w; x++ {
			dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = src[8*x], src[8*x+2], src[8*x+4], 255
		}
	}
	return out
}

func setAlpha255(pix []uint8) {
	for i := 3; i < len(pix); i += 4 {
		pix[i] = 255
	}
}

// orient turns an image stored with EXIF orientation o upright.
func orient(img image.Image, o int) image.Image {
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img) // 90° clockwise
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img) // 90° counter-clockwise
	}
	return img
}

// WithContext returns r reading until ctx ends, then failing with ctx's
// error: the decoders read as they decode, so wrapping their input stops a
// long decode (a large still) promptly when the caller gives up.
func WithContext(ctx context.Context, r io.ReadSeeker) io.ReadSeeker {
	if ctx.Done() == nil {
		return r
	}
	return &ctxReader{ctx: ctx, r: r}
}

type ctxReader struct {
	ctx context.Context
	r   io.ReadSeeker
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	// Small reads: a decoder asking for a large buffer would otherwise
	// decode a long time from one read.
	if len(p) > 64<<10 {
		p = p[:64<<10]
	}
	return c.r.Read(p)
}

func (c *ctxReader) Seek(off int64, whence int) (int64, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Seek(off, whence)
}
