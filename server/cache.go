package server

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"sync/atomic"

	"github.com/provcheck/provcheck/hashing"
)

// fpCache remembers the fingerprints of recently checked files by the
// SHA-256 of their content. A viral image or clip forwarded by many readers
// reaches a tipline as the same bytes again and again; each repeat is then
// matched against the current registry without being decoded again. It
// holds at most maxFrames frames, dropping the least recently used files.
type fpCache struct {
	mu        sync.Mutex
	maxFrames int
	frames    int
	order     *list.List // of *cacheEntry, most recent first
	byDigest  map[[sha256.Size]byte]*list.Element

	hits, misses atomic.Int64
}

type cacheEntry struct {
	digest [sha256.Size]byte
	fp     *hashing.Fingerprint // shared, never modified
}

// cacheFrames bounds the cache: a query frame with its views takes about
// 300 bytes, so 50,000 frames (50,000 photos, or some 800 one-minute clips
// at the default 2 frames a second) take about 15 MB.
const cacheFrames = 50_000

func newFPCache(maxFrames int) *fpCache {
	return &fpCache{maxFrames: maxFrames, order: list.New(), byDigest: map[[sha256.Size]byte]*list.Element{}}
}

func (c *fpCache) get(d [sha256.Size]byte) *hashing.Fingerprint {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byDigest[d]
	if !ok {
		c.misses.Add(1)
		return nil
	}
	c.hits.Add(1)
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).fp
}

func (c *fpCache) put(d [sha256.Size]byte, fp *hashing.Fingerprint) {
	n := max(len(fp.Frames), 1)
	if n > c.maxFrames {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byDigest[d]; ok {
		return
	}
	c.byDigest[d] = c.order.PushFront(&cacheEntry{digest: d, fp: fp})
	c.frames += n
	for c.frames > c.maxFrames {
		last := c.order.Back()
		e := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.byDigest, e.digest)
		c.frames -= max(len(e.fp.Frames), 1)
	}
}

func (c *fpCache) size() (files, frames int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len(), c.frames
}

// clear empties the cache.
func (c *fpCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	clear(c.byDigest)
	c.frames = 0
}
