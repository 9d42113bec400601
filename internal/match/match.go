// Package match compares a query fingerprint with a registry snapshot: it
// finds the registered frames near each query frame, then aggregates them per
// case into evidence — frames that agree on one time alignment, the matched
// segments, coverage and distances — for the rules to decide on.
package match

import (
	"cmp"
	"context"
	"math"
	"slices"
	"sort"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/index"
	"github.com/provcheck/provcheck/internal/luma"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/signal"
	"github.com/provcheck/provcheck/internal/signal/orb"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/rules"
)

// QueryFrame is one frame of the media being checked, with every view of it
// to search for: Hashes[0] is the frame as it is; further hashes are
// variants (mirror images, the content found inside borders, crops).
type QueryFrame struct {
	T       float64
	Quality int
	Hashes  []pdq.Hash
	// Narrow are speculative views (turned back by a guessed angle):
	// many per frame, so they are searched only within the match
	// distance, where a hit is strong evidence and the search is cheap.
	Narrow []pdq.Hash
	// Signals are the frame's values of the signal types other than PDQ.
	Signals []fingerprint.Signal
	// Local is the frame's local features, on the frames sampled for
	// them; nil on the others.
	Local *orb.Features
	// Finer is the frame's features on the pyramid levels finer than
	// Local's (fingerprint.Query.Finer, in its own pixels), searched
	// besides Local; nil when the picture had no finer pixels.
	Finer *orb.Features
	// Luma is the frame's luminance where the fingerprint kept it (every
	// sampled frame of a thorough check, up to its bound on long clips):
	// what guided PDQ and the guided views hash, so a placement found by
	// local features on one frame is also hashed on the frames between
	// those with local features.
	Luma *luma.Grid
}

// MinLocalFeatures is the number of local features that makes a frame
// evidence even when its PDQ quality is too low (dim, plain or flat
// footage): fewer cannot reach orb's inlier and spread tests.
const MinLocalFeatures = 40

// Informative reports whether a query frame is evidence: PDQ quality of
// at least minQuality, or enough local features.
func (f *QueryFrame) Informative(minQuality int) bool {
	return f.Quality >= minQuality || f.Local != nil && f.Local.Len() >= MinLocalFeatures
}

// Query is what is searched.
type Query struct {
	Kind     media.Kind
	Duration float64
	Frames   []QueryFrame
}

// NewQuery makes a query from the fingerprint of a checked file: each
// frame with its views of sufficient quality, its local features and the
// luminance the fingerprint kept of it.
func NewQuery(fp *fingerprint.Query, minQuality int) Query {
	q := Query{Kind: fp.Kind, Duration: fp.Duration, Frames: make([]QueryFrame, len(fp.Frames))}
	for i, f := range fp.Frames {
		qf := QueryFrame{T: f.T, Quality: f.Quality, Hashes: []pdq.Hash{f.PDQ}, Signals: f.Signals, Luma: fp.FrameLuma(i), Finer: fp.FrameFiner(i)}
		if len(f.Local) > 0 {
			if lf, err := orb.Decode(f.Local); err == nil {
				qf.Local = lf
			}
		}
		for _, v := range f.Views {
			switch {
			case v.Quality < minQuality:
			case v.Speculative():
				qf.Narrow = append(qf.Narrow, v.PDQ)
			default:
				qf.Hashes = append(qf.Hashes, v.PDQ)
				qf.Quality = max(qf.Quality, v.Quality)
			}
		}
		q.Frames[i] = qf
	}
	return q
}

// Params are the matching thresholds.
type Params struct {
	SearchDistance int     // frames farther than this are not hits (possible_distance)
	MatchDistance  int     // hits within this are strong
	MinQuality     int     // query frames below this PDQ quality are ignored
	MaxSpeedChange float64 // speed changes searched for, e.g. 0.3 for ±30%
}

