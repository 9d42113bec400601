package fingerprint

import (
	"context"
	"image"
	"strings"

	"github.com/provcheck/provcheck/internal/luma"
	"github.com/provcheck/provcheck/internal/picture"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/views"
)

// HashViews fingerprints img as a frame at time t with the views of set,
// for a clip with layout l.
func (h *FrameHasher) HashViews(img image.Image, t float64, set views.Set, l picture.Layout) Frame {
	f, _ := h.HashViewsContext(context.Background(), img, t, set, l)
	return f
}

// HashViewsContext is HashViews, given up with ctx's error when ctx ends
// (between views).
func (h *FrameHasher) HashViewsContext(ctx context.Context, img image.Image, t float64, set views.Set, l picture.Layout) (Frame, error) {
	f, _, err := h.hashViews(ctx, img, t, set, l)
	return f, err
}

// hashViews is HashViewsContext, also returning the luminance a check
// keeps of the frame (views.QueryViews; nil with the other sets).
func (h *FrameHasher) hashViews(ctx context.Context, img image.Image, t float64, set views.Set, l picture.Layout) (Frame, *luma.Grid, error) {
	switch set {
	case views.QueryViews:
		return h.hashQuery(ctx, img, t, l, luma.New(img, views.GridSide))
	case views.FastQueryViews:
		return h.hashQuery(ctx, img, t, l, nil)
	}
	f := h.Hash(img, t)
	if set == views.RegisterViews && f.Quality > 0 {
		b := img.Bounds()
		for _, nr := range views.Rects(set, l, b.Dx(), b.Dy()) {
			if err := ctx.Err(); err != nil {
				return Frame{}, nil, err
			}
			ph, q := h.pdq.FromImage(views.Crop(img, nr.R))
			if q > 0 {
				f.Views = append(f.Views, View{Name: nr.Name, PDQ: ph, Quality: q})
			}
		}
	}
	return f, nil, ctx.Err()
}

// hashQuery fingerprints a frame being checked, with layout l and g, its
// luminance at views.GridSide (nil for FastQueryViews: no centre, turned
// views or kept luminance), and returns g to be kept. It gives up when ctx
// ends, between views.
func (h *FrameHasher) hashQuery(ctx context.Context, img image.Image, t float64, l picture.Layout, g *luma.Grid) (Frame, *luma.Grid, error) {
	// The frame and its mirror image. The mirror is hashed from mirrored
	// pixels: PDQ's dihedral flip is exact only for square images.
	orig, mirror, q := h.pdq.WithMirrorFromImage(img)
	f := Frame{T: roundT(t), PDQ: orig, Quality: q}
	h.hashed(f) // the grid left is the original's
	if q == 0 && f.PDQ.IsZero() {
		return f, nil, ctx.Err()
	}
	f.Views = append(f.Views, View{Name: "mirror", PDQ: mirror, Quality: q})
	b := img.Bounds()
	for _, nr := range views.Rects(views.QueryViews, l, b.Dx(), b.Dy()) {
		if err := ctx.Err(); err != nil {
			return Frame{}, nil, err
		}
		o, m, q := h.pdq.WithMirrorFromImage(views.Crop(img, nr.R))
		if q == 0 {
			continue
		}
		f.Views = append(f.Views,
			View{Name: nr.Name, PDQ: o, Quality: q},
			View{Name: nr.Name + "-mirror", PDQ: m, Quality: q})
	}
	if g == nil {
		return f, nil, ctx.Err()
	}
	turned, err := h.rotatedViews(ctx, g.Shrink(views.TurnedSide))
	if err != nil {
		return Frame{}, nil, err
	}
	f.Views = append(f.Views, turned...)
	return f, g, nil
}

// rotatedViews hashes the centre of g turned by each of views.RotationAngles
// (counter-clockwise positive, about the centre), undoing a tilt the
// other way; it gives up when ctx ends, between angles.
func (h *FrameHasher) rotatedViews(ctx context.Context, g *luma.Grid) ([]View, error) {
	cw, ch, ok := views.TurnedSize(g)
	if !ok {
		return nil, ctx.Err()
	}
	buf := h.scratch(cw * ch)
	out := make([]View, 0, len(views.RotationAngles))
	for i, a := range views.RotationAngles {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		views.Turned(g, a, buf, cw, ch)
		hash, q := h.pdq.FromLuma(buf, cw, ch)
		if q > 0 {
			out = append(out, View{Name: views.RotationNames[i], PDQ: hash, Quality: q})
		}
	}
	return out, nil
}

// Speculative reports whether the view guesses at a transformation (a
// rotated view, the centre), so a match should rely on it only when it is
// close.
func (v View) Speculative() bool {
	return strings.HasPrefix(v.Name, "rotate") || v.Name == "centre80"
}

// maxLumaFrames bounds the frames of one clip that keep their luminance
// (230 KB each at the default frame size).
const maxLumaFrames = 120

// HashProjective hashes the cw×ch picture views.WarpedProjective samples
// from l through p (relative window coordinates to l's cells).
func (h *FrameHasher) HashProjective(l *luma.Grid, cw, ch int, p *views.Projective) (pdq.Hash, int) {
	if cw < pdq.MinDim || ch < pdq.MinDim {
		return pdq.Hash{}, 0
	}
	buf := h.scratch(cw * ch)
	views.WarpedProjective(l, buf, cw, ch, p)
	return h.pdq.FromLuma(buf, cw, ch)
}

// scratch returns the hasher's window buffer with room for n cells.
func (h *FrameHasher) scratch(n int) []float32 {
	if cap(h.rot) < n {
		h.rot = make([]float32, n)
	}
	return h.rot[:n]
}
