package index

import (
	"context"
	"slices"
	"sync/atomic"

	"github.com/provcheck/provcheck/internal/signal/orb"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/registry"
)

// A snapshot is brought up to date by applying the store's changes to it
// (Apply) rather than by reading and indexing the whole registry again.
//
// Its index is layered: the base, a multi-index built once over every case
// when the snapshot was built whole; a set of dead case positions, whose
// hits in the base are dropped (cases removed, or changed and indexed again);
// and a small delta index over the cases added or changed since. A changed
// case is appended at a new position and its old position is marked dead,
// so positions held by hits (Ref.Case) stay valid for the snapshot that gave
// them. Applying a change costs the size of the changed cases plus the
// delta, never the size of the registry; when the delta or the dead
// entries outgrow the limits below, the next Apply compacts: it builds the
// whole index again from the cases in memory (no database read), off the
// path of the checks, which keep using the snapshot they hold.

// Compaction limits: the delta may hold up to deltaMaxEntries or
// deltaMaxShare of the base, whichever is more, and dead entries up to
// deadMaxShare of the base. (Variables so that tests can make them small.)
var (
	deltaMaxEntries = float64(1 << 17)
	deltaMaxShare   = 0.125
	deadMaxShare    = 0.25
)

// layers is what a snapshot needs to apply changes.
type layers struct {
	opts  Options
	stop  *MIH                        // the stop frames, nil if none
	find  func(id string) (int, bool) // case id → position, as the base was built (never changed)
	moved map[string]int              // since then: case id → new position, or -1 if removed
	// extended is set by the first Apply to this snapshot, which may then
	// append to the snapshot's Cases and entries in place (the snapshot
	// never sees beyond its length); any later Apply copies them.
	extended atomic.Bool
	entries  []int32 // indexed hashes per case position
	dead     []bool  // per case position: removed or replaced
	nDead    int     // indexed hashes of dead cases in the base
	nBase    int     // case positions the base covers
	live     int     // cases alive

	base   *MIH
	frames *frameTable // the base's references (nil on an index file)
	// local features: the index built whole and the stop-list's
	stopLocal []*orb.Features
	localBase localBase

	dHash []pdq.Hash // delta entries
	dRef  []Ref
	delta *MIH
}

// layered is the index of a snapshot that has had changes applied.
type layered struct {
	base  *MIH
	dead  []bool
	nDead int
	delta *MIH
}

// Len implements Index.
func (x *layered) Len() int { return x.base.Len() - x.nDead + x.delta.Len() }

// Add implements Index; a layered index is never added to.
func (x *layered) Add(pdq.Hash, Ref) { panic("index: Add on an applied snapshot's index") }

// Search implements Index.
func (x *layered) Search(q pdq.Hash, maxDist int, dst []Hit) []Hit {
	n := len(dst)
	dst = x.base.Search(q, maxDist, dst)
	keep := dst[:n]
	for _, h := range dst[n:] {
		if !x.dead[h.Case] {
			keep = append(keep, h)
		}
	}
	return x.delta.Search(q, maxDist, keep)
}

// SearchMany implements Index.
func (x *layered) SearchMany(qs []pdq.Hash, maxDist int, fn func(i int, h Hit)) {
	_ = x.searchManyContext(context.Background(), qs, maxDist, fn)
}

func (x *layered) searchManyContext(ctx context.Context, qs []pdq.Hash, maxDist int, fn func(i int, h Hit)) error {
	if err := SearchManyContext(ctx, x.base, qs, maxDist, func(i int, h Hit) {
		if !x.dead[h.Case] {
			fn(i, h)
		}
	}); err != nil {
		return err
	}
	return SearchManyContext(ctx, x.delta, qs, maxDist, fn)
}

// CaseCount is the number of cases in the snapshot (Cases also holds the
// empty places of cases removed or replaced since it was built whole).
func (s *Snapshot) CaseCount() int {
	if s.layers == nil {
		return len(s.Cases)
	}
	return s.layers.live
}

