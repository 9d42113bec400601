// Package views says which parts of a frame are fingerprinted besides the
// frame itself: the picture found in it and proposed rectangles, registered
// centre crops and zooms, the centre turned by small angles, and a kept
// luminance grid warped back through a local match's transform (Warped).
// It makes the pixels of each view; the fingerprint package hashes them.
package views

import (
	"image"

	"github.com/provcheck/provcheck/internal/picture"
)

// Version is the version of the registered views: registered frames hashed
// with another set of views match worse (1: before zoom70; 2: with it).
// Bump it when RegisterViews changes.
const Version = 2

// Set says which views of each frame to hash besides the frame itself.
type Set int

const (
	// NoViews hashes the frame only.
	NoViews Set = iota
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
	{"zoom70", 0, 0.7}, // inside crops of 85% anywhere
}

// When a rectangle is worth a view of its own (worthView): a view is one
// more hash a frame, and one more chance for an unrelated picture to come
// near; a missed view is a missed repost.
const (
	// NearFull: a rectangle whose sides are all within this (of the frame's
	// width or height) of the frame's is the frame again, already hashed.
	NearFull = 0.03
	// MinViewArea: a checked frame's rectangles smaller than this share of
	// it are not hashed: the smaller a rectangle, the likelier it is a
	// panel or a sticker rather than the picture a repost shows.
	MinViewArea = 0.06
	// SameView: a rectangle whose sides are all within this of a view
	// already taken hashes within a few bits of it, and is left out.
	SameView = 0.015
	// RegisterMinArea is MinViewArea for the picture found in a registered
	// frame. Registered views are what registries hold (Version): changing
	// it changes their fingerprints, so it stays apart from the checked
	// side's.
	RegisterMinArea = 0.08
	// minCropCut: a registered crop that keeps more than this share of the
	// picture is hardly a crop of it, and is not registered.
	minCropCut = 0.9
)

// worthView reports whether r is worth a view of a checked frame beside
// the frame and the views taken.
func worthView(r picture.Rect, taken []Named) bool {
	if r.Near(picture.Full, NearFull) || r.Area() < MinViewArea {
		return false
	}
	for _, o := range taken {
		if o.R.Near(r, SameView) {
			return false
		}
	}
	return true
}

// Rects returns the named rectangles (relative to the frame) to hash for
// a frame with this layout.
func Rects(set Set, l picture.Layout, w, h int) []Named {
	var out []Named
	switch set {
	case QueryViews:
		// The pictures found, then the proposals; each must be worth a
		// view of its own.
		for _, r := range append([]picture.Rect{l.Inner, l.Content}, l.Alternates...) {
			name := "content-alt"
			switch {
			case r == l.Content:
				name = "content"
			case r == l.Inner:
				name = "inner"
			}
			if worthView(r, out) {
				out = append(out, Named{name, r})
			}
		}
		for _, r := range l.Proposals {
			if worthView(r, out) {
				out = append(out, Named{"rect", r})
			}
		}
	case RegisterViews:
		// Crops are taken of the frame without its uniform borders; an
		// inset picture found in a registered clip is one more view, but
		// crops never depend on that detection.
		pic := picture.Full
		if !l.Inner.Near(picture.Full, NearFull) && l.Inner.Area() >= RegisterMinArea {
			pic = l.Inner
			out = append(out, Named{"inner", pic})
		}
		if !l.Content.Near(pic, NearFull) && l.Content.Area() >= RegisterMinArea {
			out = append(out, Named{"content", l.Content})
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
				if fx*fy > minCropCut {
					continue // hardly a crop of this picture
				}
			}
			cx, cy := (pic.X0+pic.X1)/2, (pic.Y0+pic.Y1)/2
			hw, hh := (pic.X1-pic.X0)*fx/2, (pic.Y1-pic.Y0)*fy/2
			out = append(out, Named{c.name, picture.Rect{X0: cx - hw, Y0: cy - hh, X1: cx + hw, Y1: cy + hh}})
		}
	}
	return out
}

// Named is one view: its name (reported with its hash) and where it is in
// the frame.
type Named struct {
	Name string
	R    picture.Rect
}

type subImager interface {
	SubImage(image.Rectangle) image.Image
}

// Crop returns the part of img in r without copying pixels where the image
// type allows it.
func Crop(img image.Image, r picture.Rect) image.Image {
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
