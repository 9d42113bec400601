// Package fingerprint turns images and videos into fingerprints: it samples
// the frames the media package decodes, finds the picture in them (package
// picture), and hashes each frame and its views (package views) with PDQ and
// the other registered signal types.
package fingerprint

import (
	"fmt"
	"strconv"
	"unsafe"

	"github.com/provcheck/provcheck/internal/luma"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/signal/orb"
	"github.com/provcheck/provcheck/internal/signal/pdq"
)

// Hash64 is a 64-bit perceptual hash (pHash or dHash, see SmallHasher). It
// marshals as 16 hex digits.
type Hash64 uint64

// String returns the 16-digit hex form.
func (h Hash64) String() string { return fmt.Sprintf("%016x", uint64(h)) }

// MarshalText implements encoding.TextMarshaler.
func (h Hash64) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (h *Hash64) UnmarshalText(b []byte) error {
	v, err := ParseHash64(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

// ParseHash64 reads a 16-digit hex hash.
func ParseHash64(s string) (Hash64, error) {
	if len(s) != 16 {
		return 0, fmt.Errorf("hash %q: want 16 hex digits", s)
	}
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("hash %q: not hex", s)
	}
	return Hash64(v), nil
}

// Frame is the fingerprint of one picture: a still image, or one sampled
// video frame at time T (seconds from the start). PDQ is of the whole
// frame; Views, when asked for, hash parts or mirror images of it (see
// views.Set).
type Frame struct {
	T       float64  `json:"t"`
	PDQ     pdq.Hash `json:"pdq"`
	Quality int      `json:"quality"`
	Views   []View   `json:"views,omitempty"`
	// Signals are the values of the registered signal types other than
	// PDQ (see package signal), of the whole frame.
	Signals []Signal `json:"signals,omitempty"`
	// Local is the frame's local features (orb.Encode), on the frames
	// sampled for them; nil on the others.
	Local []byte `json:"local,omitempty"`
}

// View is the PDQ hash of one view of a frame: the picture found inside
// borders or a blurred background, a crop, a mirror image.
type View struct {
	Name    string   `json:"name"`
	PDQ     pdq.Hash `json:"pdq"`
	Quality int      `json:"quality"`
}

// Signal is one value of a signal type, in the type's text form.
type Signal struct {
	Type    string `json:"type"`
	Version int    `json:"version"`
	Value   string `json:"value"`
	Quality int    `json:"quality"`
}

// Fingerprint is the source's properties and the fingerprints of its
// frames (one frame for an image): what a registry stores of a medium and
// bundles carry. What only a check needs is in Query.
type Fingerprint struct {
	Kind     media.Kind `json:"kind"`
	Format   string     `json:"format,omitempty"` // container or image format: jpeg, png, mov,mp4,…
	Codec    string     `json:"codec,omitempty"`  // video codec, e.g. h264
	Width    int        `json:"width"`
	Height   int        `json:"height"`
	Duration float64    `json:"duration_s"`
	FPS      float64    `json:"fps,omitempty"`
	Frames   []Frame    `json:"frames"`
}

// Query is the fingerprint of a file being checked with what the check
// needs beyond it, none of which is stored: the luminance guided matching
// warps through a local match's transform (see HashProjective), and where
// sampling stopped.
type Query struct {
	Fingerprint
	// Luma is, by frame index, the luminance of the frames that kept it
	// (hashed with views.QueryViews; of a clip, the first maxLumaFrames
	// kept): nil entries, or a slice shorter than Frames, where frames
	// kept none. See FrameLuma.
	Luma []*luma.Grid `json:"-"`
	// Finer is, by frame index, a checked picture's local features on the
	// pyramid levels finer than its Frame.Local (Sampling.LocalFine; in
	// the pixels of the finer picture they were found on): searched
	// besides Frame.Local, never stored. A still has them when it is
	// larger than it is described at; a clip's frames with local features
	// when the clip is larger than its decoded frame size (they are
	// decoded larger too). See FrameFiner.
	Finer map[int]*orb.Features `json:"-"`
	// Truncated is set when sampling stopped at Sampling.MaxFrames before
	// the end of the clip; CheckedUntil is then where it stopped (seconds).
	Truncated    bool    `json:"-"`
	CheckedUntil float64 `json:"-"`
}

// FrameLuma is the luminance kept of frame i, nil when none was.
func (q *Query) FrameLuma(i int) *luma.Grid {
	if i < 0 || i >= len(q.Luma) {
		return nil
	}
	return q.Luma[i]
}

// FrameFiner is frame i's finer local features, nil when it has none.
func (q *Query) FrameFiner(i int) *orb.Features { return q.Finer[i] }

// LumaBytes is the memory the kept luminance takes.
func (q *Query) LumaBytes() int {
	n := 0
	for _, g := range q.Luma {
		if g != nil {
			n += g.Bytes()
		}
	}
	return n
}

// KeptBytes is the memory what only a check needs takes: the kept
// luminance and the finer features.
func (q *Query) KeptBytes() int {
	n := q.LumaBytes()
	for _, f := range q.Finer {
		n += len(f.Keypoints)*int(unsafe.Sizeof(orb.Keypoint{})) + len(f.Descriptors)*int(unsafe.Sizeof(orb.Descriptor{}))
	}
	return n
}

// roundT keeps timestamps readable in JSON (millisecond precision).
func roundT(t float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(t, 'f', 3, 64), 64)
	return v
}
