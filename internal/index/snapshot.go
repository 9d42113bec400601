package index

import (
	"context"

	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/registry"
)

// Snapshot is a read-only view of the registry for matching: every case with
// its media, and an index of every informative registered frame. A new
// snapshot replaces an old one whole when the registry changes.
type Snapshot struct {
	Cases      []registry.Case
	Index      Index
	Generation int64
	// Stopped counts the registered frames and views left out of the index
	// because they are near a stop frame.
	Stopped int
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
	minQuality := o.MinQuality
	var stop *MIH
	if len(o.Stop) > 0 {
		stop = NewMIH(len(o.Stop))
		for i, f := range o.Stop {
			stop.Add(f.PDQ, Ref{Frame: int32(i)})
		}
		stop.Build()
	}
	stopped := 0
	var scratch []Hit
	evidence := func(h pdq.Hash, quality int) bool {
		if quality < minQuality {
			return false
		}
		if stop != nil {
			scratch = stop.Search(h, o.StopDistance, scratch[:0])
			if len(scratch) > 0 {
				stopped++
				return false
			}
		}
		return true
	}
	n := 0
	for _, c := range cases {
		for _, m := range c.Media {
			for _, f := range m.Fingerprint.Frames {
				n += 1 + len(f.Views)
			}
		}
	}
	idx := NewMIH(n)
	for ci, c := range cases {
		for mi, m := range c.Media {
			for fi, f := range m.Fingerprint.Frames {
				ref := Ref{Case: int32(ci), Media: int32(mi), Frame: int32(fi)}
				if evidence(f.PDQ, f.Quality) {
					idx.Add(f.PDQ, ref)
				}
				for _, v := range f.Views {
					if evidence(v.PDQ, v.Quality) {
						idx.Add(v.PDQ, ref)
					}
				}
			}
		}
	}
	idx.Build() // built before it is shared: searches only read it
	return &Snapshot{Cases: cases, Index: idx, Stopped: stopped}
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
