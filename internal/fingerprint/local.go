package fingerprint

import (
	"context"
	"image"
	"math"

	"github.com/provcheck/provcheck/internal/signal/orb"
	"github.com/provcheck/provcheck/internal/signal/pdq"
)

// Local features (ORB keypoints with rotated BRIEF descriptors) find a
// picture from any large enough part of it: a corner crop, a collage tile,
// a photo of a screen. They are computed on stills and on video frames at
// Sampling.LocalFPS, and stored encoded in Frame.Local.
const (
	// LocalStillSide: stills are described at most this large (long side);
	// video frames as decoded (sampling.frame_size).
	LocalStillSide = 640
	// LocalDedup: a video frame within this PDQ distance of the last frame
	// described is not described again (a static shot).
	LocalDedup = 16
	// LocalStillFeatures and LocalFrameFeatures bound the features of a
	// still and of a video frame (smaller, and many per clip).
	LocalStillFeatures = 500
	LocalFrameFeatures = 300
	// LocalFrameFineSkip: a checked video frame's finer levels leave out
	// this many nearest its decoded size (1.2× and 1.44×), described by
	// its own finest levels nearly as well: they are the ones a collage
	// tile or a duet side (shown at a half or a third) least needs, and
	// cost as much as the other two.
	LocalFrameFineSkip = 2
)

// LocalOptions are the detection settings of local features.
func LocalOptions() orb.Options { return orb.DefaultOptions() }

// LocalFeatures describes img for matching by local features, encoded:
// at most n features, on a copy at most maxSide large (0: as it is).
func LocalFeatures(img image.Image, maxSide, n int) []byte {
	b, _ := LocalFeaturesContext(context.Background(), img, maxSide, n)
	return b
}

// LocalFeaturesContext is LocalFeatures, given up with ctx's error when
// ctx ends (while the picture is made grey and small, and between the
// levels of the detector's pyramid).
func LocalFeaturesContext(ctx context.Context, img image.Image, maxSide, n int) ([]byte, error) {
	o := LocalOptions()
	o.MaxFeatures = n
	return localFeatures(ctx, img, maxSide, o)
}

// finerFeatures describes a checked picture on up to fine pyramid levels
// finer than the side it is described at (side, its long side: a still's
// LocalStillSide, a video frame's decoded size), as many as img, the same
// picture at a larger size, has the pixels for (a pyramid on img at
// ScaleFactor^k times side): nil when it has none. The skip levels
// nearest the described size are left out (their scales are close to the
// picture's own finest levels; a clip's frames skip them to save time),
// so with k levels available, k−skip are described. n is the feature
// budget of the picture's own description, which the finer levels
// continue at the same density (fineBudget). A picture larger than it is
// described at can show a registered picture smaller than the whole (a
// collage tile, one side of a duet, a post in a phone screenshot, a
// screen in a photo), which at the described size keeps few features at
// the scale that picture was registered at. The features are in img's
// pixels as scaled for them.
func finerFeatures(ctx context.Context, img image.Image, side, n, fine, skip int) (*orb.Features, error) {
	o := LocalOptions()
	o.MaxFeatures = n
	b := img.Bounds()
	long := float64(max(b.Dx(), b.Dy()))
	k := 0
	for k < fine && float64(side)*math.Pow(o.ScaleFactor, float64(k+1)) <= long+0.5 {
		k++
	}
	if k <= skip {
		return nil, nil
	}
	g, err := orb.GrayFromContext(ctx, img, int(math.Round(float64(side)*math.Pow(o.ScaleFactor, float64(k)))))
	if err != nil {
		return nil, err
	}
	fo := o
	fo.Levels, fo.MaxFeatures = k-skip, fineBudget(o, k)-fineBudget(o, skip)
	f, err := orb.DetectContext(ctx, g, fo)
	if err != nil || f.Len() == 0 {
		return nil, err
	}
	return f, nil
}

// fineSide is the size checked video frames are also decoded at for their
// finer levels (Sampling.LocalFine levels above MaxSide, rounded to even):
// 0 when the check describes none.
func (s Sampling) fineSide() int {
	if s.LocalFPS <= 0 || s.LocalFine <= 0 || s.MaxSide <= 0 {
		return 0
	}
	v := float64(s.MaxSide) * math.Pow(LocalOptions().ScaleFactor, float64(s.LocalFine))
	return 2 * int(math.Round(v/2))
}

