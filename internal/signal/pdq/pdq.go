package pdq

import (
	"image"
	"sync"
)

// MaxDim is the largest width or height hashed as is. Larger images are
// first resized to MaxDim×MaxDim by nearest-neighbour sampling, as the
// reference photo hasher does; the published reference hashes depend on it.
const MaxDim = 512

// MinDim is the smallest width or height that gets a hash; smaller images
// (after the MaxDim resize) hash to all zeros with quality 0.
const MinDim = 5

// Hasher computes PDQ hashes, keeping its scratch buffers between calls so
// that hashing many images or video frames does not allocate (beyond the
// first call at a given size). A Hasher is not safe for concurrent use; give
// each goroutine its own. The zero value is ready to use. Its buffers stay
// below about 3 MB whatever the image size, since larger images are first
// resized to MaxDim×MaxDim.
type Hasher struct {
	buf1, buf2, cbuf, sums []float32
	mirror                 []float32
	xs, ys, cxs            []int
	xs32, cxs32            []int32 // xs and cxs for lumaYCbCr16
	palette                []float32
	rowIdx, colIdx         [64]int
	b64                    [64 * 64]float32
	t16x64                 [16 * 64]float32
	b16                    [16 * 16]float32
	dih                    [8][16 * 16]float32
}

// NewHasher returns a Hasher with no buffers allocated yet.
func NewHasher() *Hasher { return &Hasher{} }

// FromImage hashes img and returns the hash and its quality (0..100). An
// empty image, or one smaller than MinDim on a side, gives the zero hash and
// quality 0.
func (h *Hasher) FromImage(img image.Image) (Hash, int) {
	luma, w, ht := h.lumaFromImage(img)
	q, ok := h.coefficients(luma, w, ht)
	if !ok {
		return Hash{}, 0
	}
	return bitsFromDCT(&h.b16), q
}

// FromLuma hashes a row-major w×h luminance buffer (values 0..255,
// Y = 0.299R+0.587G+0.114B). The buffer may be used as scratch and
// overwritten. If the sizes are invalid (w or h not positive, or
// len(luma) < w*h) the result is the zero hash with quality 0, as for images
// below MinDim.
func (h *Hasher) FromLuma(luma []float32, w, ht int) (Hash, int) {
	buf, w, ht := h.prepareLuma(luma, w, ht)
	q, ok := h.coefficients(buf, w, ht)
	if !ok {
		return Hash{}, 0
	}
	return bitsFromDCT(&h.b16), q
}

// DihedralFromImage returns the hashes of img and of its seven rotations and
// flips, in the reference order: original, rotate 90, rotate 180, rotate
// 270, flip X, flip Y, flip +1, flip -1 (see the Dihedral constants). They
// are derived from one set of DCT coefficients, without re-hashing.
func (h *Hasher) DihedralFromImage(img image.Image) ([8]Hash, int) {
	luma, w, ht := h.lumaFromImage(img)
	return h.dihedral(luma, w, ht)
}

// DihedralFromLuma is DihedralFromImage for a luminance buffer, with the
// conventions of FromLuma.
func (h *Hasher) DihedralFromLuma(luma []float32, w, ht int) ([8]Hash, int) {
	buf, w, ht := h.prepareLuma(luma, w, ht)
	return h.dihedral(buf, w, ht)
}

// Indexes into the result of the Dihedral functions.
const (
	Original   = iota // as given
	Rotate90          // rotated 90° counter-clockwise
	Rotate180         // rotated 180°
	Rotate270         // rotated 90° clockwise
	FlipX             // mirrored top to bottom (the reference's flip X)
	FlipY             // mirrored left to right (the reference's flip Y)
	FlipPlus1         // transposed about the main diagonal
	FlipMinus1        // transposed about the anti-diagonal
)

func (h *Hasher) dihedral(luma []float32, w, ht int) (out [8]Hash, quality int) {
	q, ok := h.coefficients(luma, w, ht)
	if !ok {
		return out, 0
	}
	dihedralDCT(&h.b16, &h.dih)
	// The variants come in pairs holding the same coefficients up to
	// position (a transpose), so with the same median: original and
	// flip +1, rotate 90 and flip Y, rotate 180 and flip -1, rotate 270 and
	// flip X.
	for _, pair := range [4][2]int{{Original, FlipPlus1}, {Rotate90, FlipY}, {Rotate180, FlipMinus1}, {Rotate270, FlipX}} {
		med := torben(h.dih[pair[0]][:])
		out[pair[0]] = bitsAbove(&h.dih[pair[0]], med)
		out[pair[1]] = bitsAbove(&h.dih[pair[1]], med)
	}
	return out, q
}

// coefficients runs the blur, decimation, quality metric and DCT on a
// w×h luminance buffer (at most MaxDim on a side), leaving the 16×16
// coefficients in h.b16. luma is overwritten. ok is false for images below
// MinDim.
func (h *Hasher) coefficients(luma []float32, w, ht int) (quality int, ok bool) {
	if w < MinDim || ht < MinDim {
		h.b64 = [64 * 64]float32{}
		return 0, false
	}
	if w == 64 && ht == 64 {
		// Already the working size (e.g. a video frame scaled by ffmpeg):
		// the reference hasher skips the blur. Its dihedral entry point
		// runs the (window 1, identity) blur anyway, which can only change
		// float rounding; here both skip it, so the dihedral original
		// always equals the plain hash.
		copy(h.b64[:], luma[:64*64])
	} else {
		n := w * ht
		h.buf2 = grow(h.buf2, n)
		h.cbuf = grow(h.cbuf, ht*64)
		h.sums = grow(h.sums, max(w, 64))
		h.blurDecimate(luma[:n], h.buf2, h.cbuf, h.sums, ht, w, &h.b64)
	}
	quality = qualityMetric(&h.b64)
	dct64To16(&h.b64, &h.t16x64, &h.b16)
	return quality, true
}