// ParamsFrom takes the matching parameters from the configuration.
func ParamsFrom(c rules.Config) Params {
	return Params{
		SearchDistance: c.Thresholds.PossibleDistance,
		MatchDistance:  c.Thresholds.MatchDistance,
		MinQuality:     c.Thresholds.MinQuality,
		MaxSpeedChange: c.Thresholds.MaxSpeedChange,
	}
}

// Segment is a stretch of the query aligned with a stretch of a registered
// medium, in seconds.
type Segment struct {
	Media      int     `json:"-"`
	QueryStart float64 `json:"query_start"`
	QueryEnd   float64 `json:"query_end"`
	EntryStart float64 `json:"entry_start"`
	EntryEnd   float64 `json:"entry_end"`
}

// CaseMatch is the evidence that the query shows one registered case.
type CaseMatch struct {
	Case     int // position in the snapshot
	Media    int // the case's best-matching medium
	Evidence rules.Evidence
	Segments []Segment
	Speed    float64 // registered time advances Speed seconds per query second
	Offset   float64 // registered time at query time 0
	// Pairs are the aligned frames, in query order: the evidence a person
	// can look at.
	Pairs []Pair
	// Region is the best local-feature match among the aligned frames:
	// which part of the registered picture was found where; nil without
	// local evidence.
	Region *Region
}

// Region is where local features found part of a registered frame in a
// query frame.
type Region struct {
	QueryT, EntryT float64  // the two frames' times (s)
	Entry          orb.Rect // the registered picture's part inside the query frame
	Query          orb.Rect // where the registered picture lies in the query frame
	Inliers        int      // descriptor matches agreeing on the transform
	Mirrored       bool     // found in the query's mirror image
}

// Pair is one query frame aligned with the registered frame it matched.
type Pair struct {
	Query    int // index in Query.Frames
	Entry    int // index in the registered medium's fingerprint frames
	Distance int // PDQ
	// Local is where local features found the registered frame in the
	// query frame; nil when they did not.
	Local *Region
}

type hit struct {
	qi   int32 // query frame
	fi   int32 // registered frame
	dist int32 // distance for alignment: PDQ, or MatchDistance at most when local features verified
	pdq  int32 // PDQ distance between the two frames
	loc  *localHit
}

type localHit struct {
	inliers    int
	mirrored   bool
	m          orb.Match
	regW, regH int // the registered picture's feature size (m.H maps from it)
	qw, qh     int // the checked picture's feature size (m.H maps to it)
}

type mediaKey struct{ c, m int32 }

// Find returns the evidence for every case with at least one hit, strongest
// first. It does not decide verdicts: that is the rules' job.
func Find(snap *index.Snapshot, q Query, p Params) []CaseMatch {
	out, _ := FindContext(context.Background(), snap, q, p)
	return out
}

