package fingerprint

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"os"

	"github.com/disintegration/imaging"
	"github.com/provcheck/provcheck/internal/luma"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/media/ffmpeg"
	"github.com/provcheck/provcheck/internal/picture"
	"github.com/provcheck/provcheck/internal/safefile"
	"github.com/provcheck/provcheck/internal/signal"
	"github.com/provcheck/provcheck/internal/signal/orb"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/views"
)

// Sampling says which video frames to fingerprint.
type Sampling struct {
	FPS           float64   // frames per second to sample
	MaxSide       int       // frames are decoded scaled so the longer side is at most this
	MaxFrames     int       // at most this many frames (the rest of the clip is not read)
	KeyframesOnly bool      // decode only keyframes: fastest, for queries
	Dedup         int       // drop a frame within this PDQ distance of the last kept one (0: keep all)
	Views         views.Set // which views of each frame to hash besides the frame
	// ShortFPS, when above FPS, is the rate a video shorter than
	// ShortUnder seconds (its duration as probed, before decoding) is
	// sampled at instead (see ffmpeg.SampleOptions). Animations decoded
	// in process (GIF, WebP) learn their duration only at the end and
	// keep FPS.
	ShortFPS   float64
	ShortUnder float64
	// OnFrame, when set, sees every sampled picture (before deduplication)
	// with its time, e.g. to keep a thumbnail of it. img is valid only
	// during the call: decoders reuse its buffer.
	OnFrame func(img image.Image, t float64)
	// LocalFPS: video frames a second given local features (stills get
	// them when it is above 0); 0 computes none.
	LocalFPS float64
	// LocalMinFrames: a video too short to have this many frames at
	// LocalFPS (its duration as probed, before decoding) gets local
	// features on every sampled frame instead (at FPS, still not on a
	// frame nearly identical to the last one described), so a short clip
	// offers as many chances for the frames a match needs as a longer one.
	// 0: LocalFPS for every clip. Animations decoded in process (GIF,
	// WebP) learn their duration only at the end and keep LocalFPS.
	LocalMinFrames int
	// LocalCoarse is orb.Options.Coarse for the local features of video
	// frames: checked frames set it (a crop or cut of a registered clip is
	// decoded at the same frame size, so it shows the registered picture
	// enlarged); registered frames leave it 0.
	LocalCoarse int
	// LocalFine: checked stills larger than LocalStillSide, and checked
	// video frames with local features of clips larger than MaxSide, are
	// described on up to this many pyramid levels finer too (Query.Finer;
	// the frames are then decoded at that size as well); registered media
	// leave it 0.
	LocalFine int
	// Small, when set, computes the pHash and dHash of every frame hashed
	// (the hash command prints them); nil computes none.
	Small *SmallHasher
}

// The frames held back to decide a clip's layout: at least layoutFrames
// spanning at least layoutSpan seconds — enough to see past one dark or
// static shot —, and never more than layoutMaxFrames, to bound memory.
const (
	layoutFrames    = 12
	layoutSpan      = 6.0
	layoutMaxFrames = 40
)

// Fingerprinter turns files into fingerprints. It is safe for concurrent
// use.
type Fingerprinter struct {
	video  ffmpeg.Decoder // nil when ffmpeg is not available
	noVid  error          // why video is unavailable
	limits media.Limits
}

// NewFingerprinter returns a Fingerprinter using video to decode videos.
// video may be nil, with why saying what is missing (e.g. ffmpeg not
// installed): images still work and videos fail with that error.
func NewFingerprinter(video ffmpeg.Decoder, why error, lim media.Limits) *Fingerprinter {
	if video == nil && why == nil {
		why = errors.New("video decoding is not available")
	}
	return &Fingerprinter{video: video, noVid: why, limits: lim.WithDefaults()}
}

// Limits are the decoding limits in force.
func (fp *Fingerprinter) Limits() media.Limits { return fp.limits }

// File fingerprints the image or video at path. The kind of media is told by
// content, never by the file name. Errors name what is wrong with the file.
func (fp *Fingerprinter) File(ctx context.Context, path string, s Sampling) (*Fingerprint, error) {
	q, err := fp.Query(ctx, path, s)
	if err != nil {
		return nil, err
	}
	f := q.Fingerprint
	return &f, nil
}