// reducedLong is the long side a checked still's reduced JPEG decode
// keeps at least (0: what the hashes need): LocalStillSide when the check
// describes finer levels, so that the still is described at the size it
// is meant to be, and the finer levels get whatever pixels a decode
// reduced that far has (a 1920-px JPEG is decoded at 960 px, two finer
// levels; 4000 px at 1000). A decode kept large enough for every finer
// level would decode a 1280×720 upload whole instead of at 640 px.
func (s Sampling) reducedLong() int {
	if s.LocalFPS <= 0 || s.LocalFine <= 0 {
		return 0
	}
	return LocalStillSide
}

// fineBudget is the feature budget of k levels finer than o's pyramid at
// the density o gives its finest level: each level ScaleFactor times
// larger gets ScaleFactor times the features of the one below it, as
// o's own levels do (orb's level quotas), so no scale outweighs the
// others.
func fineBudget(o orb.Options, k int) int {
	f := 1 / o.ScaleFactor
	finest := float64(o.MaxFeatures) * (1 - f) / (1 - math.Pow(f, float64(o.Levels)))
	n := 0.0
	for j := 1; j <= k; j++ {
		n += finest * math.Pow(o.ScaleFactor, float64(j))
	}
	return int(math.Round(n))
}

// localFeatures describes img with detection options o, encoded.
func localFeatures(ctx context.Context, img image.Image, maxSide int, o orb.Options) ([]byte, error) {
	g, err := orb.GrayFromContext(ctx, img, maxSide)
	if err != nil {
		return nil, err
	}
	f, err := orb.DetectContext(ctx, g, o)
	if err != nil {
		return nil, err
	}
	if f.Len() == 0 {
		return nil, nil
	}
	return orb.Encode(f, o.ScaleFactor), nil
}

// pacer is the localPacer for a video of duration seconds (0: unknown):
// at Sampling.LocalFPS, or on every sampled frame for a clip too short
// for LocalMinFrames frames at LocalFPS.
func (s Sampling) pacer(duration float64) localPacer {
	p := localPacer{fps: s.LocalFPS}
	if s.LocalFPS > 0 && s.LocalMinFrames > 0 && duration > 0 && s.FPS > s.LocalFPS &&
		duration*s.LocalFPS < float64(s.LocalMinFrames) {
		p.every = true
	}
	return p
}

// localPacer decides which video frames get local features: at most fps a
// second (every frame given when every is set), and not a frame nearly
// identical to the last one described.
type localPacer struct {
	fps     float64
	every   bool
	next    float64
	last    pdq.Hash
	lastT   float64
	started bool
}

func (p *localPacer) due(f *Frame) bool {
	if p.fps <= 0 {
		return false
	}
	if p.started {
		d := pdq.Distance(p.last, f.PDQ)
		cut := d >= localCut && f.T+1e-6 >= p.lastT+localCutGap
		if d <= LocalDedup || f.T+1e-6 < p.next && !cut && !p.every {
			return false
		}
	}
	p.started, p.last, p.lastT = true, f.PDQ, f.T
	p.next = f.T + 1/p.fps
	return true
}

// A frame this far (PDQ) from the last one described is a new shot and is
// described at once, if localCutGap seconds have passed.
const (
	localCut    = 64
	localCutGap = 0.5
)

// LocalStopFeatures describes a still for the stop-list at each of the
// sizes registered media are described at (stills at LocalStillSide,
// video frames at frameSize), merged into one set: a descriptor only
// matches one at the same scale, and the stop-list must reach both.
func LocalStopFeatures(img image.Image, frameSize int) []byte {
	o := LocalOptions()
	big := orb.Detect(orb.GrayFrom(img, LocalStillSide), o)
	small := orb.Detect(orb.GrayFrom(img, frameSize), o)
	if small.W > 0 && small.W < big.W {
		f := float32(big.W) / float32(small.W)
		for i, k := range small.Keypoints {
			k.X, k.Y = k.X*f, k.Y*f
			big.Keypoints = append(big.Keypoints, k)
			big.Descriptors = append(big.Descriptors, small.Descriptors[i])
		}
	}
	if big.Len() == 0 {
		return nil
	}
	return orb.Encode(big, o.ScaleFactor)
}
