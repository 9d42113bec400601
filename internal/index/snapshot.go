package index

import (
	"cmp"
	"context"
	"slices"

	"github.com/provcheck/provcheck/internal/signal"
	"github.com/provcheck/provcheck/internal/signal/localindex"
	"github.com/provcheck/provcheck/internal/signal/orb"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/registry"
)

// Snapshot is a read-only view of the registry for matching: every case with
// its media, and an index of every informative registered frame. A new
// snapshot replaces an old one when the registry changes: Apply builds it
// from the old one and the changes (delta.go).
type Snapshot struct {
	Cases []registry.Case
	Index Index
	// Local indexes the local features of registered frames (refs are
	// LocalRef values).
	Local      LocalIndex
	Generation int64
	// Stopped counts the registered frames and views left out of the index
	// because they are near a stop frame.
	Stopped int
	// Signals index, by type name, the registered values of the signal
	// types other than PDQ (whose values of another version than the
	// type's are left out: they do not compare).
	Signals map[string]signal.Index

	layers *layers // what Apply needs (delta.go)
	// file is set when the snapshot's base is an index file (File.Snapshot):
	// the base's cases are then read from the store when a search hits
	// them (Fetch), and Cases holds only the cases added or changed
	// since, case position file.n+i being Cases[i].
	file *fileCases
}

// Options say which registered frames are evidence.
type Options struct {
	MinQuality   int                  // frames and views below this PDQ quality are left out
	Stop         []registry.StopFrame // frames and views within StopDistance of one of these are left out
	StopDistance int
}

// NewSnapshot indexes the frames of cases, and their views, whose PDQ
// quality is at least minQuality (uniform or featureless frames match too
// much to be evidence). Every view of a frame refers to that frame.
func NewSnapshot(cases []registry.Case, minQuality int) *Snapshot {
	return BuildSnapshot(cases, Options{MinQuality: minQuality})
}

// BuildSnapshot indexes cases as NewSnapshot does, leaving out what the
// options say is not evidence.
func BuildSnapshot(cases []registry.Case, o Options) *Snapshot {
	s, _ := BuildSnapshotContext(context.Background(), cases, o)
	return s
}

// casesPerCheck: building a snapshot looks at its context every this many
// cases (a few milliseconds of indexing for clips of a few hundred frames).
const casesPerCheck = 64

// BuildSnapshotContext is BuildSnapshot, given up with ctx's error when ctx
// ends (every casesPerCheck cases, and between the indexes it builds).
func BuildSnapshotContext(ctx context.Context, cases []registry.Case, o Options) (*Snapshot, error) {
	// Apply appends to the snapshot's cases in place: never into spare
	// room of the caller's array.
	cases = slices.Clip(cases)
	stop := stopIndex(o.Stop)
	stopped := 0
	evidence := evidenceFunc(o, stop, &stopped)
	// The base's references are positions (frameTable): the hashes are
	// added in case, medium and frame order.
	n, nm, nf := 0, 0, 0
	ft := &frameTable{caseMedia: make([]uint32, 0, len(cases)+1)}
	for _, c := range cases {
		ft.caseMedia = append(ft.caseMedia, uint32(nm))
		nm += len(c.Media)
		for _, m := range c.Media {
			nf += len(m.Fingerprint.Frames)
			for _, f := range m.Fingerprint.Frames {
				n += 1 + len(f.Views)
			}
		}
	}
	ft.caseMedia = append(ft.caseMedia, uint32(nm))
	ft.mediaFrame = make([]uint32, 0, nm+1)
	g := 0
	for _, c := range cases {
		for _, m := range c.Media {
			ft.mediaFrame = append(ft.mediaFrame, uint32(g))
			g += len(m.Fingerprint.Frames)
		}
	}
	ft.mediaFrame = append(ft.mediaFrame, uint32(nf))
	ft.frameStart = make([]uint32, nf+1)
	idx := &MIH{hashes: make([]pdq.Hash, 0, n), refOf: ft.ref}
	set := 0 // frames whose start is set
	add := func(h pdq.Hash, r Ref) {
		for g := int(ft.mediaFrame[ft.caseMedia[r.Case]+uint32(r.Media)]) + int(r.Frame); set <= g; set++ {
			ft.frameStart[set] = uint32(len(idx.hashes))
		}
		idx.hashes = append(idx.hashes, h)
	}
	basePos := make(map[string]int, len(cases))
	l := &layers{opts: o, stop: stop, base: idx, frames: ft, find: func(id string) (int, bool) { p, ok := basePos[id]; return p, ok },
		entries: make([]int32, len(cases)), dead: make([]bool, len(cases)), live: len(cases), nBase: len(cases)}
	for ci := range cases {
		if ci%casesPerCheck == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		l.entries[ci] = int32(l.indexCase(&cases[ci], ci, evidence, add))
		basePos[cases[ci].ID] = ci
	}
	for ; set <= nf; set++ {
		ft.frameStart[set] = uint32(len(idx.hashes))
	}
	// Built before it is shared: searches only read it.
	if err := idx.BuildContext(ctx); err != nil {
		return nil, err
	}
	l.delta = NewMIH(0)
	l.stopLocal = stopFeatures(o.Stop)
	var err error
	if l.localBase, err = localIndexOf(ctx, cases, 0, 0, l.stopLocal, nil); err != nil {
		return nil, err
	}
	sigs, err := signalIndexes(ctx, cases, o.MinQuality)
	if err != nil {
		return nil, err
	}
	return &Snapshot{Cases: cases, Index: idx, Local: l.localBase, Stopped: stopped, layers: l, Signals: sigs}, nil
}

