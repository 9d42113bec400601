package batch

import (
	"context"
	"errors"
	"iter"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func ints(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

// jitter sleeps a little, differently per item, so workers finish out of
// order.
func jitter(i int) {
	time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
	if i%7 == 0 {
		time.Sleep(time.Millisecond)
	}
}

func TestPipelineOrdered(t *testing.T) {
	var got []int
	p := &Pipeline[int, int]{
		Workers: 4, Ordered: true, Window: 8,
		Work: func(_ context.Context, i int) (int, error) { jitter(i); return i * i, nil },
		Emit: func(i, sq int) error {
			if sq != i*i {
				t.Errorf("result %d for %d", sq, i)
			}
			got = append(got, i)
			return nil
		},
	}
	st, err := p.Run(context.Background(), ints(200))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, slices.Collect(ints(200))) {
		t.Errorf("out of order or missing: %v", got)
	}
	if st != (PipelineStats{Fed: 200, Emitted: 200, Drained: true}) {
		t.Errorf("stats %+v", st)
	}
}

func TestPipelineUnorderedAndBounded(t *testing.T) {
	const window = 6
	var inFlight, peak, concurrent, peakWorkers atomic.Int64
	source := func(yield func(int) bool) {
		for i := range 300 {
			n := inFlight.Add(1)
			for {
				old := peak.Load()
				if n <= old || peak.CompareAndSwap(old, n) {
					break
				}
			}
			if !yield(i) {
				return
			}
		}
	}
	seen := map[int]bool{}
	p := &Pipeline[int, int]{
		Workers: 3, Window: window,
		Work: func(_ context.Context, i int) (int, error) {
			c := concurrent.Add(1)
			for {
				old := peakWorkers.Load()
				if c <= old || peakWorkers.CompareAndSwap(old, c) {
					break
				}
			}
			jitter(i)
			concurrent.Add(-1)
			return i, nil
		},
		Emit: func(i, _ int) error {
			inFlight.Add(-1)
			if seen[i] {
				t.Errorf("%d emitted twice", i)
			}
			seen[i] = true
			return nil
		},
	}
	if _, err := p.Run(context.Background(), source); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 300 {
		t.Errorf("%d of 300 emitted", len(seen))
	}
	// The source runs one item ahead of the window: it yields, then waits
	// for a free slot.
	if got := peak.Load(); got > window+1 {
		t.Errorf("%d items between source and Emit, window %d", got, window)
	}
	if got := peakWorkers.Load(); got > 3 {
		t.Errorf("%d items worked on at once with 3 workers", got)
	}
}

// TestPipelineStop checks the two steps of stopping: after cancel no new
// item starts; items in progress finish within Grace and are emitted, or
// are abandoned (their context cancelled, nothing emitted) when Grace runs
// out or Abandon is closed.
func TestPipelineStop(t *testing.T) {
	for _, tc := range []struct {
		name    string
		grace   time.Duration
		abandon bool
		emitted bool // the items in progress are emitted
	}{
		{"finish in grace", time.Minute, false, true},
		{"grace runs out", 20 * time.Millisecond, false, false},
		{"abandoned", time.Minute, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			abandon := make(chan struct{})
			release := make(chan struct{})
			var started sync.WaitGroup
			started.Add(2)
			var startedCount atomic.Int64
			var emitted []int
			p := &Pipeline[int, int]{
				Workers: 2, Grace: tc.grace, Abandon: abandon,
				Work: func(wctx context.Context, i int) (int, error) {
					if startedCount.Add(1) <= 2 {
						started.Done()
					}
					select {
					case <-release:
					case <-wctx.Done():
						return 0, wctx.Err()
					}
					return i, nil
				},
				Emit: func(i, _ int) error { emitted = append(emitted, i); return nil },
			}
			go func() {
				started.Wait() // both workers busy
				cancel()
				if tc.abandon {
					close(abandon)
				}
				if tc.emitted {
					time.Sleep(20 * time.Millisecond)
					close(release)
				}
			}()
			st, err := p.Run(ctx, ints(1000))
			if err != nil {
				t.Fatal(err)
			}
			if n := startedCount.Load(); n != 2 {
				t.Errorf("%d items started, want the 2 in progress at cancel", n)
			}
			if st.Drained || st.Fed != 2 {
				t.Errorf("stats %+v", st)
			}
			if tc.emitted && len(emitted) != 2 || !tc.emitted && len(emitted) != 0 {
				t.Errorf("emitted %v", emitted)
			}
		})
	}
}

func TestPipelineErrors(t *testing.T) {
	boom := errors.New("boom")
	t.Run("work", func(t *testing.T) {
		var emitted atomic.Int64
		p := &Pipeline[int, int]{
			Workers: 2, Ordered: true,
			Work: func(_ context.Context, i int) (int, error) {
				switch {
				case i == 10:
					return 0, boom
				case i%3 == 0:
					return 0, ErrDrop
				}
				return i, nil
			},
			Emit: func(i, _ int) error {
				if i > 10 {
					t.Errorf("%d emitted after the error", i)
				}
				emitted.Add(1)
				return nil
			},
		}
		st, err := p.Run(context.Background(), ints(1_000_000))
		if !errors.Is(err, boom) {
			t.Fatalf("err %v", err)
		}
		// 0..9 less the multiples of 3 (dropped).
		if emitted.Load() != 6 || st.Drained {
			t.Errorf("emitted %d, stats %+v", emitted.Load(), st)
		}
	})
	t.Run("emit", func(t *testing.T) {
		calls := 0
		p := &Pipeline[int, int]{
			Workers: 2,
			Work:    func(_ context.Context, i int) (int, error) { return i, nil },
			Emit: func(int, int) error {
				calls++
				if calls == 5 {
					return boom
				}
				return nil
			},
		}
		if _, err := p.Run(context.Background(), ints(1_000_000)); !errors.Is(err, boom) {
			t.Fatalf("err %v", err)
		}
		if calls != 5 {
			t.Errorf("Emit called %d times after failing on the 5th", calls)
		}
	})
}

// TestPipelineBlockedSource: a source stuck (as on a terminal) does not
// keep Run from returning once the context is cancelled.
func TestPipelineBlockedSource(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stuck := make(chan struct{})
	defer close(stuck)
	src := func(yield func(int) bool) {
		if !yield(1) {
			return
		}
		<-stuck
	}
	p := &Pipeline[int, int]{
		Workers: 2,
		Work:    func(_ context.Context, i int) (int, error) { return i, nil },
		Emit:    func(int, int) error { cancel(); return nil },
	}
	done := make(chan PipelineStats)
	go func() {
		st, _ := p.Run(ctx, src)
		done <- st
	}()
	select {
	case st := <-done:
		if st.Emitted != 1 || st.Drained {
			t.Errorf("stats %+v", st)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run waits for a blocked source after cancel")
	}
}
