package hashing

import (
	"image"
)

// ViewSet says which views of each frame to hash besides the frame itself.
type ViewSet int

const (
	// NoViews hashes the frame only.
	NoViews ViewSet = iota
	// QueryViews adds, for media being checked, the frame's mirror image,
	// the picture found inside borders or a blurred background and the
	// rectangles proposed by straight edges (each with its mirror image):
	// the ways a repost wraps the original; its centre, and the centre
	// turned by small angles. Frames keep their luminance for a crop
	// search.
	QueryViews
	// RegisterViews adds, for media being registered, centre crops at the
	// aspect ratios reposts are cut to and zooms of the picture: the ways a
	// repost cuts the original. Cropped-away pixels cannot be recovered from
	// the repost, so crops are indexed on the registry side.
	RegisterViews
	// FastQueryViews is QueryViews without the proposals, the centre and
	// turned views and the kept luminance: several times cheaper, for
	// pipelines that need throughput more than the last reposts.
	FastQueryViews
)

// cropViews are the registered crops, relative to the picture: centre
// crops at the common repost aspect ratios, and centre zooms.
var cropViews = []struct {
	name   string
	aspect float64 // width/height; 0 for a zoom
	zoom   float64
}{
	{"crop9x16", 9.0 / 16, 0},
	{"crop4x5", 4.0 / 5, 0},
	{"crop1x1", 1, 0},
	{"crop16x9", 16.0 / 9, 0},
	{"zoom90", 0, 0.9},
	{"zoom80", 0, 0.8},
	{"zoom70", 0, 0.7}, // inside crops of 85% anywhere (found by crop search)
}

// viewRects returns the named rectangles (relative to the frame) to hash for
// a frame with this layout.
func viewRects(set ViewSet, l Layout, w, h int) []namedRect {
	var out []namedRect
	switch set {
	case QueryViews:
		for _, r := range l.Rects() {
			name := "content-alt"
			switch {
			case r == l.Content:
				name = "content"
			case r == l.Inner:
				name = "inner"
			}
			out = append(out, namedRect{name, r})
		}
		for _, r := range l.Proposals {
			if r.Near(Full, 0.03) || r.Area() < 0.06 {
				continue
			}
			dup := false
			for _, o := range out {
				dup = dup || o.r.Near(r, 0.015)
			}
			if !dup {
				out = append(out, namedRect{"rect", r})
			}
		}
	case RegisterViews:
		// Crops are taken of the frame without its uniform borders; an
		// inset picture found in a registered clip is one more view, but
		// crops never depend on that detection.
		pic := Full
		if !l.Inner.Near(Full, 0.03) && l.Inner.Area() >= 0.08 {
			pic = l.Inner
			out = append(out, namedRect{"inner", pic})
		}
		if !l.Content.Near(pic, 0.03) && l.Content.Area() >= 0.08 {
			out = append(out, namedRect{"content", l.Content})
		}
		pw := (pic.X1 - pic.X0) * float64(w)
		ph := (pic.Y1 - pic.Y0) * float64(h)
		for _, c := range cropViews {
			fx, fy := c.zoom, c.zoom
			if c.aspect > 0 {
				fx, fy = 1, 1
				if a := pw / ph; c.aspect < a {
					fx = c.aspect / a
				} else {
					fy = a / c.aspect
				}
				if fx*fy > 0.9 {
					continue // hardly a crop of this picture
				}
			}
			cx, cy := (pic.X0+pic.X1)/2, (pic.Y0+pic.Y1)/2
			hw, hh := (pic.X1-pic.X0)*fx/2, (pic.Y1-pic.Y0)*fy/2
			out = append(out, namedRect{c.name, Rect{cx - hw, cy - hh, cx + hw, cy + hh}})
		}
	}
	return out
}

// queryRegions returns the rectangles a checked frame with this layout is
// hashed in (besides the whole frame).
func (l Layout) queryRegions() []Rect {
	var out []Rect
	for _, nr := range viewRects(QueryViews, l, 1, 1) {
		out = append(out, nr.r)
	}
	return out
}

// refine cuts the layout's rectangles on the picture's edges at pixel
// precision (they are found on a grid of gridSide cells on the long side).
func (l *Layout) refine(frames []image.Image) {
	if len(frames) == 0 {
		return
	}
	b := frames[0].Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return
	}
	scale := max(1, float64(max(b.Dx(), b.Dy()))/gridSide)
	cx, cy := scale/float64(b.Dx()), scale/float64(b.Dy())
	fix := func(r Rect) Rect {
		if r.Near(Full, 1e-9) {
			return r
		}
		return refineRect(frames, r, cx, cy)
	}
	l.Inner, l.Content = fix(l.Inner), fix(l.Content)
	for i, r := range l.Alternates {
		l.Alternates[i] = fix(r)
	}
}

type namedRect struct {
	name string
	r    Rect
}

type subImager interface {
	SubImage(image.Rectangle) image.Image
}

// crop returns the part of img in r without copying pixels where the image
// type allows it.
func crop(img image.Image, r Rect) image.Image {
	rect := r.In(img.Bounds())
	if s, ok := img.(subImager); ok {
		return s.SubImage(rect)
	}
	return &croppedImage{img, rect}
}

type croppedImage struct {
	image.Image
	r image.Rectangle
}

func (c *croppedImage) Bounds() image.Rectangle { return c.r }

// HashViews fingerprints img as a frame at time t with the views of set,
// for a clip with layout l.
func (h *FrameHasher) HashViews(img image.Image, t float64, set ViewSet, l Layout) Frame {
	switch set {
	case QueryViews:
		return h.hashQuery(img, t, l, newLumaGridSide(img, rotationGridSide))
	case FastQueryViews:
		return h.hashQuery(img, t, l, nil)
	}
	f := h.Hash(img, t)
	if set == RegisterViews && f.Quality > 0 {
		b := img.Bounds()
		for _, nr := range viewRects(set, l, b.Dx(), b.Dy()) {
			ph, q := h.pdq.FromImage(crop(img, nr.r))
			if q > 0 {
				f.Views = append(f.Views, View{Name: nr.name, PDQ: ph, Quality: q})
			}
		}
	}
	return f
}

// hashQuery fingerprints a frame being checked, with layout l and g, its
// luminance at rotationGridSide (nil for FastQueryViews: no centre, turned
// views or kept luminance).
func (h *FrameHasher) hashQuery(img image.Image, t float64, l Layout, g *lumaGrid) Frame {
	// The frame and its mirror image. The mirror is hashed from mirrored
	// pixels: PDQ's dihedral flip is exact only for square images.
	orig, mirror, q := h.pdq.WithMirrorFromImage(img)
	f := Frame{T: roundT(t), PDQ: orig, Quality: q}
	if q == 0 && f.PDQ.IsZero() {
		return f
	}
	h.smallHashes(&f)
	f.Views = append(f.Views, View{Name: "mirror", PDQ: mirror, Quality: q})
	b := img.Bounds()
	for _, nr := range viewRects(QueryViews, l, b.Dx(), b.Dy()) {
		o, m, q := h.pdq.WithMirrorFromImage(crop(img, nr.r))
		if q == 0 {
			continue
		}
		f.Views = append(f.Views,
			View{Name: nr.name, PDQ: o, Quality: q},
			View{Name: nr.name + "-mirror", PDQ: m, Quality: q})
	}
	if g == nil {
		return f
	}
	// Turned views do as well from half the luminance grid.
	f.Views = append(f.Views, h.rotatedViews(g.shrink(rotationGridSide/2))...)
	f.Luma = &Luma{g: g}
	return f
}
