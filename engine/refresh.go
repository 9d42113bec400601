package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/provcheck/provcheck/internal/index"
	"github.com/provcheck/provcheck/registry"
)

// Snapshot returns the registry snapshot to match against. An engine that
// follows the registry (Follow) answers with the snapshot in memory at
// once, whatever the state of the database; otherwise the snapshot is
// loaded on first use and brought up to date with the store on each call.
func (e *Engine) Snapshot(ctx context.Context) (*index.Snapshot, error) {
	if e.store == nil {
		return nil, errors.New("no registry open")
	}
	if s := e.snap.Load(); s != nil && e.following.Load() {
		return s, nil
	}
	return e.Refresh(ctx)
}

// Follow makes Snapshot answer from memory without asking the store: the
// caller (the service's watcher) calls Refresh itself, periodically and
// after its own writes, so checks never wait for the database and go on
// from the last snapshot while it is unreachable.
func (e *Engine) Follow() { e.following.Store(true) }

// Refresh brings the snapshot up to date with the store and returns it.
// When the store keeps a change log, only what changed since the snapshot's
// generation is read and applied to it (index.Snapshot.Apply); the
// registry is read and indexed whole only on first use, when the log does
// not reach back far enough, or when the stop-list changed (then from the
// cases in memory). Checks running meanwhile keep the snapshot they hold.
func (e *Engine) Refresh(ctx context.Context) (*index.Snapshot, error) {
	if e.store == nil {
		return nil, errors.New("no registry open")
	}
	e.loadMu.Lock()
	defer e.loadMu.Unlock()
	start := time.Now()
	cur := e.snap.Load()
	if cur != nil {
		next, err := e.update(ctx, cur)
		if err != nil {
			e.stats.failed()
			return nil, fmt.Errorf("registry: %w", err)
		}
		if next == cur {
			return cur, nil
		}
		if next != nil {
			e.snap.Store(next)
			e.stats.done(kindDelta, time.Since(start), next)
			return next, nil
		}
	}
	if cur == nil && e.indexPath != "" {
		s, err := e.snapshotFromFile(ctx)
		if err != nil {
			e.stats.failed()
			return nil, fmt.Errorf("registry: %w", err)
		}
		if s != nil {
			e.snap.Store(s)
			e.stats.seen(s.Generation)
			e.stats.done(kindFile, time.Since(start), s)
			return s, nil
		}
	}
	s, err := index.LoadSnapshot(ctx, e.store, e.indexOptions())
	if err != nil {
		e.stats.failed()
		return nil, fmt.Errorf("registry: %w", err)
	}
	if e.indexPath != "" {
		e.writeIndexFile(ctx, s)
	}
	e.snap.Store(s)
	e.stats.seen(s.Generation)
	e.stats.done(kindFull, time.Since(start), s)
	return s, nil
}

// update returns cur when nothing changed, the snapshot with the changes
// applied, or nil when the registry must be loaded whole.
func (e *Engine) update(ctx context.Context, cur *index.Snapshot) (*index.Snapshot, error) {
	log, ok := e.store.(registry.ChangeLog)
	if !ok {
		gen, err := e.store.Generation(ctx)
		if err != nil {
			return nil, err
		}
		e.stats.seen(gen)
		if gen == cur.Generation {
			return cur, nil
		}
		return nil, nil
	}
	ch, err := log.Changes(ctx, cur.Generation)
	if err != nil {
		return nil, err
	}
	e.stats.seen(ch.Generation)
	if ch.Empty() && ch.Generation == cur.Generation {
		return cur, nil
	}
	return cur.ApplyContext(ctx, ch)
}

func (e *Engine) indexOptions() index.Options {
	return index.Options{MinQuality: e.cfg.Thresholds.MinQuality, StopDistance: e.cfg.Thresholds.MatchDistance}
}

// Refresh kinds.
const (
	kindDelta = "delta"
	kindFull  = "full"
	kindFile  = "file" // mapped from the index file (and its delta applied)
)

// RefreshStats say how the snapshot keeps up with the store.
type RefreshStats struct {
	Generation      int64     // of the snapshot in use
	StoreGeneration int64     // the store's, when last asked
	LastContact     time.Time // when the store last answered
	Failures        uint64    // refreshes that could not reach the store
	Unreachable     bool      // the last refresh could not reach the store
	// By kind (delta, full): refreshes that changed the snapshot, their
	// total and longest durations.
	Count   map[string]uint64
	Seconds map[string]float64
	Longest map[string]time.Duration
	Entries int // hashes indexed
	Delta   int // hashes indexed by changes since the last whole build
	Cases   int
}

type refreshStats struct {
	mu sync.Mutex
	s  RefreshStats
}

func (r *refreshStats) seen(gen int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.StoreGeneration, r.s.LastContact, r.s.Unreachable = gen, time.Now(), false
}

func (r *refreshStats) failed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.s.Failures++
	r.s.Unreachable = true
}

func (r *refreshStats) done(kind string, d time.Duration, s *index.Snapshot) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.s.Count == nil {
		r.s.Count, r.s.Seconds, r.s.Longest = map[string]uint64{}, map[string]float64{}, map[string]time.Duration{}
	}
	r.s.Count[kind]++
	r.s.Seconds[kind] += d.Seconds()
	r.s.Longest[kind] = max(r.s.Longest[kind], d)
	r.s.Generation, r.s.Entries, r.s.Delta, r.s.Cases = s.Generation, s.Index.Len(), s.DeltaLen(), s.CaseCount()
}

// RefreshStats returns how the snapshot keeps up with the store.
func (e *Engine) RefreshStats() RefreshStats {
	e.stats.mu.Lock()
	defer e.stats.mu.Unlock()
	s := e.stats.s
	s.Count, s.Seconds, s.Longest = map[string]uint64{}, map[string]float64{}, map[string]time.Duration{}
	for _, k := range []string{kindDelta, kindFull} {
		s.Count[k], s.Seconds[k], s.Longest[k] = e.stats.s.Count[k], e.stats.s.Seconds[k], e.stats.s.Longest[k]
	}
	return s
}

// Watch follows the registry until ctx ends: it refreshes the snapshot
// every interval and whenever wake receives, and reports each refresh that
// changed the snapshot or failed, and the first that succeeded after a
// failure (then prev == next if nothing changed). It calls Follow, so
// checks answer from memory.
func (e *Engine) Watch(ctx context.Context, every time.Duration, wake <-chan struct{}, report func(prev, next RegistryInfo, took time.Duration, err error)) {
	e.Follow()
	failing := false
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
		prev := e.snap.Load()
		start := time.Now()
		next, err := e.Refresh(ctx)
		if ctx.Err() != nil {
			return
		}
		switch {
		case err != nil:
			failing = true
			report(infoOf(prev), infoOf(prev), time.Since(start), err)
		case next != prev || failing:
			failing = false
			report(infoOf(prev), infoOf(next), time.Since(start), nil)
		}
	}
}
