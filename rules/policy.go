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
	case e.BestDistance <= t.MatchDistance && e.StrongFrames >= 1,
		e.FramesMatched >= 2 && e.BestDistance <= t.PossibleDistance,
		e.QueryFrames == 1 && e.BestDistance <= t.PossibleDistance:
		v = PossibleMatch
	}
	return v, score(e, t)
}

// score is similarity × support: similarity 1 − mean distance/128 (1 for
// identical frames, about 0.76 at distance 31), support the share of the
// required aligned frames found, weighted by coverage.
func score(e Evidence, t Thresholds) float64 {
	sim := 1 - e.MeanDistance/128
	need := float64(min(t.MinFrames, e.QueryFrames))
	support := min(1, float64(e.StrongFrames)/need)
	cov := max(e.QueryCoverage, e.EntryCoverage)
	s := sim * (0.5*support + 0.5*min(1, cov))
	if s < 0 {
		s = 0
	}
	return float64(int(s*1000+0.5)) / 1000
}

// Action is the configured action for a verdict.
func (c Config) Action(v Verdict) string { return c.Actions[v] }