// stopIndex indexes the stop frames' hashes; nil if there are none.
func stopIndex(fs []registry.StopFrame) *MIH {
	if len(fs) == 0 {
		return nil
	}
	stop := NewMIH(len(fs))
	for i, f := range fs {
		stop.Add(f.PDQ, Ref{Frame: int32(i)})
	}
	stop.Build()
	return stop
}

// signalIndexes indexes the registered values of every registered signal
// type but PDQ; it gives up with ctx's error when ctx ends.
func signalIndexes(ctx context.Context, cases []registry.Case, minQuality int) (map[string]signal.Index, error) {
	if len(signal.Types()) <= 1 {
		return nil, ctx.Err() // PDQ alone: the main index has it
	}
	out := map[string]signal.Index{}
	for ci, c := range cases {
		if ci%casesPerCheck == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		for mi, m := range c.Media {
			for fi, f := range m.Fingerprint.Frames {
				for _, sv := range f.Signals {
					t, ok := signal.Lookup(sv.Type)
					if !ok || sv.Version != t.Version() || sv.Quality < minQuality {
						continue
					}
					v, err := t.Decode(sv.Value)
					if err != nil {
						continue // validated when stored; never expected
					}
					x := out[sv.Type]
					if x == nil {
						x = t.NewIndex(0)
						out[sv.Type] = x
					}
					x.Add(v, signal.Ref{Case: int32(ci), Media: int32(mi), Frame: int32(fi)})
				}
			}
		}
	}
	for _, x := range out {
		x.Build()
	}
	return out, ctx.Err()
}

// LocalIndex finds registered frames that share a region with a checked
// picture by local features.
type LocalIndex interface {
	// Query returns the verified registered frames, best first.
	Query(f *orb.Features, mirror bool) []localindex.Hit
	// Frames is the number of frames indexed.
	Frames() int
}

// localBase is a local index built whole.
type localBase struct{ *localindex.Index }

func (b localBase) Frames() int { return b.Stats().Frames }

// stopFeatures decodes the local features of stop frames.
func stopFeatures(stop []registry.StopFrame) []*orb.Features {
	var out []*orb.Features
	for _, f := range stop {
		if len(f.Local) == 0 {
			continue
		}
		if lf, err := orb.Decode(f.Local); err == nil {
			out = append(out, lf)
		}
	}
	return out
}

// localIndexOf indexes the local features of the cases at positions from
// on (skipping dead positions), cases[i] being at position base+i, leaving
// out those near stop-list features; it gives up with ctx's error when ctx
// ends.
func localIndexOf(ctx context.Context, cases []registry.Case, base, from int, stop []*orb.Features, dead []bool) (localBase, error) {
	ix := localindex.New(localindex.DefaultOptions())
	ix.SetStopList(stop)
	for ci := from; ci < base+len(cases); ci++ {
		if (ci-from)%casesPerCheck == 0 && ctx.Err() != nil {
			return localBase{}, ctx.Err()
		}
		if dead != nil && ci < len(dead) && dead[ci] {
			continue
		}
		c := &cases[ci-base]
		for mi := range c.Media {
			frames := c.Media[mi].Fingerprint.Frames
			for fi := range frames {
				if len(frames[fi].Local) == 0 {
					continue
				}
				if f, err := orb.Decode(frames[fi].Local); err == nil {
					ix.Add(LocalRef(Ref{Case: int32(ci), Media: int32(mi), Frame: int32(fi)}), f)
				}
			}
		}
	}
	return localBase{ix}, ctx.Err()
}

// layeredLocal is the local index of a snapshot that has had changes
// applied: the base without its dead cases, and a delta over the cases
// added or changed since.
type layeredLocal struct {
	base  localBase
	dead  []bool
	delta localBase
}

func (x *layeredLocal) Frames() int { return x.base.Frames() + x.delta.Frames() }

func (x *layeredLocal) Query(f *orb.Features, mirror bool) []localindex.Hit {
	var out []localindex.Hit
	for _, h := range x.base.Query(f, mirror) {
		if c := RefOfLocal(h.Ref).Case; int(c) < len(x.dead) && !x.dead[c] {
			out = append(out, h)
		}
	}
	out = append(out, x.delta.Query(f, mirror)...)
	slices.SortStableFunc(out, func(a, b localindex.Hit) int { return cmp.Compare(b.Match.Inliers, a.Match.Inliers) })
	return out
}

// LocalRef packs a frame reference into the local index's int64 refs.
func LocalRef(r Ref) int64 {
	return int64(r.Case)<<40 | int64(r.Media)<<24 | int64(r.Frame)
}

// RefOfLocal unpacks LocalRef.
func RefOfLocal(v int64) Ref {
	return Ref{Case: int32(v >> 40), Media: int32(v >> 24 & (1<<16 - 1)), Frame: int32(v & (1<<24 - 1))}
}

// LoadSnapshot reads the whole registry, with its stop frames, and indexes
// it. o.Stop is replaced by the store's stop frames.
func LoadSnapshot(ctx context.Context, s registry.Store, o Options) (*Snapshot, error) {
	gen, err := s.Generation(ctx)
	if err != nil {
		return nil, err
	}
	cases, err := s.All(ctx)
	if err != nil {
		return nil, err
	}
	if o.Stop, err = s.StopFrames(ctx); err != nil {
		return nil, err
	}
	snap, err := BuildSnapshotContext(ctx, cases, o)
	if err != nil {
		return nil, err
	}
	snap.Generation = gen
	return snap, nil
}