// Query fingerprints the file at path as File does, for a check: with the
// luminance its frames kept and where sampling stopped.
func (fp *Fingerprinter) Query(ctx context.Context, path string, s Sampling) (*Query, error) {
	f, fi, err := safefile.Open(path)
	if err != nil {
		return nil, safefile.Reason(err)
	}
	defer f.Close()
	if fi.Size() == 0 {
		return nil, media.ErrEmpty
	}
	if fi.Size() > fp.limits.MaxFileBytes {
		return nil, fmt.Errorf("%w: %d bytes is over the %d-byte limit", media.ErrTooLarge, fi.Size(), fp.limits.MaxFileBytes)
	}
	m, err := media.SniffReader(f)
	if err != nil {
		return nil, err
	}
	switch {
	case m.Kind == media.KindImage:
		cost, err := media.EstimateDecodeReduced(f, m, s.reducedLong())
		if err != nil {
			return nil, err
		}
		if err := fp.limits.CheckCost(m.Format, cost); err != nil {
			return nil, err
		}
		return fp.cancellable(ctx, cost.Bytes, func() (*Query, error) {
			if m.Animated {
				return fp.animation(ctx, f, s)
			}
			return fp.image(ctx, f, s)
		})
	case m.Kind == media.KindVideo:
		return fp.videoFile(ctx, path, s)
	}
	return nil, fmt.Errorf("%w: not an image or video", media.ErrUnsupported)
}

// cancellable runs a decode that cannot be interrupted (an image decoder
// works to the end once started) so that its caller can: it takes cost
// bytes of the shared decoding budget, decodes in a goroutine and returns
// as soon as ctx ends, leaving the goroutine to finish on its own — the
// file it reads is closed then, which cuts most decoders short — and to
// give its memory back. The budget is released when the goroutine ends,
// not when the caller returns, so abandoned decodes still count.
func (fp *Fingerprinter) cancellable(ctx context.Context, cost int64, decode func() (*Query, error)) (*Query, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	release, err := fp.limits.Budget.Acquire(ctx, cost)
	if err != nil {
		return nil, err
	}
	type result struct {
		fp  *Query
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			release()
			media.ReturnMemory(cost)
		}()
		f, err := decode()
		done <- result{f, err}
	}()
	select {
	case r := <-done:
		return r.fp, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// image decodes a still; its reads fail once ctx ends (media.WithContext),
// which ends an abandoned decode early.
func (fp *Fingerprinter) image(ctx context.Context, f *os.File, s Sampling) (*Query, error) {
	img, info, err := media.DecodeImageReduced(media.WithContext(ctx, f), fp.limits, s.reducedLong())
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.OnFrame != nil {
		s.OnFrame(img, 0)
	}
	out, err := queryImage(ctx, img, info.Format, s.Views, s.Small)
	if err != nil {
		return nil, err
	}
	out.Width, out.Height = info.Width, info.Height
	if s.LocalFPS > 0 {
		if out.Frames[0].Local, err = LocalFeaturesContext(ctx, img, LocalStillSide, LocalStillFeatures); err != nil {
			return nil, err
		}
		finer, err := finerFeatures(ctx, img, LocalStillSide, LocalStillFeatures, s.LocalFine, 0)
		if err != nil {
			return nil, err
		}
		if finer != nil {
			out.Finer = map[int]*orb.Features{0: finer}
		}
	}
	return out, nil
}

// FingerprintImage fingerprints an already decoded still image.
func FingerprintImage(img image.Image, format string, set views.Set) *Fingerprint {
	fp, _ := FingerprintImageContext(context.Background(), img, format, set)
	return fp
}

// FingerprintImageContext is FingerprintImage, given up with ctx's error
// when ctx ends (between its stages and between views).
func FingerprintImageContext(ctx context.Context, img image.Image, format string, set views.Set) (*Fingerprint, error) {
	q, err := QueryImageContext(ctx, img, format, set)
	if err != nil {
		return nil, err
	}
	f := q.Fingerprint
	return &f, nil
}

// QueryImageContext fingerprints an already decoded still image as
// FingerprintImageContext does, for a check: with the luminance it keeps
// with set views.QueryViews.
func QueryImageContext(ctx context.Context, img image.Image, format string, set views.Set) (*Query, error) {
	return queryImage(ctx, img, format, set, nil)
}

// queryImage is QueryImageContext, giving the frame to small when set.
func queryImage(ctx context.Context, img image.Image, format string, set views.Set, small *SmallHasher) (*Query, error) {
	h := GetFrameHasher()
	h.small = small
	defer PutFrameHasher(h)
	b := img.Bounds()
	l := picture.Layout{Inner: picture.Full, Content: picture.Full}
	if set != views.NoViews {
		var err error
		if l, err = picture.DetectLayoutContext(ctx, []image.Image{img}); err != nil {
			return nil, err
		}
	}
	fp := &Query{Fingerprint: Fingerprint{Kind: media.KindImage, Format: format, Width: b.Dx(), Height: b.Dy()}}
	if set == views.FastQueryViews {
		l.Refine([]image.Image{img})
	}
	if set != views.QueryViews {
		f, err := h.HashViewsContext(ctx, img, 0, set, l)
		if err != nil {
			return nil, err
		}
		f.Signals = extraSignals(img, signal.Image)
		fp.Frames = []Frame{f}
		return fp, ctx.Err()
	}
	// One luminance grid serves the proposals (halved), the turned views
	// and guided matching.
	frames := []image.Image{img}
	g := luma.New(img, views.GridSide)
	l.Refine(frames)
	var err error
	if l.Proposals, err = picture.ProposeFromGrids(ctx, frames, []*luma.Grid{g.Shrink(picture.ProposalGridSide)}, picture.MaxProposals); err != nil {
		return nil, err
	}
	f, kept, err := h.hashQuery(ctx, img, 0, l, g)
	if err != nil {
		return nil, err
	}
	f.Signals = extraSignals(img, signal.Image)
	fp.Frames = []Frame{f}
	if kept != nil {
		fp.Luma = []*luma.Grid{kept}
	}
	return fp, ctx.Err()
}

// animation fingerprints an animated GIF or WebP as a video, sampling its
// frames in process.
func (fp *Fingerprinter) animation(ctx context.Context, f *os.File, s Sampling) (*Query, error) {
	out := &Query{Fingerprint: Fingerprint{Kind: media.KindVideo, Frames: []Frame{}}}
	sk := newSink(s, out)
	defer sk.release()
	next, sampled, last := 0.0, 0, 0.0
	info, err := media.DecodeAnimated(f, fp.limits, 0, func(t float64, img image.Image) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if t+1e-6 < next {
			return nil
		}
		if s.FPS > 0 {
			for next <= t+1e-6 {
				next += 1 / s.FPS
			}
		}
		if s.MaxFrames > 0 && sampled >= s.MaxFrames {
			out.Truncated, out.CheckedUntil = true, roundT(last)
			return errStop
		}
		small := scaleDown(img, s.MaxSide)
		if s.OnFrame != nil {
			s.OnFrame(small, roundT(t))
		}
		sampled, last = sampled+1, t
		var fine image.Image
		if side := s.fineSide(); side > 0 && larger(img, small) {
			fine = scaleDown(img, side)
		}
		return sk.add(ctx, small, fine, t)
	})
	if errors.Is(err, media.ErrTooManyFrames) {
		out.Truncated, out.CheckedUntil = true, roundT(last)
	}
	// A very long animation is cut at the decoder's frame cap, like a long
	// video at max_frames: the frames before it are still evidence.
	if err != nil && !errors.Is(err, errStop) && !(errors.Is(err, media.ErrTooManyFrames) && len(out.Frames)+len(sk.held) > 0) {
		return nil, err
	}
	if err := sk.finish(ctx); err != nil {
		return nil, err
	}
	out.Format, out.Width, out.Height, out.Duration = info.Format, info.Width, info.Height, roundT(info.Duration)
	if info.Frames > 0 && info.Duration > 0 {
		out.FPS = roundT(float64(info.Frames) / info.Duration)
	}
	return out, nil
}

