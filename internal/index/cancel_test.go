package index

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/registry"
)

// TestBuildSnapshotCancelled: building a snapshot of 300,000 hashes gives up
// with the context's error within 100 ms of a cancel at any point of it (a
// trial over that is run once more: a loaded machine may stall one), and
// applying changes under an ended context leaves the old snapshot as it was.
func TestBuildSnapshotCancelled(t *testing.T) {
	const bound = 100 * time.Millisecond
	cases := scaleCases(300_000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if s, err := BuildSnapshotContext(ctx, cases, Options{MinQuality: 50}); s != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before: %v, %v", s, err)
	}
	start := time.Now()
	snap, err := BuildSnapshotContext(context.Background(), cases, Options{MinQuality: 50})
	full := time.Since(start)
	if err != nil || snap.Index.Len() != 300_000 {
		t.Fatalf("build: %v", err)
	}
	trial := func(wait time.Duration) (time.Duration, bool) {
		ctx, cancel := context.WithCancel(context.Background())
		type result struct {
			err error
			at  time.Time
		}
		out := make(chan result, 1)
		go func() {
			_, err := BuildSnapshotContext(ctx, cases, Options{MinQuality: 50})
			out <- result{err, time.Now()}
		}()
		time.Sleep(wait)
		cancelled := time.Now()
		cancel()
		r := <-out
		if r.err == nil {
			return 0, true // finished first
		}
		if !errors.Is(r.err, context.Canceled) {
			t.Fatalf("cancelled after %v: %v", wait, r.err)
		}
		return r.at.Sub(cancelled), false
	}
	worst := time.Duration(0)
	for _, share := range []float64{0.1, 0.3, 0.5, 0.7, 0.9} {
		wait := time.Duration(share * float64(full))
		took, done := trial(wait)
		if !done && took > bound {
			took, done = trial(wait)
			if !done && took > bound {
				t.Errorf("cancelled after %v (of %v): returned in %v, want within %v", wait, full, took, bound)
			}
		}
		worst = max(worst, took)
	}
	t.Logf("a build of %v returned within %v of a cancel", full.Round(time.Millisecond), worst.Round(100*time.Microsecond))

	// A search of 2,000 hashes at distance 84 (a linear scan of the
	// snapshot for each) gives up within the bound too.
	r := rand.New(rand.NewPCG(71, 72))
	qs := make([]pdq.Hash, 2000)
	for i := range qs {
		qs[i] = pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
	}
	// The same search of the snapshot's index file (its hashes read in
	// chunks, not mapped: MIH.searchStreamed).
	path := filepath.Join(t.TempDir(), "reg.index")
	if err := WriteFile(path, snap); err != nil {
		t.Fatal(err)
	}
	f, err := OpenFile(path, Options{MinQuality: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer unmapFile(f.data, f.fd)
	for _, idx := range []Index{snap.Index, f.mih} {
		searchCancelled(t, idx, qs, bound)
	}

	// Apply under an ended context: an error, and the old snapshot intact.
	next, err := snap.ApplyContext(ctx, registry.Changes{Generation: 2, Upserted: scaleCases(1000)})
	if next != nil || !errors.Is(err, context.Canceled) {
		t.Errorf("apply, cancelled: %v, %v", next, err)
	}
	if snap.CaseCount() != len(cases) || snap.Index.Len() != 300_000 {
		t.Errorf("the old snapshot changed: %d cases, %d hashes", snap.CaseCount(), snap.Index.Len())
	}
}

// TestWriteFileCancelled: writing an index file under an ended context
// fails with its error and leaves the file that was there, and no
// temporary file.
func TestWriteFileCancelled(t *testing.T) {
	fx := newFileFixture(t, 100)
	dir := t.TempDir()
	path := filepath.Join(dir, "reg.index")
	if err := WriteFile(path, fx.mem); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := WriteFileContext(ctx, path, fx.mem); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled write: %v", err)
	}
	after, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("the file changed (%v)", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("left in the directory: %v", ents)
	}
}

// searchCancelled: a search of qs at distance 84 (a linear scan of idx for
// each) gives up within bound of a cancel (a trial over it is run once
// more).
func searchCancelled(t *testing.T, idx Index, qs []pdq.Hash, bound time.Duration) {
	t.Helper()
	search := func() (time.Duration, bool) {
		ctx, cancel := context.WithCancel(context.Background())
		out := make(chan error, 1)
		var at time.Time
		go func() {
			err := SearchManyContext(ctx, idx, qs, 84, func(int, Hit) {})
			at = time.Now()
			out <- err
		}()
		time.Sleep(20 * time.Millisecond)
		cancelled := time.Now()
		cancel()
		err := <-out
		if err == nil {
			return 0, true
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("search: %v", err)
		}
		return at.Sub(cancelled), false
	}
	took, done := search()
	if !done && took > bound {
		took, done = search()
	}
	if done {
		t.Log("the search finished before the cancel")
	} else if took > bound {
		t.Errorf("a search returned %v after a cancel, want within %v", took, bound)
	}
	t.Logf("a search of 2,000 hashes at 84 returned %v after a cancel", took.Round(100*time.Microsecond))

}
