package index

import (
	"context"
	"slices"

	"github.com/provcheck/provcheck/internal/signal"
	"github.com/provcheck/provcheck/registry"
)

// Snapshot is a read-only view of the registry for matching: every case with
// its media, and an index of every informative registered frame. A new
// snapshot replaces an old one when the registry changes: Apply builds it
// from the old one and the changes (delta.go).
type Snapshot struct {
	Cases      []registry.Case
	Index      Index
	Generation int64
	// Stopped counts the registered frames and views left out of the index
	// because they are near a stop frame.
	Stopped int
	// Signals index, by type name, the registered values of the signal
	// types other than PDQ (whose values of another version than the
	// type's are left out: they do not compare).
	Signals map[string]signal.Index

	layers *layers // what Apply needs (delta.go)
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
	// Apply appends to the snapshot's cases in place: never into spare
	// room of the caller's array.
	cases = slices.Clip(cases)
	var stop *MIH
	if len(o.Stop) > 0 {
		stop = NewMIH(len(o.Stop))
		for i, f := range o.Stop {
			stop.Add(f.PDQ, Ref{Frame: int32(i)})
		}
		stop.Build()
	}
	stopped := 0
	evidence := evidenceFunc(o, stop, &stopped)
	n := 0
	for _, c := range cases {
		for _, m := range c.Media {
			for _, f := range m.Fingerprint.Frames {
				n += 1 + len(f.Views)
			}
		}
	}
	idx := NewMIH(n)
	l := &layers{opts: o, stop: stop, base: idx, basePos: make(map[string]int, len(cases)),
		entries: make([]int32, len(cases)), dead: make([]bool, len(cases)), live: len(cases), nBase: len(cases)}
	for ci := range cases {
		l.entries[ci] = int32(l.indexCase(&cases[ci], ci, evidence, idx.Add))
		l.basePos[cases[ci].ID] = ci
	}
	idx.Build() // built before it is shared: searches only read it
	l.delta = NewMIH(0)
	return &Snapshot{Cases: cases, Index: idx, Stopped: stopped, layers: l, Signals: signalIndexes(cases, o.MinQuality)}
}

// signalIndexes indexes the registered values of every registered signal
// type but PDQ.
func signalIndexes(cases []registry.Case, minQuality int) map[string]signal.Index {
	if len(signal.Types()) <= 1 {
		return nil // PDQ alone: the main index has it
	}
	out := map[string]signal.Index{}
	for ci, c := range cases {
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
	return out
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
	snap := BuildSnapshot(cases, o)
	snap.Generation = gen
	return snap, nil
}