// prepareLuma validates a caller's luminance buffer and, when it is larger
// than MaxDim on a side, resamples it into h.buf1.
func (h *Hasher) prepareLuma(luma []float32, w, ht int) ([]float32, int, int) {
	if w <= 0 || ht <= 0 || len(luma)/w < ht {
		return nil, 0, 0
	}
	if w <= MaxDim && ht <= MaxDim {
		return luma[:w*ht], w, ht
	}
	ow, oh := h.sampleGrid(w, ht)
	h.buf1 = grow(h.buf1, ow*oh)
	dst := h.buf1
	for y, sy := range h.ys {
		src := luma[sy*w : sy*w+w]
		row := dst[y*ow : y*ow+ow]
		for x, sx := range h.xs {
			row[x] = src[sx]
		}
	}
	return dst, ow, oh
}

// sampleGrid sets h.xs and h.ys to the source column and row of each pixel
// of the image that is hashed: the identity up to MaxDim, otherwise the
// reference's nearest-neighbour resize to MaxDim×MaxDim (source index
// ⌊i·old/new⌋). It returns the hashed width and height.
func (h *Hasher) sampleGrid(w, ht int) (int, int) {
	ow, oh := w, ht
	if w > MaxDim || ht > MaxDim {
		ow, oh = MaxDim, MaxDim
	}
	h.xs = sampleIndexes(h.xs, w, ow)
	h.ys = sampleIndexes(h.ys, ht, oh)
	return ow, oh
}

func sampleIndexes(dst []int, old, n int) []int {
	dst = growInts(dst, n)
	for i := range dst {
		if old == n {
			dst[i] = i
		} else {
			dst[i] = int(float64(i) * float64(old) / float64(n))
		}
	}
	return dst
}

func grow(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

var pool = sync.Pool{New: func() any { return NewHasher() }}

// FromImage hashes any image.Image and returns the hash and its quality
// (0..100; below about 50 the hash is unreliable). Luminance is Y =
// 0.299R+0.587G+0.114B on the 8-bit values, as in the reference; alpha is
// ignored. It is safe for concurrent use; to hash many images in one
// goroutine, a Hasher avoids the per-call buffer handling.
func FromImage(img image.Image) (Hash, int) {
	h := pool.Get().(*Hasher)
	defer pool.Put(h)
	return h.FromImage(img)
}

// FromLuma hashes a row-major w×h luminance buffer (values 0..255). The
// buffer may be used as scratch and overwritten. Invalid sizes give the zero
// hash with quality 0.
func FromLuma(luma []float32, w, h int) (Hash, int) {
	hs := pool.Get().(*Hasher)
	defer pool.Put(hs)
	return hs.FromLuma(luma, w, h)
}

// DihedralFromImage returns the eight dihedral hashes of img, in the order
// of the Original..FlipMinus1 constants, and the quality.
func DihedralFromImage(img image.Image) (hashes [8]Hash, quality int) {
	h := pool.Get().(*Hasher)
	defer pool.Put(h)
	return h.DihedralFromImage(img)
}

// DihedralFromLuma is DihedralFromImage for a luminance buffer; see FromLuma.
func DihedralFromLuma(luma []float32, w, h int) ([8]Hash, int) {
	hs := pool.Get().(*Hasher)
	defer pool.Put(hs)
	return hs.DihedralFromLuma(luma, w, h)
}

// WithMirrorFromImage returns the hash of img and of img mirrored left to
// right, with their quality. The mirror is made from the pixels, before the
// blur: the dihedral FlipY hash permutes DCT coefficients instead, which is
// exact only for square images — for a 16:9 or 9:16 frame it can be 30 or
// more bits from the hash of the mirrored picture, because the box filter
// and the 64×64 decimation are not symmetric under mirroring. Luma64 is left
// holding the original's grid.
func (h *Hasher) WithMirrorFromImage(img image.Image) (orig, mirror Hash, quality int) {
	luma, w, ht := h.lumaFromImage(img)
	if w < MinDim || ht < MinDim {
		h.b64 = [64 * 64]float32{}
		return Hash{}, Hash{}, 0
	}
	h.mirror = grow(h.mirror, w*ht)
	for y := 0; y < ht; y++ {
		src, dst := luma[y*w:(y+1)*w], h.mirror[y*w:(y+1)*w]
		for x, v := range src {
			dst[w-1-x] = v
		}
	}
	if _, ok := h.coefficients(h.mirror[:w*ht], w, ht); ok {
		mirror = bitsFromDCT(&h.b16)
	}
	q, ok := h.coefficients(luma, w, ht) // last: Luma64 is the original's
	if !ok {
		return Hash{}, Hash{}, 0
	}
	return bitsFromDCT(&h.b16), mirror, q
}