// DeltaLen is the number of hashes indexed by changes applied since the
// snapshot was last built whole.
func (s *Snapshot) DeltaLen() int {
	if s.layers == nil {
		return 0
	}
	return len(s.layers.dHash)
}

// DeadLen is the number of hashes of the base whose cases were removed or
// replaced since the snapshot was last built whole.
func (s *Snapshot) DeadLen() int {
	if s.layers == nil {
		return 0
	}
	return s.layers.nDead
}

// indexCase calls add for every indexed hash of the case at position ci.
func (l *layers) indexCase(c *registry.Case, ci int, evidence func(pdq.Hash, int) bool, add func(pdq.Hash, Ref)) int {
	n := 0
	for mi, m := range c.Media {
		for fi, f := range m.Fingerprint.Frames {
			ref := Ref{Case: int32(ci), Media: int32(mi), Frame: int32(fi)}
			if evidence(f.PDQ, f.Quality) {
				add(f.PDQ, ref)
				n++
			}
			for _, v := range f.Views {
				if evidence(v.PDQ, v.Quality) {
					add(v.PDQ, ref)
					n++
				}
			}
		}
	}
	return n
}

// evidenceFunc says whether a hash of some quality is indexed, counting the
// hashes left out for being near a stop frame in *stopped.
func evidenceFunc(o Options, stop *MIH, stopped *int) func(pdq.Hash, int) bool {
	var scratch []Hit
	return func(h pdq.Hash, quality int) bool {
		if quality < o.MinQuality {
			return false
		}
		if stop != nil {
			scratch = stop.Search(h, o.StopDistance, scratch[:0])
			if len(scratch) > 0 {
				*stopped++
				return false
			}
		}
		return true
	}
}

// Apply returns a new snapshot with the changes applied; s is not modified
// and stays valid for whoever holds it. A change of the stop-list, or a log
// that does not reach back to s (ch.Full), needs every case: Apply then
// returns nil and the caller loads the registry whole.
func (s *Snapshot) Apply(ch registry.Changes) *Snapshot {
	next, _ := s.ApplyContext(context.Background(), ch)
	return next
}

