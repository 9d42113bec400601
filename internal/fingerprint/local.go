package fingerprint

import (
	"context"
	"image"

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

// localPacer decides which video frames get local features: at most fps a
// second, and not a frame nearly identical to the last one described.
type localPacer struct {
	fps     float64
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
		if d <= LocalDedup || f.T+1e-6 < p.next && !cut {
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
