package web

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/provcheck/provcheck/engine"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/rules"
)

// Result is a checked file as the page shows it.
type Result struct {
	File, Kind, Length string
	Verdict            string // match, possible_match, no_match
	Words, Headline    string // the verdict in words
	Class              string // match, possible, none: the colour
	Frames             int
	ElapsedMS          int64
	Cases              int // cases in the registry
	Error              string
	Matches            []MatchView
}

// MatchView is one matching case with its evidence.
type MatchView struct {
	Anchor                int
	EntryID, Title, Claim string
	Rating, Category      string
	CategoryWords         string
	Verdict, Class        string
	Evidence              string
	FactChecks            []FactCheckView
	Timeline              *Timeline
	Pairs                 []PairView
	MorePairs             int
	NoEntryThumbs         bool
	HasRegion             bool
	MatchDistance         int
}

// FactCheckView is one fact-check card. URL is empty unless it is an
// http(s) URL.
type FactCheckView struct {
	Publisher, Title, Rating, Date, URL, Language string
}

// PairView is a frame of the checked file next to the registered frame it
// matched.
type PairView struct {
	QueryT, EntryT string
	Distance       int
	QuerySrc       template.URL // a data: URL of the in-memory thumbnail
	QW, QH         int
	EntrySrc       string // the registered thumbnail's address
	EntryKind      string
	QueryRegion    *Region
	EntryRegion    *Region
}

// Region is a part of a picture, relative to its size (0..1), outlined on
// the thumbnail: where a registered picture was found inside a checked one.
type Region struct{ X, Y, W, H float64 }

// Timeline draws both clips as bars (0..1000) with the matched segments.
type Timeline struct {
	QueryLength, EntryLength string
	EntryName                string
	Segments                 []SegmentView
}

// SegmentView is one matched segment on the timeline.
type SegmentView struct {
	QX, QW, QEnd, EX, EW, EEnd int
	Text                       string
}

// Evidence is what the page needs besides the report to show the frames.
type Evidence struct {
	// QueryThumb returns the JPEG thumbnail of the checked file's frame at
	// t, made in memory.
	QueryThumb func(t float64) (jpeg []byte, w, h int, ok bool)
	// EntryThumbs returns the frames of a registered medium that have a
	// thumbnail; nil when the registry keeps none.
	EntryThumbs func(caseID, sha256 string) map[int]bool
	// Cases is how many cases the registry holds.
	Cases int
	// MatchDistance is thresholds.match_distance, to explain distances.
	MatchDistance int
}

// MaxPairs is the most thumbnail pairs shown per case: spread evenly over
// the matched frames.
const MaxPairs = 8

// NewResult builds the view of a report.
func NewResult(rep engine.Report, ev Evidence) Result {
	res := Result{File: rep.File, Kind: string(rep.Kind), Verdict: string(rep.Verdict), Frames: rep.Frames,
		ElapsedMS: rep.ElapsedMS, Cases: ev.Cases, Error: rep.Error}
	if rep.Failed() {
		return res
	}
	if rep.Kind == media.KindVideo {
		res.Length = Clock(rep.Duration)
	}
	what := "picture"
	if rep.Kind == media.KindVideo {
		what = "video"
	}
	switch rep.Verdict {
	case rules.Match:
		res.Words, res.Class = "Debunked", "match"
		res.Headline = "This " + what + " matches media that fact-checkers have debunked."
	case rules.PossibleMatch:
		res.Words, res.Class = "Possibly debunked", "possible"
		res.Headline = "This " + what + " looks like debunked media, but the match is not certain: compare the frames below."
	default:
		res.Words, res.Class = "No known debunk", "none"
		res.Headline = "This " + what + " does not match any debunked media in this registry."
	}
	for i, m := range rep.Matches {
		res.Matches = append(res.Matches, newMatchView(i, rep, m, ev))
	}
	return res
}