// FindContext is Find, given up with ctx's error when ctx ends (between
// the searches, between the frames looked up by local features and between
// registered media).
func FindContext(ctx context.Context, snap *index.Snapshot, q Query, p Params) ([]CaseMatch, error) {
	var hashes, narrow []pdq.Hash
	var owner, narrowOwner []int32
	informative := 0
	for qi, f := range q.Frames {
		if !f.Informative(p.MinQuality) {
			continue
		}
		informative++
		if f.Quality < p.MinQuality {
			continue // evidence by local features only
		}
		for _, h := range f.Hashes {
			hashes = append(hashes, h)
			owner = append(owner, int32(qi))
		}
		for _, h := range f.Narrow {
			narrow = append(narrow, h)
			narrowOwner = append(narrowOwner, int32(qi))
		}
	}
	hasLocal := snap.Local != nil && snap.Local.Frames() > 0
	if informative == 0 || snap.Index.Len() == 0 && len(snap.Signals) == 0 && !hasLocal {
		return nil, ctx.Err()
	}
	// Best distance per (medium, query frame, registered frame): several
	// views of one query frame may hit the same registered frame.
	type key struct {
		mk     mediaKey
		qi, fi int32
	}
	best := map[key]int32{}
	collect := func(owner []int32) func(i int, h index.Hit) {
		return func(i int, h index.Hit) {
			k := key{mediaKey{h.Case, h.Media}, owner[i], h.Frame}
			if d, ok := best[k]; !ok || int32(h.Distance) < d {
				best[k] = int32(h.Distance)
			}
		}
	}
	if err := index.SearchManyContext(ctx, snap.Index, hashes, p.SearchDistance, collect(owner)); err != nil {
		return nil, err
	}
	if len(narrow) > 0 {
		if err := index.SearchManyContext(ctx, snap.Index, narrow, min(p.MatchDistance, p.SearchDistance), collect(narrowOwner)); err != nil {
			return nil, err
		}
	}
	searchSignals(snap, q, p, func(qi int32, h signal.Hit, d int32) {
		k := key{mediaKey{h.Case, h.Media}, qi, h.Frame}
		if old, ok := best[k]; !ok || d < old {
			best[k] = d
		}
	})
	// Local features: registered frames that share a verified region with
	// a query frame.
	local := map[key]*localHit{}
	if hasLocal {
		for qi, f := range q.Frames {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if f.Local == nil || !f.Informative(p.MinQuality) {
				continue
			}
			// The finer levels of a large still are searched apart: their
			// own candidates, so they add registered pictures shown small
			// without taking a candidate place from Local's.
			for _, lf := range []*orb.Features{f.Local, f.Finer} {
				if lf == nil {
					continue
				}
				for _, h := range snap.Local.Query(lf, true) {
					r := index.RefOfLocal(h.Ref)
					k := key{mediaKey{r.Case, r.Media}, int32(qi), r.Frame}
					if old, ok := local[k]; !ok || h.Match.Inliers > old.inliers {
						local[k] = &localHit{inliers: h.Match.Inliers, mirrored: h.Mirrored, m: h.Match, regW: h.W, regH: h.H, qw: lf.W, qh: lf.H}
					}
				}
			}
		}
	}
	// Guided views: where a whole registered picture was found, the same
	// placement is hashed on the checked frames that kept their luminance
	// (see Luma) and searched like any other view (guided.go).
	memo := guidedMemo{}
	if len(local) > 0 {
		var cands []guide
		for k, lh := range local {
			if lh.whole() {
				cands = append(cands, guide{lh: lh, qi: k.qi, fi: k.fi, c: k.mk.c, m: k.mk.m})
			}
		}
		if gh, gowner := guidedViews(&q, distinctPlacements(cands), p.MinQuality, memo); len(gh) > 0 {
			if err := index.SearchManyContext(ctx, snap.Index, gh, min(p.MatchDistance, p.SearchDistance), collect(gowner)); err != nil {
				return nil, err
			}
		}
	}
	// The cases hit are read from the store when the snapshot is on an
	// index file (only those); a case it could not confirm is left out.
	var hitCases []int32
	for k := range best {
		hitCases = append(hitCases, k.mk.c)
	}
	for k := range local {
		hitCases = append(hitCases, k.mk.c)
	}
	if err := snap.Fetch(ctx, hitCases); err != nil {
		return nil, err
	}
	if snap.OnFile() {
		for k := range best {
			if snap.Case(k.mk.c) == nil {
				delete(best, k)
			}
		}
		for k := range local {
			if snap.Case(k.mk.c) == nil {
				delete(local, k)
			}
		}
	}
	regFrame := func(k key) *fingerprint.Frame {
		return &snap.Case(k.mk.c).Media[k.mk.m].Fingerprint.Frames[k.fi]
	}
	frameDist := func(k key) int32 {
		rf := regFrame(k)
		d := 256
		for _, h := range q.Frames[k.qi].Hashes {
			d = min(d, pdq.Distance(h, rf.PDQ))
		}
		return int32(d)
	}
	// A local match holding the whole registered picture is checked with
	// PDQ on the checked frame warped back through it (guided.go).
	var fh *fingerprint.FrameHasher
	guided := func(k key, lh *localHit, d int32) int32 {
		f := &q.Frames[k.qi]
		if f.Luma == nil || f.Local == nil {
			return d
		}
		w, done := memo[guidedKey{k.qi, lh}]
		if !done {
			if fh == nil {
				fh = fingerprint.GetFrameHasher()
			}
			w.hash, w.ok = guidedHash(fh, f.Luma, lh, p.MinQuality)
		}
		if w.ok {
			return min(d, int32(pdq.Distance(w.hash, regFrame(k).PDQ)))
		}
		return d
	}
	byMedia := map[mediaKey][]hit{}
	for k, d := range best {
		h := hit{qi: k.qi, fi: k.fi, dist: d, pdq: d}
		if lh, ok := local[k]; ok {
			h.loc = lh
			h.pdq = guided(k, lh, d)
			h.dist = min(h.pdq, int32(p.MatchDistance))
			delete(local, k)
		}
		byMedia[k.mk] = append(byMedia[k.mk], h)
	}
	for k, lh := range local {
		d := guided(k, lh, frameDist(k))
		byMedia[k.mk] = append(byMedia[k.mk], hit{qi: k.qi, fi: k.fi, dist: min(d, int32(p.MatchDistance)), pdq: d, loc: lh})
	}
	if fh != nil {
		fingerprint.PutFrameHasher(fh)
	}
	perCase := map[int32]CaseMatch{}
	for mk, hits := range byMedia {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		m := &snap.Case(mk.c).Media[mk.m]
		cm := align(q, &m.Fingerprint, hits, p)
		cm.Case, cm.Media = int(mk.c), int(mk.m)
		cm.Evidence.QueryFrames = informative
		cm.Evidence.QueryCoverage = round3(float64(cm.Evidence.FramesMatched) / float64(informative))
		for i := range cm.Segments {
			cm.Segments[i].Media = int(mk.m)
		}
		if old, ok := perCase[mk.c]; !ok || stronger(cm, old) {
			perCase[mk.c] = cm
		}
	}
	out := make([]CaseMatch, 0, len(perCase))
	for _, cm := range perCase {
		out = append(out, cm)
	}
	sort.Slice(out, func(i, j int) bool {
		if stronger(out[i], out[j]) != stronger(out[j], out[i]) {
			return stronger(out[i], out[j])
		}
		return out[i].Case < out[j].Case
	})
	return out, nil
}

