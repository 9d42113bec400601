package engine

import (
	"encoding/json"

	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/rules"
)

// Report is the outcome of checking one file. Its JSON keys are stable:
// scripts and bots depend on them.
type Report struct {
	File      string        `json:"file"`
	Kind      media.Kind    `json:"kind"`
	Verdict   rules.Verdict `json:"verdict"`
	Action    string        `json:"action"`
	Matches   []Match       `json:"matches"`
	ElapsedMS int64         `json:"elapsed_ms"`
	// Duration and Frames describe what was checked: the length of a video
	// and how many of its frames were informative enough to search.
	Duration float64 `json:"duration_s"`
	Frames   int     `json:"frames_checked"`
	// FramesTruncated is set when only the start of a long video was
	// checked (sampling.max_frames): up to CheckedUntil seconds.
	FramesTruncated bool    `json:"frames_truncated,omitempty"`
	CheckedUntil    float64 `json:"checked_until_s,omitempty"`
	// Error is set, and every other field but File left out, when the file
	// could not be checked.
	Error string `json:"-"`
}

// Match is the evidence that the file shows one registered case, with the
// fact-checks that cover it.
type Match struct {
	EntryID       string        `json:"entry_id"`
	Title         string        `json:"title"`
	Claim         string        `json:"claim,omitempty"`
	Rating        string        `json:"rating,omitempty"`
	Category      string        `json:"category,omitempty"`
	Verdict       rules.Verdict `json:"verdict"`
	Score         float64       `json:"score"`
	Distance      int           `json:"distance"`
	QueryCoverage float64       `json:"query_coverage"`
	EntryCoverage float64       `json:"entry_coverage"`
	FramesMatched int           `json:"frames_matched"`
	Media         string        `json:"media,omitempty"` // the registered medium that matched
	Segments      []Segment     `json:"segments"`
	// IdenticalFile: this file is byte for byte the registered medium
	// Media (the same SHA-256), a match whatever its frames show.
	IdenticalFile bool `json:"identical_file,omitempty"`
	// Region is where local features found part of the registered
	// picture in this file; absent without local evidence.
	Region     *Region     `json:"region,omitempty"`
	FactChecks []FactCheck `json:"fact_checks"`
	// Seen is the evidence for people to look at (the web page shows it
	// as thumbnail pairs and a timeline); not part of the JSON.
	Seen *Seen `json:"-"`
}

// Region says which part of the registered picture was found, and where,
// by local features: boxes are fractions (0..1) of each picture's width
// and height, from its top left corner.
type Region struct {
	QueryT  float64 `json:"query_t"`  // time of the frame of this file (s)
	EntryT  float64 `json:"entry_t"`  // time of the registered frame (s)
	Entry   Box     `json:"entry"`    // the part of the registered picture inside this file's frame
	Query   Box     `json:"query"`    // where the registered picture lies in this file's frame
	Inliers int     `json:"inliers"`  // descriptor matches agreeing on one transform
	Mirror  bool    `json:"mirrored"` // found in the mirror image of this file
}

// Box is a rectangle in fractions of a picture's width and height.
type Box struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// Seen identifies the registered medium that matched and the frames of
// both sides that were aligned.
type Seen struct {
	MediaSHA256   string      // the registered medium (its digest)
	MediaKind     media.Kind  // image or video
	MediaDuration float64     // seconds; 0 for a still
	Pairs         []FramePair // in the checked file's order
}

// FramePair is a frame of the checked file aligned with the registered
// frame it matched.
type FramePair struct {
	QueryT     float64 // seconds into the checked file
	EntryT     float64 // seconds into the registered medium
	EntryFrame int     // index of the registered frame in its fingerprint
	Distance   int     // PDQ Hamming distance of the best views
	// Region, when local matching located the registered picture inside
	// the checked frame, outlines it on both sides; nil otherwise.
	Region *PairRegion
}

// PairRegion is where the matched picture lies in each frame of a pair.
type PairRegion struct {
	Query, Entry *Rect
}

// Rect is a part of a picture relative to its width and height (0..1).
type Rect struct{ X, Y, W, H float64 }

// Segment aligns a stretch of the checked file (query) with a stretch of
// the registered medium (entry), in seconds.
type Segment struct {
	QueryStart float64 `json:"query_start"`
	QueryEnd   float64 `json:"query_end"`
	EntryStart float64 `json:"entry_start"`
	EntryEnd   float64 `json:"entry_end"`
}

// FactCheck is a published fact-check of the matched case.
type FactCheck struct {
	Publisher string `json:"publisher"`
	URL       string `json:"url"`
	Title     string `json:"title"`
	Rating    string `json:"rating"`
	Date      string `json:"date"`
}

// Failed reports whether the file could not be checked.
func (r *Report) Failed() bool { return r.Error != "" }

// MarshalJSON writes {"file", "error"} for a failed file and the full
// report otherwise.
func (r Report) MarshalJSON() ([]byte, error) {
	if r.Error != "" {
		return json.Marshal(struct {
			File  string `json:"file"`
			Error string `json:"error"`
		}{r.File, r.Error})
	}
	type plain Report
	p := plain(r)
	if p.Matches == nil {
		p.Matches = []Match{}
	}
	return json.Marshal(p)
}

// UnmarshalJSON reads both forms MarshalJSON writes.
func (r *Report) UnmarshalJSON(b []byte) error {
	type plain Report
	var p struct {
		plain
		Error string `json:"error"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*r = Report(p.plain)
	r.Error = p.Error
	return nil
}