var errStop = errors.New("stop")

// larger reports whether a has more pixels than b along either side.
func larger(a, b image.Image) bool {
	sa, sb := a.Bounds().Size(), b.Bounds().Size()
	return sa.X > sb.X || sa.Y > sb.Y
}

// scaleDown shrinks a frame so its longer side is at most side (area
// average), as ffmpeg does for video frames: an animation on a large
// canvas is fingerprinted like a video of it, and the frames held to
// decide its layout stay small.
func scaleDown(img image.Image, side int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if side <= 0 || max(w, h) <= side {
		return img
	}
	scale := float64(side) / float64(max(w, h))
	return imaging.Resize(img, max(1, int(float64(w)*scale+0.5)), max(1, int(float64(h)*scale+0.5)), imaging.Box)
}

// videoFile fingerprints a video through ffmpeg.
func (fp *Fingerprinter) videoFile(ctx context.Context, path string, s Sampling) (*Query, error) {
	if fp.video == nil {
		return nil, fp.noVid
	}
	out := &Query{Fingerprint: Fingerprint{Kind: media.KindVideo, Frames: []Frame{}}}
	sk := newSink(s, out)
	defer sk.release()
	sampled, last := 0, 0.0
	info, err := fp.video.Frames(ctx, path, ffmpeg.SampleOptions{
		FPS: s.FPS, MaxSide: s.MaxSide, MaxFrames: s.MaxFrames, KeyframesOnly: s.KeyframesOnly,
		PortraitByWidth: true, FineSide: s.fineSide(), ShortFPS: s.ShortFPS, ShortUnder: s.ShortUnder,
	}, func(fr ffmpeg.Frame) error {
		if s.OnFrame != nil {
			s.OnFrame(fr.Img, roundT(fr.T))
		}
		if sampled == 0 {
			sk.local = s.pacer(fr.Duration)
		}
		sampled, last = sampled+1, fr.T
		var fine image.Image
		if fr.Fine != nil {
			fine = fr.Fine
		}
		return sk.add(ctx, fr.Img, fine, fr.T)
	})
	if err != nil && s.KeyframesOnly && errors.Is(err, ffmpeg.ErrNoFrames) {
		// A stream without keyframe flags: sample it frame by frame.
		s.KeyframesOnly = false
		return fp.videoFile(ctx, path, s)
	}
	if err != nil {
		return nil, err
	}
	if err := sk.finish(ctx); err != nil {
		return nil, err
	}
	out.Format, out.Codec = info.Format, info.Codec
	out.Width, out.Height = info.Width, info.Height
	out.Duration, out.FPS = roundT(info.Duration), roundT(info.FPS)
	// Sampling stopped at max_frames with more of the clip left: say so.
	if s.MaxFrames > 0 && sampled >= s.MaxFrames && info.Duration > last+1.5/max(s.FPS, 0.1) {
		out.Truncated, out.CheckedUntil = true, roundT(last)
	}
	if len(out.Frames) == 0 {
		return nil, fmt.Errorf("%w: no video frames could be decoded", media.ErrCorrupt)
	}
	return out, nil
}