// searchSignals looks up the query frames' values of every signal type but
// PDQ in the snapshot's index of that type. A hit's distance is put on the
// configured PDQ scale so that the type's own thresholds land on the
// configured ones: within the type's match threshold is within
// p.MatchDistance, within its possible threshold within p.SearchDistance.
func searchSignals(snap *index.Snapshot, q Query, p Params, found func(qi int32, h signal.Hit, d int32)) {
	if len(snap.Signals) == 0 {
		return
	}
	var hits []signal.Hit
	for qi, f := range q.Frames {
		if f.Quality < p.MinQuality {
			continue
		}
		for _, sv := range f.Signals {
			x := snap.Signals[sv.Type]
			t, ok := signal.Lookup(sv.Type)
			if x == nil || !ok || sv.Version != t.Version() || sv.Quality < p.MinQuality {
				continue
			}
			v, err := t.Decode(sv.Value)
			if err != nil {
				continue
			}
			strong, weak := t.Thresholds()
			hits = x.Search(v, weak, hits[:0])
			for _, h := range hits {
				found(int32(qi), h, int32(onScale(h.Distance, strong, weak, p)))
			}
		}
	}
}

// onScale maps a distance of a type with thresholds strong ≤ weak onto the
// configured ones, linearly on each side of strong.
func onScale(d, strong, weak int, p Params) int {
	if d <= strong {
		return (d*p.MatchDistance + max(strong, 1)/2) / max(strong, 1)
	}
	return p.MatchDistance + ((d-strong)*(p.SearchDistance-p.MatchDistance)+max(weak-strong, 1)/2)/max(weak-strong, 1)
}

