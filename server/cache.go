package server

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"sync/atomic"

	"github.com/provcheck/provcheck/internal/fingerprint"
)

// fpCache remembers the fingerprints of recently checked files by the
// SHA-256 of their content. A viral image or clip forwarded by many readers
// reaches a tipline as the same bytes again and again; each repeat is then
// matched against the current registry without being decoded again. It
// holds at most maxFrames frames, dropping the least recently used files.
type fpCache struct {
	mu        sync.Mutex
	maxFrames int
	maxBytes  int // of kept luminance (see lumaBytes)
	frames    int
	bytes     int
	order     *list.List // of *cacheEntry, most recent first
	byDigest  map[[sha256.Size]byte]*list.Element

	hits, misses atomic.Int64
}

type cacheEntry struct {
	digest [sha256.Size]byte
	fp     *fingerprint.Fingerprint // shared, never modified
}

// cacheFrames and cacheLumaBytes bound the cache. A view is 56 bytes and
// its name; a query frame has up to about 40 views (mirror, layout,
// proposals and their mirrors, turned views), some 2.5 KB, so 50,000 frames
// (50,000 photos, or some 800 one-minute clips at the default 2 frames a
// second) take at most about 125 MB. With
// the thorough query views each frame also keeps its luminance for a crop
// search (up to 590 KB for a still, 230 KB for a video frame), which the
// second bound holds to 256 MB: a few hundred recent files.
const (
	cacheFrames    = 50_000
	cacheLumaBytes = 256 << 20
)

func newFPCache(maxFrames, maxBytes int) *fpCache {
	return &fpCache{maxFrames: maxFrames, maxBytes: maxBytes, order: list.New(), byDigest: map[[sha256.Size]byte]*list.Element{}}
}

// lumaBytes is the luminance kept by fp's frames.
func lumaBytes(fp *fingerprint.Fingerprint) int {
	n := 0
	for _, f := range fp.Frames {
		if f.Luma != nil {
			n += f.Luma.Bytes()
		}
	}
	return n
}

func (c *fpCache) get(d [sha256.Size]byte) *fingerprint.Fingerprint {
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

func (c *fpCache) put(d [sha256.Size]byte, fp *fingerprint.Fingerprint) {
	n, b := max(len(fp.Frames), 1), lumaBytes(fp)
	if n > c.maxFrames || b > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byDigest[d]; ok {
		return
	}
	c.byDigest[d] = c.order.PushFront(&cacheEntry{digest: d, fp: fp})
	c.frames += n
	c.bytes += b
	for c.frames > c.maxFrames || c.bytes > c.maxBytes {
		last := c.order.Back()
		e := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.byDigest, e.digest)
		c.frames -= max(len(e.fp.Frames), 1)
		c.bytes -= lumaBytes(e.fp)
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
	c.frames, c.bytes = 0, 0
}
