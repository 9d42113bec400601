package engine

import (
	"context"
	"encoding/hex"
	"errors"
	"slices"

	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// withIdentical adds to rep what the registry knows of this exact file. A
// checked file whose bytes are those of a registered medium (the same
// SHA-256) is that medium, whatever its frames show: its match is a
// `match` with IdenticalFile set, also when no frame of it could be
// matched (too dark, too plain, too small to hash or describe) — a
// registered file itself is never `no_match`. Frame evidence found for the
// same case stays in the match. The digest is looked up in the store's
// index; when the store cannot answer (a lost database connection), the
// report is the frames' alone and the problem is logged.
func (e *Engine) withIdentical(ctx context.Context, rep Report, d Digest) Report {
	if e.store == nil {
		return rep
	}
	sha := hex.EncodeToString(d[:])
	refs, err := e.store.WithDigest(ctx, sha)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Warn("looking up a checked file's digest failed", "err", err)
		}
		return rep
	}
	for _, ref := range refs {
		i := slices.IndexFunc(rep.Matches, func(m Match) bool { return m.EntryID == ref.CaseID })
		if i < 0 {
			c, err := e.store.Get(ctx, ref.CaseID)
			if err != nil {
				if !errors.Is(err, registry.ErrNotFound) && ctx.Err() == nil {
					e.log.Warn("reading the case of an identical file failed", "case", ref.CaseID, "err", err)
				}
				continue // removed since, or the store is gone: frames only
			}
			m := caseMatch(&c)
			m.QueryCoverage, m.EntryCoverage = 1, 1
			if k := slices.IndexFunc(c.Media, func(m registry.Media) bool { return m.SHA256 == sha }); k >= 0 {
				fp := c.Media[k].Fingerprint
				m.Seen = &Seen{MediaSHA256: sha, MediaKind: fp.Kind, MediaDuration: fp.Duration, Pairs: []FramePair{}}
				if fp.Duration > 0 {
					m.Segments = []Segment{{0, fp.Duration, 0, fp.Duration}}
				}
			}
			rep.Matches = append(rep.Matches, m)
			i = len(rep.Matches) - 1
		}
		m := &rep.Matches[i]
		m.IdenticalFile, m.Media = true, ref.Name
		m.Verdict, m.Score = rules.Match, 1
	}
	if len(refs) > 0 && len(rep.Matches) > 0 {
		sortMatches(rep.Matches)
		rep.Verdict = rep.Matches[0].Verdict
		rep.Action = e.cfg.Action(rep.Verdict)
	}
	return rep
}

// caseMatch is a match's account of its case: what it is, its rating and
// its fact-checks, with no evidence yet.
func caseMatch(c *registry.Case) Match {
	m := Match{EntryID: c.ID, Title: c.Title, Claim: c.Claim, Rating: c.Rating, Category: string(c.Category),
		Segments: []Segment{}, FactChecks: []FactCheck{}}
	for _, fc := range c.FactChecks {
		m.FactChecks = append(m.FactChecks, FactCheck{fc.Publisher, fc.URL, fc.Title, fc.Rating, fc.Date})
	}
	return m
}
