package rules

// Verdict is the outcome for one checked file or one case.
type Verdict string

// The verdicts, weakest first.
const (
	NoMatch       Verdict = "no_match"
	PossibleMatch Verdict = "possible_match"
	Match         Verdict = "match"
)

// Rank orders verdicts: no_match 0, possible_match 1, match 2.
func (v Verdict) Rank() int {
	switch v {
	case Match:
		return 2
	case PossibleMatch:
		return 1
	}
	return 0
}

// ParseVerdict accepts "match" or "possible_match" (for --fail-on).
func ParseVerdict(s string) (Verdict, bool) {
	switch Verdict(s) {
	case Match, PossibleMatch, NoMatch:
		return Verdict(s), true
	}
	return "", false
}

// Evidence is what matching found for one case: the numbers the policy
// decides on.
type Evidence struct {
	QueryFrames   int     // informative frames in the query
	FramesMatched int     // query frames aligned with the case's medium
	StrongFrames  int     // of those, within MatchDistance
	QueryCoverage float64 // FramesMatched / QueryFrames
	EntryCoverage float64 // share of the registered medium covered
	BestDistance  int     // best frame distance (PDQ bits)
	MeanDistance  float64 // mean distance of the aligned frames
	// LocalFrames are the aligned frames in which local features found
	// part of the registered frame (counted in StrongFrames too), and
	// LocalInliers the most descriptor matches one of them agreed on.
	LocalFrames  int
	LocalInliers int
}

// Decide turns evidence into a verdict and a score in 0..1.
//
// A match needs strong, consistent evidence: the best frame within
// match_distance, and at least min_frames aligned frames within it (or all
// of the query's informative frames when it has fewer, as a still image
// has one), covering at least min_coverage of the query or of the
// registered medium. Weaker evidence — a strong frame without enough
// support, two or more aligned frames within possible_distance, or a still
// (one frame, all the evidence it can give) within possible_distance — is a
// possible match.
//
// Local features are evidence of their own: a frame counts when its
// descriptor matches agree on one transform with inliers spread over the
// registered picture (orb.Verify). A match by local features alone needs
// min_frames such frames aligned in time (a still: its one frame), one of
// them with at least local_inliers inliers, and the coverage; fewer, or
// fewer inliers, is a possible match.
func (c Config) Decide(e Evidence) (Verdict, float64) {
	t := c.Thresholds
	if e.FramesMatched == 0 || e.QueryFrames == 0 {
		return NoMatch, 0
	}
	need := min(t.MinFrames, e.QueryFrames)
	covered := e.QueryCoverage >= t.MinCoverage || e.EntryCoverage >= t.MinCoverage
	v := NoMatch
	switch {
	case e.BestDistance <= t.MatchDistance && e.StrongFrames >= need && covered:
		v = Match
	case e.LocalFrames >= need && e.LocalInliers >= t.LocalInliers && covered:
		v = Match
	case e.BestDistance <= t.MatchDistance && e.StrongFrames >= 1,
		e.LocalFrames >= 1,
		e.FramesMatched >= 2 && e.BestDistance <= t.PossibleDistance,
		e.QueryFrames == 1 && e.BestDistance <= t.PossibleDistance:
		v = PossibleMatch
	}
	return v, score(e, t)
}

// The score's scale. The score orders a file's matches and is reported
// with them; it does not decide verdicts, so these move scores and the
// order of matches of one verdict, never a verdict.
const (
	// zeroSimilarity is the mean distance at which similarity is 0: half
	// of PDQ's 256 bits, where unrelated pictures are.
	zeroSimilarity = 128
	// localFull: local evidence with localFull × local_inliers inliers is
	// as similar as identical frames.
	localFull = 2
	// supportWeight is the weight of the aligned frames found in support;
	// coverage has the rest.
	supportWeight = 0.5
)

// score is similarity × support: similarity 1 − mean distance/128 (1 for
// identical frames, about 0.76 at distance 31) or, with local evidence,
// the inliers as a share of twice local_inliers if that is more; support the share of the
// required aligned frames found, weighted by coverage.
func score(e Evidence, t Thresholds) float64 {
	sim := 1 - e.MeanDistance/zeroSimilarity
	if e.LocalFrames > 0 {
		// Local evidence: twice local_inliers inliers is as good as
		// identical frames.
		sim = max(sim, min(1, float64(e.LocalInliers)/float64(localFull*max(1, t.LocalInliers))))
	}
	need := float64(min(t.MinFrames, e.QueryFrames))
	support := min(1, float64(e.StrongFrames)/need)
	cov := max(e.QueryCoverage, e.EntryCoverage)
	s := sim * (supportWeight*support + (1-supportWeight)*min(1, cov))
	if s < 0 {
		s = 0
	}
	return float64(int(s*1000+0.5)) / 1000
}

// Action is the configured action for a verdict.
func (c Config) Action(v Verdict) string { return c.Actions[v] }
