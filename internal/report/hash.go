package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/vpdq"
)

// HashResult is the fingerprint of one file, or why it could not be made.
type HashResult struct {
	File string
	FP   *fingerprint.Fingerprint
	// Small are the pHash and dHash of FP's frames, one for each frame
	// (engine.Hash); zeros where missing.
	Small []fingerprint.Small
	Err   error
}

// small is the pHash and dHash of frame i.
func (h HashResult) small(i int) fingerprint.Small {
	if i < len(h.Small) {
		return h.Small[i]
	}
	return fingerprint.Small{}
}

// hashFrame is the JSON form of one frame: its fingerprint with the small
// hashes after the quality, where frames always had them.
type hashFrame struct {
	T       float64              `json:"t"`
	PDQ     pdq.Hash             `json:"pdq"`
	Quality int                  `json:"quality"`
	PHash   fingerprint.Hash64   `json:"phash"`
	DHash   fingerprint.Hash64   `json:"dhash"`
	Views   []fingerprint.View   `json:"views,omitempty"`
	Signals []fingerprint.Signal `json:"signals,omitempty"`
	Local   []byte               `json:"local,omitempty"`
}

// hashJSON is the stable JSON form of a HashResult.
type hashJSON struct {
	File     string      `json:"file"`
	Kind     media.Kind  `json:"kind,omitempty"`
	Format   string      `json:"format,omitempty"`
	Codec    string      `json:"codec,omitempty"`
	Width    int         `json:"width,omitempty"`
	Height   int         `json:"height,omitempty"`
	Duration *float64    `json:"duration_s,omitempty"`
	FPS      float64     `json:"fps,omitempty"`
	Frames   []hashFrame `json:"frames,omitempty"`
	Error    string      `json:"error,omitempty"`
}

// MarshalJSON writes {"file", "kind", "width", "height", "duration_s",
// "frames": [{"t", "pdq", "quality", "phash", "dhash"}]} or {"file", "error"}.
func (h HashResult) MarshalJSON() ([]byte, error) {
	if h.Err != nil {
		return json.Marshal(hashJSON{File: h.File, Error: h.Err.Error()})
	}
	fp := h.FP
	d := fp.Duration
	frames := make([]hashFrame, len(fp.Frames))
	for i, f := range fp.Frames {
		sm := h.small(i)
		frames[i] = hashFrame{T: f.T, PDQ: f.PDQ, Quality: f.Quality, PHash: sm.PHash, DHash: sm.DHash,
			Views: f.Views, Signals: f.Signals, Local: f.Local}
	}
	return json.Marshal(hashJSON{File: h.File, Kind: fp.Kind, Format: fp.Format, Codec: fp.Codec,
		Width: fp.Width, Height: fp.Height, Duration: &d, FPS: fp.FPS, Frames: frames})
}

// WriteHash writes one result in format f (text, json, jsonl or vpdq).
func WriteHash(w io.Writer, f Format, r HashResult) error {
	var b []byte
	var err error
	switch f {
	case JSON:
		b, err = json.MarshalIndent(r, "", "  ")
		b = append(b, '\n')
	case JSONL:
		b, err = json.Marshal(r)
		b = append(b, '\n')
	case VPDQ:
		b = []byte(vpdqLines(r))
	default:
		b = []byte(hashText(r))
	}
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// vpdq writes ThreatExchange vPDQ lines, frame_number,quality,pdq_hex,
// timestamp_seconds, in Meta's layout (internal/vpdq). A file that failed
// writes nothing: Meta's reader rejects anything but hash lines, so errors
// go to stderr only.
func vpdqLines(r HashResult) string {
	if r.Err != nil {
		return ""
	}
	var b strings.Builder
	vpdq.Write(&b, vpdq.FromFingerprint(r.FP))
	return b.String()
}

func hashText(r HashResult) string {
	if r.Err != nil {
		return fmt.Sprintf("%s: error: %s\n", Clean(r.File), Clean(r.Err.Error()))
	}
	fp := r.FP
	r.File = Clean(r.File)
	var b strings.Builder
	if fp.Kind == media.KindVideo {
		fmt.Fprintf(&b, "%s: video %s %dx%d %s, %d frame(s) hashed\n", r.File, strings.Trim(fp.Format+" "+fp.Codec, " "), fp.Width, fp.Height, Clock(fp.Duration), len(fp.Frames))
	} else {
		fmt.Fprintf(&b, "%s: image %s %dx%d\n", r.File, fp.Format, fp.Width, fp.Height)
	}
	for i, f := range fp.Frames {
		sm := r.small(i)
		fmt.Fprintf(&b, "  %8.3f  pdq %s  q %3d  phash %s  dhash %s\n", f.T, f.PDQ, f.Quality, sm.PHash, sm.DHash)
	}
	return b.String()
}
