package registry

import (
	"context"
)

// Snapshot is a read-only view of the registry for matching: every case with
// its media, and an index of every informative registered frame. A new
// snapshot replaces an old one whole when the registry changes.
type Snapshot struct {
	Cases      []Case
	Index      Index
	Generation int64
}

// NewSnapshot indexes the frames of cases, and their views, whose PDQ
// quality is at least minQuality (uniform or featureless frames match too
// much to be evidence). Every view of a frame refers to that frame.
func NewSnapshot(cases []Case, minQuality int) *Snapshot {
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
				if f.Quality >= minQuality {
					idx.Add(f.PDQ, ref)
				}
				for _, v := range f.Views {
					if v.Quality >= minQuality {
						idx.Add(v.PDQ, ref)
					}
				}
			}
		}
	}
	idx.Build() // built before it is shared: searches only read it
	return &Snapshot{Cases: cases, Index: idx}
}

// LoadSnapshot reads the whole registry and indexes it.
func LoadSnapshot(ctx context.Context, s Store, minQuality int) (*Snapshot, error) {
	gen, err := s.Generation(ctx)
	if err != nil {
		return nil, err
	}
	cases, err := s.All(ctx)
	if err != nil {
		return nil, err
	}
	snap := NewSnapshot(cases, minQuality)
	snap.Generation = gen
	return snap, nil
}
