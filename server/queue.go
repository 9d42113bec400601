package server

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// queue bounds the fingerprinting work in the service. A request that will
// fingerprint media is admitted once its upload has been read whole — it
// then holds one of workers+size places while it waits and runs — and then
// waits for one of the workers. When every place is taken the request is refused at once (503
// with Retry-After) instead of piling up behind the others.
type queue struct {
	places  chan struct{} // admitted requests: waiting or running
	workers chan struct{} // requests fingerprinting now
	size    int           // places beyond the workers

	waiting  atomic.Int64 // admitted and waiting for a worker
	rejected atomic.Int64 // refused for want of a place

	mu  sync.Mutex
	avg time.Duration // moving average of a job's duration
}

func newQueue(workers, size int) *queue {
	return &queue{
		places:  make(chan struct{}, workers+size),
		workers: make(chan struct{}, workers),
		size:    size,
	}
}

// admit takes a place without waiting; ok is false when none is free.
func (q *queue) admit() (release func(), ok bool) {
	select {
	case q.places <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-q.places }) }, true
	default:
		q.rejected.Add(1)
		return nil, false
	}
}

// do waits for a worker and runs fn on it. It returns ctx's error, without
// running fn, when ctx ends first.
func (q *queue) do(ctx context.Context, fn func()) error {
	q.waiting.Add(1)
	select {
	case q.workers <- struct{}{}:
		q.waiting.Add(-1)
	case <-ctx.Done():
		q.waiting.Add(-1)
		return ctx.Err()
	}
	defer func() { <-q.workers }()
	start := time.Now()
	fn()
	q.observe(time.Since(start))
	return nil
}

func (q *queue) observe(d time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.avg == 0 {
		q.avg = d
		return
	}
	q.avg += (d - q.avg) / 8
}

// retryAfter estimates, in whole seconds (1..60), when a place will be
// free: the work ahead divided among the workers.
func (q *queue) retryAfter() int {
	q.mu.Lock()
	avg := q.avg
	q.mu.Unlock()
	ahead := float64(len(q.places)) * avg.Seconds() / float64(cap(q.workers))
	return int(min(60, max(1, math.Ceil(ahead))))
}

// inFlight is how many requests hold a place; busy how many are running.
func (q *queue) inFlight() int { return len(q.places) }
func (q *queue) busy() int     { return len(q.workers) }