// sink hashes a clip's frames as they stream in. When views are wanted,
// the first frames are held back (copied: decoders reuse their
// buffers) until the clip's layout is decided from them; later frames are
// hashed at once with that layout.
type sink struct {
	h      *FrameHasher
	local  localPacer
	coarse int // orb.Options.Coarse of the local features
	fine   int // finer levels described (Sampling.LocalFine)
	views  views.Set
	dedup  *deduper
	layout *picture.Layout
	held   []heldFrame
}

type heldFrame struct {
	img  image.Image
	fine image.Image // the frame larger, in grey (nil: none)
	t    float64
}

func newSink(s Sampling, out *Query) *sink {
	sk := &sink{h: GetFrameHasher(), local: s.pacer(0), coarse: s.LocalCoarse, fine: s.LocalFine, views: s.Views, dedup: newDeduper(s.Dedup, out)}
	sk.h.small = s.Small
	if s.Views == views.NoViews {
		sk.layout = &picture.Layout{Inner: picture.Full, Content: picture.Full}
	}
	return sk
}

// add takes the next frame, and fine, the same frame larger for its finer
// levels (nil: none); it fails with ctx's error once ctx has ended.
func (sk *sink) add(ctx context.Context, img, fine image.Image, t float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if sk.layout != nil {
		f, g, finer, err := sk.hash(ctx, img, fine, t, *sk.layout)
		if err != nil {
			return err
		}
		sk.dedup.add(f, g, finer)
		return nil
	}
	h := heldFrame{img: cloneImage(img), t: t}
	if fine != nil && sk.local.fps > 0 && sk.fine > 0 {
		// Held in grey, a quarter of the memory: only its features are
		// wanted, and they are computed from its luminance.
		g, err := orb.GrayFromContext(ctx, fine, 0)
		if err != nil {
			return err
		}
		h.fine = &image.Gray{Pix: g.Pix, Stride: g.W, Rect: image.Rect(0, 0, g.W, g.H)}
	}
	sk.held = append(sk.held, h)
	span := t - sk.held[0].t
	if len(sk.held) >= layoutMaxFrames || len(sk.held) >= layoutFrames && span >= layoutSpan {
		return sk.decide(ctx)
	}
	return nil
}

// decide fixes the layout from the held frames and hashes them.
func (sk *sink) decide(ctx context.Context) error {
	imgs := make([]image.Image, len(sk.held))
	for i, f := range sk.held {
		imgs[i] = f.img
	}
	l, err := picture.DetectLayoutContext(ctx, imgs)
	if err != nil {
		return err
	}
	if sk.views == views.QueryViews || sk.views == views.FastQueryViews {
		l.Refine(imgs)
		if sk.views == views.QueryViews {
			if l.Proposals, err = picture.ProposeRectsContext(ctx, imgs, picture.MaxVideoProposals); err != nil {
				return err
			}
		}
	}
	sk.layout = &l
	for _, f := range sk.held {
		fr, g, finer, err := sk.hash(ctx, f.img, f.fine, f.t, l)
		if err != nil {
			return err
		}
		sk.dedup.add(fr, g, finer)
	}
	sk.held = nil
	return nil
}

