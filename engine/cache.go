package engine

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"sync/atomic"

	"github.com/provcheck/provcheck/internal/fingerprint"
)

// Digest is the SHA-256 of a file's content.
type Digest [sha256.Size]byte

// CacheLimits bound the engine's fingerprint cache. A view is 56 bytes and
// its name; a query frame has up to about 40 views (mirror, layout,
// proposals and their mirrors, turned views), some 2.5 KB, so 50,000 frames
// (50,000 photos, or some 800 one-minute clips at the default 2 frames a
// second) take at most about 125 MB. With the thorough query views each
// frame also keeps its luminance for guided matching (up to 590 KB for a
// still, 230 KB for a video frame), which the second bound holds to 256 MB:
// a few hundred recent files.
type CacheLimits struct {
	Frames    int // frames held, over all files; 0: DefaultCacheFrames; < 0: no cache
	LumaBytes int // luminance kept for guided matching (and a still's finer features); 0: DefaultCacheLumaBytes
}

// The default cache bounds.
const (
	DefaultCacheFrames    = 50_000
	DefaultCacheLumaBytes = 256 << 20
)

// fpCache remembers, by the SHA-256 of their content, the fingerprints of
// recently checked files and the report each got against the registry
// generation it was last checked on. A viral image or clip forwarded by
// many readers reaches a tipline, or a moderation queue, as the same bytes
// again and again; each repeat is then matched against the current registry
// without being decoded again, and not matched again either while the
// registry is unchanged. A content being fingerprinted is fingerprinted
// once: checks of the same content that arrive meanwhile wait for it.
type fpCache struct {
	mu        sync.Mutex
	maxFrames int
	maxBytes  int
	frames    int
	bytes     int
	order     *list.List // finished entries, most recent first
	m         map[Digest]*cacheEntry

	hits, misses atomic.Int64
}

// cacheEntry is one content, being fingerprinted (done open) or done.
type cacheEntry struct {
	key  Digest
	done chan struct{}
	// Set before done is closed, then read only.
	fp        *fingerprint.Query // shared, never modified; nil when err is set
	err       error              // what is wrong with the file
	abandoned bool               // cut short: waiters must claim again
	// Guarded by the cache's mutex.
	rep    Report
	repGen int64
	hasRep bool
	elem   *list.Element
	n, b   int // frames and luminance bytes counted for it
}

func newFPCache(l CacheLimits) *fpCache {
	if l.Frames == 0 {
		l.Frames = DefaultCacheFrames
	}
	if l.LumaBytes == 0 {
		l.LumaBytes = DefaultCacheLumaBytes
	}
	return &fpCache{maxFrames: l.Frames, maxBytes: l.LumaBytes, order: list.New(), m: map[Digest]*cacheEntry{}}
}

// keptBytes is what fp keeps for the check alone: its frames' luminance
// and a still's finer features.
func keptBytes(fp *fingerprint.Query) int {
	if fp == nil {
		return 0
	}
	return fp.KeptBytes()
}

// claim returns the entry for key and whether the caller must fill it
// (it was absent or abandoned). A caller that fills an entry must call
// finish or abandon; one that does not waits for done.
func (c *fpCache) claim(key Digest) (e *cacheEntry, leader bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok {
		select {
		case <-e.done:
			if !e.abandoned {
				c.hits.Add(1)
				c.order.MoveToFront(e.elem)
				return e, false
			}
		default:
			c.hits.Add(1)
			return e, false // in progress: wait for it
		}
	}
	c.misses.Add(1)
	e = &cacheEntry{key: key, done: make(chan struct{})}
	c.m[key] = e
	return e, true
}

// finish records what the leader of e found, keeps it if it fits the
// bounds, and wakes the waiters.
func (c *fpCache) finish(e *cacheEntry, fp *fingerprint.Query, err error, keep bool) {
	e.fp, e.err = fp, err
	n, b := 1, keptBytes(fp)
	if fp != nil {
		n = max(len(fp.Frames), 1)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	close(e.done)
	if !keep || c.maxFrames < 0 || n > c.maxFrames || b > c.maxBytes {
		if c.m[e.key] == e {
			delete(c.m, e.key)
		}
		return
	}
	e.n, e.b = n, b
	e.elem = c.order.PushFront(e)
	c.frames += n
	c.bytes += b
	for c.frames > c.maxFrames || c.bytes > c.maxBytes {
		old := c.order.Remove(c.order.Back()).(*cacheEntry)
		c.frames -= old.n
		c.bytes -= old.b
		if c.m[old.key] == old {
			delete(c.m, old.key)
		}
	}
}

// abandon gives up an entry whose leader was cut short: waiters claim it
// again.
func (c *fpCache) abandon(e *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.abandoned = true
	if c.m[e.key] == e {
		delete(c.m, e.key)
	}
	close(e.done)
}

// report returns the report kept for e against registry generation gen.
func (c *fpCache) report(e *cacheEntry, gen int64) (Report, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.hasRep && e.repGen == gen {
		return e.rep, true
	}
	return Report{}, false
}

// setReport keeps the report e got against generation gen.
func (c *fpCache) setReport(e *cacheEntry, gen int64, rep Report) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.rep, e.repGen, e.hasRep = rep, gen, true
}

// CacheStats describe the fingerprint cache.
type CacheStats struct {
	Files, Frames, LumaBytes int
	Hits, Misses             int64
}

func (c *fpCache) stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return CacheStats{Files: c.order.Len(), Frames: c.frames, LumaBytes: c.bytes, Hits: c.hits.Load(), Misses: c.misses.Load()}
}

// clear empties the cache (entries in progress finish uncached).
func (c *fpCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for e := c.order.Front(); e != nil; e = e.Next() {
		delete(c.m, e.Value.(*cacheEntry).key)
	}
	c.order.Init()
	c.frames, c.bytes = 0, 0
}
