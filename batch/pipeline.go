package batch

import (
	"context"
	"errors"
	"iter"
	"sync"
	"sync/atomic"
	"time"
)

// ErrDrop, returned by a Pipeline's Work function, drops the item: nothing
// is emitted for it and the run goes on.
var ErrDrop = errors.New("batch: item dropped")

// Pipeline runs Work on a stream of items with a fixed number of workers and
// hands every result to Emit, always from the goroutine that called Run, so
// Emit needs no locking and its writes never interleave.
//
// Memory is bounded by Window: at most that many items are between the
// source and Emit at any time (being worked on, or finished and waiting for
// their turn in Ordered mode). The source is pulled lazily, so it may be an
// unbounded walk.
//
// Stopping has two steps. When the context passed to Run is cancelled the
// pipeline takes no new items; the items already being worked on keep a
// live context for Grace more, then their context is cancelled (they are
// abandoned). Closing Abandon abandons them at once. The result of an
// abandoned item is dropped: Emit never sees work that was cut short.
type Pipeline[T, U any] struct {
	Workers int  // goroutines running Work; < 1 means 1
	Ordered bool // emit in source order (otherwise as results come)
	Window  int  // items in flight at most; <= 0 means 4 × Workers
	// Grace is how long items in progress may still finish once the run's
	// context is cancelled.
	Grace   time.Duration
	Abandon <-chan struct{}
	// Work processes one item. ErrDrop drops it; any other error stops the
	// run and is returned by Run.
	Work func(ctx context.Context, item T) (U, error)
	// Emit receives each result. An error stops the run and is returned by
	// Run.
	Emit func(item T, res U) error
}

// PipelineStats says how far a run went.
type PipelineStats struct {
	Fed     int  // items handed to workers
	Emitted int  // results passed to Emit
	Dropped int  // items dropped or abandoned
	Drained bool // the source was read to its end
}

type job[T any] struct {
	seq  uint64
	item T
}

type result[T, U any] struct {
	seq  uint64
	item T
	res  U
	drop bool
	err  error
}

// Run feeds items to the workers until the source ends, ctx is cancelled or
// an error stops the run, and returns once every item handed to a worker
// has been emitted or dropped. It does not wait for a source that is
// blocked (for example reading a terminal) after ctx is cancelled.
func (p *Pipeline[T, U]) Run(ctx context.Context, items iter.Seq[T]) (PipelineStats, error) {
	workers := max(p.Workers, 1)
	window := p.Window
	if window <= 0 {
		window = 4 * workers
	}
	window = max(window, workers)

	stopCtx, stop := context.WithCancel(ctx)
	defer stop()
	workCtx, abandon := context.WithCancel(context.WithoutCancel(ctx))
	defer abandon()
	go func() {
		select {
		case <-workCtx.Done():
			return
		case <-p.Abandon:
			stop()
			abandon()
			return
		case <-stopCtx.Done():
		}
		t := time.NewTimer(p.Grace)
		defer t.Stop()
		select {
		case <-t.C:
		case <-p.Abandon:
		case <-workCtx.Done():
		}
		abandon()
	}()

	var drained atomic.Bool
	tokens := make(chan struct{}, window)
	jobs := make(chan job[T])
	go func() {
		defer close(jobs)
		var seq uint64
		for it := range items {
			select {
			case tokens <- struct{}{}:
			case <-stopCtx.Done():
				return
			}
			if stopCtx.Err() != nil {
				<-tokens
				return
			}
			select {
			case jobs <- job[T]{seq, it}:
				seq++
			case <-stopCtx.Done():
				<-tokens
				return
			}
		}
		drained.Store(true)
	}()

	results := make(chan result[T, U], window)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				var j job[T]
				select {
				case <-stopCtx.Done():
					return
				case jj, ok := <-jobs:
					if !ok {
						return
					}
					j = jj
				}
				res, err := p.Work(workCtx, j.item)
				r := result[T, U]{seq: j.seq, item: j.item, res: res}
				switch {
				case workCtx.Err() != nil || errors.Is(err, ErrDrop):
					r.drop = true
				case err != nil:
					r.err = err
				}
				// Never blocks: at most window results are outstanding.
				results <- r
			}
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	var st PipelineStats
	var firstErr error
	fail := func(err error) {
		if firstErr == nil {
			firstErr = err
			stop()
			abandon()
		}
	}
	deliver := func(r result[T, U]) {
		st.Fed++
		switch {
		case r.err != nil:
			fail(r.err)
			st.Dropped++
		case r.drop || firstErr != nil:
			st.Dropped++
		default:
			if err := p.Emit(r.item, r.res); err != nil {
				fail(err)
			} else {
				st.Emitted++
			}
		}
		<-tokens
	}
	var next uint64
	pending := map[uint64]result[T, U]{}
	for r := range results {
		if !p.Ordered {
			deliver(r)
			continue
		}
		pending[r.seq] = r
		for {
			q, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			deliver(q)
		}
	}
	st.Drained = drained.Load() && firstErr == nil
	return st, firstErr
}