// stronger orders evidence: more strong frames, then more aligned frames,
// then smaller distances.
func stronger(a, b CaseMatch) bool {
	ea, eb := a.Evidence, b.Evidence
	if ea.StrongFrames != eb.StrongFrames {
		return ea.StrongFrames > eb.StrongFrames
	}
	if ea.FramesMatched != eb.FramesMatched {
		return ea.FramesMatched > eb.FramesMatched
	}
	if ea.BestDistance != eb.BestDistance {
		return ea.BestDistance < eb.BestDistance
	}
	return ea.MeanDistance < eb.MeanDistance
}

// align keeps the hits that agree on one time alignment between the query
// and a registered medium, and summarises them.
func align(q Query, entry *fingerprint.Fingerprint, hits []hit, p Params) CaseMatch {
	var chosen map[int32]hit // query frame → its aligned hit
	speed, offset := 1.0, 0.0
	if q.Kind == media.KindVideo && entry.Kind == media.KindVideo && len(entry.Frames) > 1 && len(q.Frames) > 1 {
		chosen, speed, offset = temporal(q, entry, hits, p)
		sameShot(q, entry, chosen, speed, offset, p)
	} else {
		// A still on either side: no time axis to agree on; each query frame
		// keeps its best hit.
		chosen = map[int32]hit{}
		for _, h := range hits {
			if c, ok := chosen[h.qi]; !ok || h.dist < c.dist || h.dist == c.dist && h.fi < c.fi {
				chosen[h.qi] = h
			}
		}
	}
	cm := CaseMatch{Speed: speed, Offset: round3(offset)}
	if len(chosen) == 0 {
		return cm
	}
	qis := make([]int32, 0, len(chosen))
	sum := 0
	cm.Evidence.BestDistance = math.MaxInt32
	for qi, h := range chosen {
		qis = append(qis, qi)
		sum += int(h.pdq)
		cm.Evidence.BestDistance = min(cm.Evidence.BestDistance, int(h.pdq))
		if int(h.dist) <= p.MatchDistance {
			cm.Evidence.StrongFrames++
		}
		if h.loc != nil {
			cm.Evidence.LocalFrames++
			if h.loc.inliers > cm.Evidence.LocalInliers || h.loc.inliers == cm.Evidence.LocalInliers && cm.Region != nil && q.Frames[qi].T < cm.Region.QueryT {
				cm.Evidence.LocalInliers = h.loc.inliers
				cm.Region = &Region{
					QueryT: q.Frames[qi].T, EntryT: entry.Frames[h.fi].T,
					Entry: roundRect(h.loc.m.Region), Query: roundRect(h.loc.m.QueryRegion),
					Inliers: h.loc.inliers, Mirrored: h.loc.mirrored,
				}
			}
		}
	}
	slices.Sort(qis)
	cm.Pairs = make([]Pair, len(qis))
	for i, qi := range qis {
		h := chosen[qi]
		cm.Pairs[i] = Pair{Query: int(qi), Entry: int(h.fi), Distance: int(h.pdq)}
		if h.loc != nil {
			cm.Pairs[i].Local = &Region{QueryT: q.Frames[qi].T, EntryT: entry.Frames[h.fi].T,
				Entry: roundRect(h.loc.m.Region), Query: roundRect(h.loc.m.QueryRegion), Inliers: h.loc.inliers, Mirrored: h.loc.mirrored}
		}
	}
	cm.Evidence.FramesMatched = len(chosen)
	cm.Evidence.MeanDistance = round3(float64(sum) / float64(len(chosen)))
	cm.Segments = segments(q, entry, qis, chosen)
	if speed != 1 || offset != 0 {
		// Along a fitted time alignment, the registered times follow the
		// line, not the scatter of the individual hits.
		for i := range cm.Segments {
			sg := &cm.Segments[i]
			end := max(entry.Duration, entry.Frames[len(entry.Frames)-1].T)
			sg.EntryStart = round3(min(end, max(0, speed*sg.QueryStart+offset)))
			sg.EntryEnd = round3(min(end, max(0, speed*sg.QueryEnd+offset)))
		}
	}
	cm.Evidence.EntryCoverage = entryCoverage(entry, cm.Segments)
	return cm
}

