package index

import (
	"context"
	"errors"
	"sync"

	"github.com/provcheck/provcheck/registry"
)

// fileCases are the cases of a snapshot on an index file: read from the
// store when a search hits them, and kept.
type fileCases struct {
	f     *File
	store registry.Store
	n     int // cases in the file
	mu    sync.Mutex
	got   map[int32]*registry.Case // read; nil: gone or changed since the file
}

// Snapshot returns a snapshot whose index is the file's, at the file's
// generation, reading the cases it hits from store. o must be the options
// the file was opened with, with the store's stop frames (they index the
// cases applied later).
func (f *File) Snapshot(store registry.Store, o Options) *Snapshot {
	n := f.hdr.Cases
	l := &layers{opts: o, stop: stopIndex(o.Stop), base: f.mih, find: f.findCase,
		entries: f.caseEntries, dead: make([]bool, n), live: n, nBase: n,
		delta: NewMIH(0), stopLocal: stopFeatures(o.Stop), localBase: localBase{f.local}}
	return &Snapshot{Index: f.mih, Local: l.localBase, Generation: f.Generation, Stopped: f.hdr.Stopped, layers: l,
		file: &fileCases{f: f, store: store, n: n, got: map[int32]*registry.Case{}}}
}

// OnFile says whether the snapshot's base is an index file.
func (s *Snapshot) OnFile() bool { return s.file != nil }

// Case is the case at position p (a Ref's Case). On an index file, a case
// of the file is known only once Fetch has read it, and is nil if it could
// not be (removed or changed in the store since the file was written: the
// snapshot's changes will say so).
func (s *Snapshot) Case(p int32) *registry.Case {
	fc := s.file
	if fc == nil {
		return &s.Cases[p]
	}
	if int(p) >= fc.n {
		return &s.Cases[int(p)-fc.n]
	}
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return fc.got[p]
}

// Fetch reads the cases at positions ps from the store, those of an index
// file not read yet (for a snapshot in memory it does nothing). A case
// whose stored fingerprints are not those the file indexed (changed or
// removed after a refresh) is left out: Case returns nil for it.
func (s *Snapshot) Fetch(ctx context.Context, ps []int32) error {
	fc := s.file
	if fc == nil {
		return nil
	}
	for _, p := range ps {
		if p < 0 || int(p) >= fc.n {
			continue
		}
		fc.mu.Lock()
		_, done := fc.got[p]
		fc.mu.Unlock()
		if done {
			continue
		}
		c, err := fc.store.Get(ctx, fc.f.caseID(int(p)))
		var got *registry.Case
		switch {
		case errors.Is(err, registry.ErrNotFound):
		case err != nil:
			return err
		case caseSum(&c) == fc.f.caseSums[p]:
			got = &c
		}
		fc.mu.Lock()
		fc.got[p] = got
		fc.mu.Unlock()
	}
	return nil
}

// Fetched is how many cases of the index file have been read.
func (s *Snapshot) Fetched() int {
	if s.file == nil {
		return 0
	}
	s.file.mu.Lock()
	defer s.file.mu.Unlock()
	return len(s.file.got)
}

// MediaVersions calls fn with the fingerprint version of every registered
// medium of the snapshot's live cases.
func (s *Snapshot) MediaVersions(fn func(version string)) {
	dead := func(p int) bool { return s.layers != nil && p < len(s.layers.dead) && s.layers.dead[p] }
	base := 0
	if fc := s.file; fc != nil {
		f := fc.f
		for c := 0; c < fc.n; c++ {
			if dead(c) {
				continue
			}
			for m := f.frames.caseMedia[c]; m < f.frames.caseMedia[c+1]; m++ {
				fn(f.hdr.Versions[f.mediaVersion[m]])
			}
		}
		base = fc.n
	}
	for i := range s.Cases {
		if dead(base + i) {
			continue
		}
		for j := range s.Cases[i].Media {
			fn(s.Cases[i].Media[j].FingerprintVersion())
		}
	}
}
