// Package orb computes ORB-style local features (Rublee et al., 2011) and
// verifies that two pictures share a region: FAST-9 corners ranked by the
// Harris response on a scale pyramid, spread over the picture on a grid,
// oriented by their intensity centroid and described by a rotated BRIEF
// test of 256 pixel pairs. Two sets of features match when enough
// descriptor matches agree on one transform (similarity, then homography)
// and their inliers are spread over an area of the registered picture.
//
// The package depends on nothing else in provcheck.
package orb

import (
	"context"
	"image"
	"image/draw"
	"math"
	"math/bits"
)

// Gray is an 8-bit luminance picture, row-major, no padding.
type Gray struct {
	W, H int
	Pix  []uint8
}

// At returns the pixel at (x, y); no bounds check beyond the slice's own.
func (g *Gray) At(x, y int) uint8 { return g.Pix[y*g.W+x] }

// GrayFrom converts img to luminance (Rec. 601 weights), scaled with area
// averaging so that its long side is at most maxSide (0: no limit).
func GrayFrom(img image.Image, maxSide int) *Gray {
	g, _ := GrayFromContext(context.Background(), img, maxSide)
	return g
}

// GrayFromContext is GrayFrom, given up with ctx's error when ctx ends
// (checked every rowsPerCheck rows).
func GrayFromContext(ctx context.Context, img image.Image, maxSide int) (*Gray, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	g := &Gray{W: w, H: h, Pix: make([]uint8, w*h)}
	// stop reports at every rowsPerCheck-th row whether ctx has ended.
	stop := func(y int) bool { return y%rowsPerCheck == 0 && ctx.Err() != nil }
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < h && !stop(y); y++ {
			copy(g.Pix[y*w:(y+1)*w], m.Pix[(y+b.Min.Y-m.Rect.Min.Y)*m.Stride+(b.Min.X-m.Rect.Min.X):])
		}
	case *image.YCbCr:
		for y := 0; y < h && !stop(y); y++ {
			for x := 0; x < w; x++ {
				g.Pix[y*w+x] = m.Y[m.YOffset(x+b.Min.X, y+b.Min.Y)]
			}
		}
	case *image.NRGBA:
		for y := 0; y < h && !stop(y); y++ {
			row := m.Pix[(y+b.Min.Y-m.Rect.Min.Y)*m.Stride+(b.Min.X-m.Rect.Min.X)*4:]
			for x := 0; x < w; x++ {
				r, gg, bb := int(row[4*x]), int(row[4*x+1]), int(row[4*x+2])
				g.Pix[y*w+x] = uint8((299*r + 587*gg + 114*bb + 500) / 1000)
			}
		}
	default:
		rgba, ok := img.(*image.RGBA)
		if !ok {
			rgba = image.NewRGBA(b)
			draw.Draw(rgba, b, img, b.Min, draw.Src)
		}
		for y := 0; y < h && !stop(y); y++ {
			row := rgba.Pix[(y+b.Min.Y-rgba.Rect.Min.Y)*rgba.Stride+(b.Min.X-rgba.Rect.Min.X)*4:]
			for x := 0; x < w; x++ {
				r, gg, bb := int(row[4*x]), int(row[4*x+1]), int(row[4*x+2])
				g.Pix[y*w+x] = uint8((299*r + 587*gg + 114*bb + 500) / 1000)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if maxSide > 0 && max(w, h) > maxSide {
		f := float64(maxSide) / float64(max(w, h))
		nw, nh := max(1, int(math.Round(float64(w)*f))), max(1, int(math.Round(float64(h)*f)))
		g = shrinkArea(g, nw, nh, stop)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// rowsPerCheck: GrayFromContext looks at its context every this many rows
// (of a 4000-pixel-wide picture, about a millisecond of work).
const rowsPerCheck = 64

// shrinkArea downscales by box-averaging each destination pixel's source
// footprint (with fractional edge weights). It stops early, with a partly
// filled picture, once stop(source row) says so.
func shrinkArea(src *Gray, nw, nh int, stop func(y int) bool) *Gray {
	dst := &Gray{W: nw, H: nh, Pix: make([]uint8, nw*nh)}
	sx := float64(src.W) / float64(nw)
	sy := float64(src.H) / float64(nh)
	// Horizontal pass into float rows, then vertical, both with weights
	// computed once per destination column or row.
	type tap struct {
		i int
		w float32
	}
	taps := func(n int, f float64, limit int) [][]tap {
		out := make([][]tap, n)
		for d := 0; d < n; d++ {
			a, b := float64(d)*f, float64(d+1)*f
			for i := int(a); i < int(math.Ceil(b)) && i < limit; i++ {
				wgt := (math.Min(b, float64(i+1)) - math.Max(a, float64(i))) / f
				out[d] = append(out[d], tap{i, float32(wgt)})
			}
		}
		return out
	}
	tx := taps(nw, sx, src.W)
	ty := taps(nh, sy, src.H)
	tmp := make([]float32, nw*src.H)
	for y := 0; y < src.H && !stop(y); y++ {
		row := src.Pix[y*src.W : (y+1)*src.W]
		out := tmp[y*nw : (y+1)*nw]
		for x, ts := range tx {
			var s float32
			for _, t := range ts {
				s += t.w * float32(row[t.i])
			}
			out[x] = s
		}
	}
	acc := make([]float32, nw)
	for y, ts := range ty {
		clear(acc)
		for _, t := range ts {
			r := tmp[t.i*nw : (t.i+1)*nw]
			for x := range acc {
				acc[x] += t.w * r[x]
			}
		}
		for x, v := range acc {
			dst.Pix[y*nw+x] = clamp8(float64(v))
		}
	}
	return dst
}

func clamp8(v float64) uint8 {
	v = math.Round(v)
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// Descriptor is a 256-bit rotated BRIEF descriptor.
type Descriptor [4]uint64

// Distance is the Hamming distance between two descriptors (0..256).
func Distance(a, b *Descriptor) int {
	return bits.OnesCount64(a[0]^b[0]) + bits.OnesCount64(a[1]^b[1]) +
		bits.OnesCount64(a[2]^b[2]) + bits.OnesCount64(a[3]^b[3])
}

// Keypoint is one local feature's position (pixels of the picture given to
// Detect, centre of the top-left pixel at 0,0), the scale of its pyramid
// level (1, 1.2, 1.44, …: its patch covers 31 × Scale pixels), its
// orientation (radians, image axes: x right, y down) and its Harris
// response.
type Keypoint struct {
	X, Y     float32
	Scale    float32
	Angle    float32
	Response float32
	Level    uint8
}

// Features are the keypoints and descriptors of one picture of W×H pixels;
// Keypoints[i] is described by Descriptors[i].
type Features struct {
	W, H        int
	Keypoints   []Keypoint
	Descriptors []Descriptor
}

// Len is the number of features.
func (f *Features) Len() int { return len(f.Keypoints) }

// Options control detection. The zero value is not valid: start from
// DefaultOptions.
type Options struct {
	MaxFeatures   int     // at most this many features over all levels
	Levels        int     // pyramid levels
	ScaleFactor   float64 // size ratio between consecutive levels
	FastThreshold int     // FAST intensity threshold
	// LowThreshold is the FAST threshold retried when the first pass finds
	// fewer than MaxFeatures/4 corners (dim, flat or low-detail pictures);
	// 0 disables the retry.
	LowThreshold int
	// Grid is the number of cells across the picture's longer side over
	// which features are spread (each level keeps its share per cell before
	// filling up by response); 0 keeps the strongest only.
	Grid int
	// Coarse, when above 0, spends the feature budget a second time from
	// level Coarse on, on a pyramid Coarse levels deeper: a picture shown
	// enlarged (a crop or a cut of a registered frame, sampled at the same
	// frame size, is ScaleFactor^Coarse or so larger than the registered
	// picture) then keeps as many features at the scale the registered
	// picture was described at as that picture has, instead of the few a
	// coarse level's share of one budget gives. Keypoints keep their level,
	// so scales stay exact powers of ScaleFactor. At most 2×MaxFeatures.
	Coarse int
}

// DefaultOptions returns the settings provcheck uses.
func DefaultOptions() Options {
	return Options{
		MaxFeatures:   500,
		Levels:        8,
		ScaleFactor:   1.2,
		FastThreshold: 20,
		LowThreshold:  8,
		Grid:          8,
	}
}

// Patch geometry: the BRIEF pattern lies within patternRadius of the
// keypoint, each test compares 5×5 box means, the orientation is taken over
// a disc of radius orientRadius.
const (
	patchSize     = 31
	orientRadius  = 15
	patternRadius = 13
	boxHalf       = 2
	edge          = 17 // no keypoint closer than this to a level's border
	harrisBlock   = 7
	harrisK       = 0.04
)