// Time alignment. The votes are coarse and the refinement is local: a
// finer bin or a longer list of refined candidates separates alignments
// within one slowly changing shot better, at more work per medium; wider
// tolerances keep frames a dropped or repeated frame moved, and let more
// unrelated hits join.
const (
	// offsetBin is the seconds of offset per vote bin.
	offsetBin = 0.5
	// speedStep is the step of the speeds voted for, up to
	// Params.MaxSpeedChange either way.
	speedStep = 0.05
	// maxRefined: at most this many of the candidates within one vote of
	// the best are refined.
	maxRefined = 12
	// minTol, tolSteps: a hit counts for an alignment within max(minTol,
	// tolSteps registered frame steps) of it …
	minTol   = 1.0
	tolSteps = 2
	// minTight: … and is preferred within max(minTight, one step).
	minTight = 0.35
	// speedPenalty: a speed change must earn this many distance points a
	// frame per unit of speed (a third of a bit a frame per 5%) to beat
	// normal speed.
	speedPenalty = 6
	// minGap, gapSteps: aligned frames further apart than max(minGap,
	// gapSteps query frame steps) start a new segment.
	minGap   = 2.5
	gapSteps = 3
)

// temporal finds the speed and offset on which most query frames agree
// (a Hough vote over registered time = speed × query time + offset), then
// refines the best few candidates — offset from the median residual, score
// from how close each frame's best hit is along the line — because within
// a slowly changing shot many alignments collect the same votes. It returns
// each agreeing query frame's best hit.
func temporal(q Query, entry *fingerprint.Fingerprint, hits []hit, p Params) (map[int32]hit, float64, float64) {
	tol := max(minTol, tolSteps*entryStep(entry))
	speeds := []float64{1}
	for d := speedStep; d <= p.MaxSpeedChange+1e-9; d += speedStep {
		speeds = append(speeds, 1+d, 1-d)
	}
	type candidate struct {
		speed, offset, votes float64
	}
	var cands []candidate
	for _, s := range speeds {
		bins := map[int64]map[int32]int32{} // bin → query frame → best distance
		for _, h := range hits {
			b := int64(math.Floor((entry.Frames[h.fi].T - s*q.Frames[h.qi].T) / offsetBin))
			v := bins[b]
			if v == nil {
				v = map[int32]int32{}
				bins[b] = v
			}
			if d, ok := v[h.qi]; !ok || h.dist < d {
				v[h.qi] = h.dist
			}
		}
		for b, v := range bins {
			// Two neighbouring bins together, so an offset on a bin edge
			// is not split.
			merged := map[int32]bool{}
			for qi := range v {
				merged[qi] = true
			}
			for qi := range bins[b+1] {
				merged[qi] = true
			}
			cands = append(cands, candidate{s, float64(b+1) * offsetBin, float64(len(merged))})
		}
	}
	// A total order (votes, then normal speed, then offset): the result must
	// not depend on map iteration.
	slices.SortFunc(cands, func(a, b candidate) int {
		if a.votes != b.votes {
			return cmp.Compare(b.votes, a.votes)
		}
		if da, db := math.Abs(a.speed-1), math.Abs(b.speed-1); da != db {
			return cmp.Compare(da, db)
		}
		if a.speed != b.speed {
			return cmp.Compare(a.speed, b.speed)
		}
		return cmp.Compare(a.offset, b.offset)
	})
	// Refine the candidates within one vote of the best.
	best, bestScore := candidate{1, 0, 0}, math.Inf(-1)
	for i, c := range cands {
		if i >= maxRefined || c.votes < cands[0].votes-1 {
			break
		}
		// The offset: the median residual of the hits near the line.
		var res []float64
		for _, h := range hits {
			r := entry.Frames[h.fi].T - c.speed*q.Frames[h.qi].T
			if math.Abs(r-c.offset) <= tol {
				res = append(res, r)
			}
		}
		if len(res) == 0 {
			continue
		}
		slices.Sort(res)
		c.offset = res[len(res)/2]
		// The score: each frame's best hit close to the line, by distance.
		near := map[int32]int32{}
		tight := max(minTight, entryStep(entry))
		for _, h := range hits {
			if math.Abs(entry.Frames[h.fi].T-(c.speed*q.Frames[h.qi].T+c.offset)) > tight {
				continue
			}
			if d, ok := near[h.qi]; !ok || h.dist < d {
				near[h.qi] = h.dist
			}
		}
		score := 0.0
		for _, d := range near {
			score += float64(p.SearchDistance + 1 - int(d))
		}
		// A speed change is a claim: it must earn a third of a bit a
		// frame per 5% to beat normal speed.
		score -= math.Abs(c.speed-1) * speedPenalty * float64(len(near))
		if score > bestScore {
			best, bestScore = c, score
		}
	}
	// Each frame keeps its best hit close to the line; only a frame with
	// none close keeps one further off (a static shot, a dropped frame).
	tight := max(minTight, entryStep(entry))
	chosen := map[int32]hit{}
	for _, window := range []float64{tight, tol} {
		for _, h := range hits {
			if _, done := chosen[h.qi]; done && window > tight {
				continue
			}
			want := best.speed*q.Frames[h.qi].T + best.offset
			if math.Abs(entry.Frames[h.fi].T-want) > window {
				continue
			}
			// Ties go to the earlier registered frame: the hits come in
			// map order, the choice must not.
			dh, dc := 0.0, 0.0
			if c, ok := chosen[h.qi]; ok {
				dh, dc = math.Abs(entry.Frames[h.fi].T-want), math.Abs(entry.Frames[c.fi].T-want)
			}
			if c, ok := chosen[h.qi]; !ok || h.dist < c.dist ||
				h.dist == c.dist && (dh < dc || dh == dc && h.fi < c.fi) {
				chosen[h.qi] = h
			}
		}
	}
	return chosen, best.speed, best.offset
}