// hash fingerprints one frame of the clip, with its views and signals,
// and describes it by local features when it is due: on its finer levels
// too when fine (the frame larger) is given.
func (sk *sink) hash(ctx context.Context, img, fine image.Image, t float64, l picture.Layout) (Frame, *luma.Grid, *orb.Features, error) {
	f, g, err := sk.h.hashViews(ctx, img, t, sk.views, l)
	if err != nil {
		return Frame{}, nil, nil, err
	}
	f.Signals = extraSignals(img, signal.Video)
	var finer *orb.Features
	if sk.local.due(&f) {
		o := LocalOptions()
		o.MaxFeatures, o.Coarse = LocalFrameFeatures, sk.coarse
		if f.Local, err = localFeatures(ctx, img, 0, o); err != nil {
			return Frame{}, nil, nil, err
		}
		if fine != nil && f.Local != nil && sk.fine > 0 {
			b := img.Bounds()
			if finer, err = finerFeatures(ctx, fine, max(b.Dx(), b.Dy()), LocalFrameFeatures, sk.fine, LocalFrameFineSkip); err != nil {
				return Frame{}, nil, nil, err
			}
		}
	}
	return f, g, finer, nil
}

// finish hashes what is still held (a clip shorter than layoutFrames) and
// keeps the last frame of a trailing static run.
func (sk *sink) finish(ctx context.Context) error {
	if sk.layout == nil && len(sk.held) > 0 {
		if err := sk.decide(ctx); err != nil {
			return err
		}
	}
	sk.dedup.flush()
	return nil
}

func (sk *sink) release() { PutFrameHasher(sk.h) }

// cloneImage copies a frame whose buffer its decoder will reuse.
func cloneImage(img image.Image) image.Image {
	switch m := img.(type) {
	case *image.RGBA:
		c := *m
		c.Pix = append([]uint8(nil), m.Pix...)
		return &c
	case *image.NRGBA:
		c := *m
		c.Pix = append([]uint8(nil), m.Pix...)
		return &c
	}
	b := img.Bounds()
	c := image.NewNRGBA(b)
	draw.Draw(c, b, img, b.Min, draw.Src)
	return c
}

// deduper drops consecutive near-identical frames (a static shot sampled
// many times) but keeps the first and the last frame of each such run, so
// when a shot starts and ends is still known.
type deduper struct {
	max         int
	out         *Query
	pending     *Frame     // the latest frame of the current run, not yet kept
	pendingLuma *luma.Grid // its luminance, if kept
}

func newDeduper(max int, out *Query) *deduper { return &deduper{max: max, out: out} }

// add takes the next frame, g, the luminance a check keeps of it, and
// finer, its finer local features (each nil when none).
func (d *deduper) add(f Frame, g *luma.Grid, finer *orb.Features) {
	fr := &d.out.Frames
	if len(*fr) >= maxLumaFrames {
		g = nil // bound memory on long clips
	}
	// A frame described by local features is kept: they were computed
	// because it differs from the last frame described.
	if d.max > 0 && len(*fr) > 0 && f.Local == nil && pdq.Distance((*fr)[len(*fr)-1].PDQ, f.PDQ) <= d.max {
		d.pending, d.pendingLuma = &f, g
		return
	}
	d.flush()
	d.keep(f, g)
	if finer != nil {
		if d.out.Finer == nil {
			d.out.Finer = map[int]*orb.Features{}
		}
		d.out.Finer[len(d.out.Frames)-1] = finer
	}
}

// keep appends a frame and its luminance (Query.Luma by frame index).
func (d *deduper) keep(f Frame, g *luma.Grid) {
	d.out.Frames = append(d.out.Frames, f)
	if g != nil {
		for len(d.out.Luma) < len(d.out.Frames)-1 {
			d.out.Luma = append(d.out.Luma, nil)
		}
		d.out.Luma = append(d.out.Luma, g)
	}
}

// flush keeps the last frame of the current run.
func (d *deduper) flush() {
	if d.pending != nil {
		d.keep(*d.pending, d.pendingLuma)
		d.pending, d.pendingLuma = nil, nil
	}
}