// ApplyContext is Apply, given up with ctx's error when ctx ends (s stays
// as it was).
func (s *Snapshot) ApplyContext(ctx context.Context, ch registry.Changes) (*Snapshot, error) {
	if ch.Full {
		return nil, ctx.Err()
	}
	if s.layers == nil {
		return nil, ctx.Err() // built by NewSnapshot without what Apply needs
	}
	if ch.StopFrames != nil && s.file != nil {
		return nil, ctx.Err() // every case is needed: the caller loads the registry
	}
	if ch.StopFrames != nil {
		// Every registered hash may be near a new stop frame: index again,
		// from the cases in memory.
		o := s.layers.opts
		o.Stop = ch.StopFrames
		next, err := BuildSnapshotContext(ctx, s.liveCases(ch), o)
		if err != nil {
			return nil, err
		}
		next.Generation = ch.Generation
		return next, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	old := s.layers
	l := &layers{
		opts: old.opts, stop: old.stop, base: old.base, frames: old.frames, stopLocal: old.stopLocal, localBase: old.localBase,
		find:  old.find,
		moved: make(map[string]int, len(old.moved)+len(ch.Upserted)+len(ch.Removed)),
		dead:  slices.Clone(old.dead),
		nDead: old.nDead, nBase: old.nBase, live: old.live,
	}
	for id, p := range old.moved {
		l.moved[id] = p
	}
	cases, entries := s.Cases, old.entries
	if !old.extended.CompareAndSwap(false, true) {
		cases, entries = slices.Clone(cases), slices.Clone(entries)
	}
	l.entries = entries
	kill := func(id string) {
		p, ok := l.moved[id]
		if !ok {
			p, ok = l.find(id)
		}
		if ok && p >= 0 && !l.dead[p] {
			// The case stays in place: a check on an older snapshot may
			// still read it.
			l.dead[p] = true
			if p < l.nBase {
				l.nDead += int(l.entries[p])
			}
			l.live--
			l.moved[id] = -1
		}
	}
	for _, id := range ch.Removed {
		kill(id)
	}
	for i := range ch.Upserted {
		kill(ch.Upserted[i].ID)
	}
	// The delta keeps the entries of cases still alive.
	l.dHash = make([]pdq.Hash, 0, len(old.dHash))
	l.dRef = make([]Ref, 0, len(old.dRef))
	for i, r := range old.dRef {
		if !l.dead[r.Case] {
			l.dHash = append(l.dHash, old.dHash[i])
			l.dRef = append(l.dRef, r)
		}
	}
	stopped := s.Stopped
	evidence := evidenceFunc(l.opts, l.stop, &stopped)
	base := 0 // position of cases[0]
	if s.file != nil {
		base = s.file.n
	}
	for i := range ch.Upserted {
		if i%casesPerCheck == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		c := ch.Upserted[i]
		ci := base + len(cases)
		cases = append(cases, c)
		n := l.indexCase(&c, ci, evidence, func(h pdq.Hash, r Ref) {
			l.dHash = append(l.dHash, h)
			l.dRef = append(l.dRef, r)
		})
		l.entries = append(l.entries, int32(n))
		l.dead = append(l.dead, false)
		l.moved[c.ID] = ci
		l.live++
	}
	sigs, err := signalIndexes(ctx, cases, l.opts.MinQuality)
	if err != nil {
		return nil, err
	}
	next := &Snapshot{Cases: cases, Generation: ch.Generation, Stopped: stopped, layers: l, Signals: sigs, file: s.file}
	if next.Compact() {
		if s.file != nil {
			return nil, ctx.Err() // the cases of the base are in the store: the caller loads the registry
		}
		o := l.opts
		full, err := BuildSnapshotContext(ctx, next.liveCases(registry.Changes{}), o)
		if err != nil {
			return nil, err
		}
		full.Generation = ch.Generation
		return full, nil
	}
	l.delta = NewMIH(len(l.dHash))
	for i, h := range l.dHash {
		l.delta.Add(h, l.dRef[i])
	}
	l.delta.Build()
	next.Index = &layered{base: l.base, dead: l.dead, nDead: l.nDead, delta: l.delta}
	// Local features: the delta is indexed again from the cases in
	// memory (its size, not the registry's).
	delta, err := localIndexOf(ctx, cases, base, l.nBase, l.stopLocal, l.dead)
	if err != nil {
		return nil, err
	}
	next.Local = &layeredLocal{base: l.localBase, dead: l.dead, delta: delta}
	return next, nil
}

// Compact says whether the snapshot's changes have outgrown the limits of
// a delta: its delta index or its dead entries are too large a share of
// the base, and the next Apply builds the index whole (or, for a snapshot
// on an index file, asks the caller to).
func (s *Snapshot) Compact() bool {
	l := s.layers
	if l == nil {
		return false
	}
	baseN := l.base.Len()
	return float64(len(l.dHash)) > max(deltaMaxEntries, deltaMaxShare*float64(baseN)) || float64(l.nDead) > deadMaxShare*float64(baseN)
}

// liveCases lists the cases of the snapshot alive after the changes, in
// id order: those not removed, with the upserted ones as they are now.
func (s *Snapshot) liveCases(ch registry.Changes) []registry.Case {
	gone := map[string]bool{}
	for _, id := range ch.Removed {
		gone[id] = true
	}
	for _, c := range ch.Upserted {
		gone[c.ID] = true
	}
	out := make([]registry.Case, 0, len(s.Cases)+len(ch.Upserted))
	for i := range s.Cases {
		c := &s.Cases[i]
		if gone[c.ID] || s.layers != nil && s.layers.dead[i] {
			continue
		}
		out = append(out, *c)
	}
	out = append(out, ch.Upserted...)
	slices.SortFunc(out, func(a, b registry.Case) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}