// segments groups aligned query frames into runs without long gaps.
func segments(q Query, entry *fingerprint.Fingerprint, qis []int32, chosen map[int32]hit) []Segment {
	gap := max(minGap, gapSteps*queryStep(q))
	var out []Segment
	for _, qi := range qis {
		qt := q.Frames[qi].T
		et := entry.Frames[chosen[qi].fi].T
		if n := len(out); n > 0 && qt-out[n-1].QueryEnd <= gap {
			s := &out[n-1]
			s.QueryEnd = qt
			s.EntryStart, s.EntryEnd = min(s.EntryStart, et), max(s.EntryEnd, et)
			continue
		}
		out = append(out, Segment{QueryStart: qt, QueryEnd: qt, EntryStart: et, EntryEnd: et})
	}
	for i := range out {
		s := &out[i]
		s.QueryStart, s.QueryEnd = round3(s.QueryStart), round3(s.QueryEnd)
		s.EntryStart, s.EntryEnd = round3(s.EntryStart), round3(s.EntryEnd)
	}
	return out
}

// entryCoverage is the share of the registered medium's duration that the
// segments cover (a still image is covered whole by any match).
func entryCoverage(entry *fingerprint.Fingerprint, segs []Segment) float64 {
	if entry.Kind != media.KindVideo || len(entry.Frames) < 2 || len(segs) == 0 {
		if len(segs) > 0 {
			return 1
		}
		return 0
	}
	dur := entry.Duration
	if last := entry.Frames[len(entry.Frames)-1].T; dur < last {
		dur = last
	}
	if dur <= 0 {
		return 1
	}
	step := entryStep(entry)
	spans := make([][2]float64, len(segs))
	for i, s := range segs {
		spans[i] = [2]float64{s.EntryStart, s.EntryEnd + step}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	covered, end := 0.0, math.Inf(-1)
	for _, sp := range spans {
		lo := max(sp[0], end)
		if sp[1] > lo {
			covered += sp[1] - lo
		}
		end = max(end, sp[1])
	}
	return round3(min(1, covered/dur))
}

// entryStep is the typical time between registered frames.
func entryStep(fp *fingerprint.Fingerprint) float64 {
	return medianStep(len(fp.Frames), func(i int) float64 { return fp.Frames[i].T })
}

func queryStep(q Query) float64 {
	return medianStep(len(q.Frames), func(i int) float64 { return q.Frames[i].T })
}

func medianStep(n int, t func(int) float64) float64 {
	if n < 2 {
		return 0
	}
	steps := make([]float64, 0, n-1)
	for i := 1; i < n; i++ {
		steps = append(steps, t(i)-t(i-1))
	}
	slices.Sort(steps)
	return steps[len(steps)/2]
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func roundRect(r orb.Rect) orb.Rect {
	return orb.Rect{X: round3(r.X), Y: round3(r.Y), W: round3(r.W), H: round3(r.H)}
}

// sameShotDistance: a frame within this PDQ distance of another shows the
// same picture — the distance below which neither a checked nor a
// registered clip describes a frame by local features again
// (fingerprint.LocalDedup).
const sameShotDistance = fingerprint.LocalDedup

// sameShot extends local evidence along unchanged shots. Local features
// are computed on a frame only when it differs from the last one
// described, so in a static shot (a fixed camera, a held picture) under an
// overlay that whole-frame hashes cannot see through, one described frame
// stands for all of them. An aligned query frame with a local match lends
// it to each informative query frame without a hit of its own that shows
// the same picture (within sameShotDistance), when the registered frame
// the alignment puts there shows the same picture as the registered frame
// matched (or the registered frames on both sides of that time do: a
// static registered run keeps only its first and last frames). The lent
// hits are weak (beyond MatchDistance, no local evidence of their own):
// they add aligned frames and coverage, never strong or local frames, so
// a verdict still needs as many independently verified frames as before.
func sameShot(q Query, entry *fingerprint.Fingerprint, chosen map[int32]hit, speed, offset float64, p Params) {
	var lenders []int32
	for qi, h := range chosen {
		if h.loc != nil {
			lenders = append(lenders, qi)
		}
	}
	if len(lenders) == 0 {
		return
	}
	slices.Sort(lenders)
	tight := max(minTight, entryStep(entry))
	near := func(a, b pdq.Hash) bool { return pdq.Distance(a, b) <= sameShotDistance }
	for qi := range q.Frames {
		f := &q.Frames[qi]
		if _, ok := chosen[int32(qi)]; ok || !f.Informative(p.MinQuality) {
			continue
		}
		// The nearest lender in time showing the same picture.
		lender, gap := int32(-1), math.Inf(1)
		for _, l := range lenders {
			if d := math.Abs(q.Frames[l].T - f.T); d < gap && near(q.Frames[l].Hashes[0], f.Hashes[0]) {
				lender, gap = l, d
			}
		}
		if lender < 0 {
			continue
		}
		want := entry.Frames[chosen[lender].fi].PDQ
		t := speed*f.T + offset
		i, _ := slices.BinarySearchFunc(entry.Frames, t, func(e fingerprint.Frame, t float64) int { return cmp.Compare(e.T, t) })
		fi := -1
		switch {
		case i < len(entry.Frames) && entry.Frames[i].T-t <= tight && near(entry.Frames[i].PDQ, want):
			fi = i
		case i > 0 && t-entry.Frames[i-1].T <= tight && near(entry.Frames[i-1].PDQ, want):
			fi = i - 1
		case i > 0 && i < len(entry.Frames) && near(entry.Frames[i-1].PDQ, want) && near(entry.Frames[i].PDQ, want):
			fi = i - 1
			if entry.Frames[i].T-t < t-entry.Frames[i-1].T {
				fi = i
			}
		}
		if fi < 0 {
			continue
		}
		d := 256
		for _, h := range f.Hashes {
			d = min(d, pdq.Distance(h, entry.Frames[fi].PDQ))
		}
		chosen[int32(qi)] = hit{qi: int32(qi), fi: int32(fi), dist: int32(max(d, p.MatchDistance+1)), pdq: int32(d)}
	}
}