func newMatchView(i int, rep engine.Report, m engine.Match, ev Evidence) MatchView {
	v := MatchView{Anchor: i + 1, EntryID: m.EntryID, Title: m.Title, Claim: m.Claim, Rating: m.Rating,
		Category: m.Category, CategoryWords: CategoryWords(m.Category), Verdict: string(m.Verdict),
		Class: "match", MatchDistance: ev.MatchDistance}
	if m.Verdict == rules.PossibleMatch {
		v.Class = "possible"
	}
	ev1 := fmt.Sprintf("%d frame%s matched", m.FramesMatched, plural(m.FramesMatched))
	if rep.Kind == media.KindVideo {
		ev1 += fmt.Sprintf(" (%.0f%% of this clip)", 100*m.QueryCoverage)
	}
	ev1 += fmt.Sprintf(", %.0f%% of the registered %s covered, best distance %d/256, score %.2f",
		100*m.EntryCoverage, orDefault(m.Media, "medium"), m.Distance, m.Score)
	switch {
	case m.IdenticalFile && m.FramesMatched == 0:
		ev1 = fmt.Sprintf("Your file is byte for byte the registered %s (the same SHA-256)", orDefault(m.Media, "medium"))
	case m.IdenticalFile:
		ev1 = fmt.Sprintf("Your file is byte for byte the registered %s (the same SHA-256); %s", orDefault(m.Media, "medium"), ev1)
	}
	v.Evidence = ev1
	for _, fc := range m.FactChecks {
		v.FactChecks = append(v.FactChecks, FactCheckView{Publisher: fc.Publisher, Title: fc.Title, Rating: fc.Rating,
			Date: fc.Date, URL: SafeURL(fc.URL)})
	}
	seen := m.Seen
	if seen == nil {
		return v
	}
	if rep.Kind == media.KindVideo && seen.MediaKind == media.KindVideo && len(m.Segments) > 0 {
		v.Timeline = newTimeline(rep.Duration, seen.MediaDuration, orDefault(m.Media, "clip"), m.Segments)
	}
	var have map[int]bool
	if ev.EntryThumbs != nil {
		have = ev.EntryThumbs(m.EntryID, seen.MediaSHA256)
	}
	v.NoEntryThumbs = len(have) == 0
	pairs := spread(seen.Pairs, MaxPairs)
	v.MorePairs = len(seen.Pairs) - len(pairs)
	for _, p := range pairs {
		pv := PairView{QueryT: Clock(p.QueryT), EntryT: Clock(p.EntryT), Distance: p.Distance, EntryKind: string(seen.MediaKind)}
		if rep.Kind != media.KindVideo {
			pv.QueryT = "the picture"
		}
		if seen.MediaKind != media.KindVideo {
			pv.EntryT = "the picture"
		}
		if ev.QueryThumb != nil {
			if b, w, h, ok := ev.QueryThumb(p.QueryT); ok {
				pv.QuerySrc = template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(b))
				pv.QW, pv.QH = w, h
			}
		}
		if have[p.EntryFrame] {
			pv.EntrySrc = ThumbURL(m.EntryID, seen.MediaSHA256, p.EntryFrame)
		}
		if p.Region != nil {
			pv.QueryRegion = regionView(p.Region.Query)
			pv.EntryRegion = regionView(p.Region.Entry)
			v.HasRegion = pv.QueryRegion != nil || pv.EntryRegion != nil
		}
		v.Pairs = append(v.Pairs, pv)
	}
	return v
}

func regionView(r *engine.Rect) *Region {
	if r == nil || r.W <= 0 || r.H <= 0 {
		return nil
	}
	c := func(v float64) float64 { return math.Round(math.Min(1, math.Max(0, v))*1000) / 1000 }
	return &Region{X: c(r.X), Y: c(r.Y), W: c(r.W), H: c(r.H)}
}

// ThumbURL is the address of a registered frame's thumbnail.
func ThumbURL(caseID, sha256 string, frame int) string {
	return "/thumbs/" + url.PathEscape(caseID) + "/" + url.PathEscape(sha256) + "/" + strconv.Itoa(frame) + ".jpg"
}

// spread picks at most n pairs spread evenly, the first and last included.
func spread(ps []engine.FramePair, n int) []engine.FramePair {
	if len(ps) <= n {
		return ps
	}
	out := make([]engine.FramePair, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, ps[i*(len(ps)-1)/(n-1)])
	}
	return out
}

func newTimeline(qdur, edur float64, name string, segs []engine.Segment) *Timeline {
	qmax, emax := qdur, edur
	for _, s := range segs {
		qmax, emax = math.Max(qmax, s.QueryEnd), math.Max(emax, s.EntryEnd)
	}
	if qmax <= 0 || emax <= 0 {
		return nil
	}
	t := &Timeline{QueryLength: Clock(qmax), EntryLength: Clock(emax), EntryName: name}
	pos := func(v, total float64) int { return int(math.Round(1000 * math.Min(1, math.Max(0, v/total)))) }
	for _, s := range segs {
		sv := SegmentView{QX: pos(s.QueryStart, qmax), QEnd: pos(s.QueryEnd, qmax), EX: pos(s.EntryStart, emax), EEnd: pos(s.EntryEnd, emax)}
		sv.QW, sv.EW = max(sv.QEnd-sv.QX, 2), max(sv.EEnd-sv.EX, 2)
		sv.Text = fmt.Sprintf("%s–%s of this file shows %s–%s of the registered %s.",
			Clock(s.QueryStart), Clock(s.QueryEnd), Clock(s.EntryStart), Clock(s.EntryEnd), name)
		t.Segments = append(t.Segments, sv)
	}
	return t
}

// SafeURL returns u if it is an absolute http(s) URL, else "" (a bundle
// made by others may carry anything).
func SafeURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	return u
}

// CategoryWords explains a MediaReview category in plain words.
func CategoryWords(c string) string {
	switch c {
	case "OriginalMediaContent":
		return "the media is original, but used to make a false claim"
	case "DecontextualizedContent":
		return "real media shown out of its context"
	case "EditedOrCroppedContent":
		return "real media that was edited or cropped"
	case "TransformedContent":
		return "media transformed or generated, e.g. by AI"
	case "StagedContent":
		return "a staged scene"
	case "SatireOrParodyContent":
		return "satire or parody taken as real"
	}
	return ""
}

// Clock formats seconds as m:ss.s.
func Clock(sec float64) string {
	if sec < 0 || math.IsNaN(sec) {
		sec = 0
	}
	m := int(sec) / 60
	return fmt.Sprintf("%d:%04.1f", m, sec-float64(m*60))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func orDefault(s, d string) string {
	if strings.TrimSpace(s) == "" {
		return d
	}
	return s
}
