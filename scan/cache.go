package scan

import (
	"container/list"
	"sync"

	"github.com/provcheck/provcheck/engine"
)

// digest is the SHA-256 of a file's content.
type digest [32]byte

// outcome is the result of checking one content: a report without its
// file name and timing, valid for one registry generation.
type outcome struct {
	rep engine.Report
	gen int64
}

// cacheEntry is one content, being checked (done open) or checked.
type cacheEntry struct {
	key       digest
	done      chan struct{}
	out       outcome
	abandoned bool // the check was cut short; waiters must not use out
	elem      *list.Element
}

// digestCache makes sure identical contents are checked once per run: the
// first file with a content checks it, files with the same content that
// come while it runs wait for it, later ones reuse the outcome. It keeps
// the outcomes of the most recent max contents, so memory stays bounded
// on any batch.
type digestCache struct {
	mu  sync.Mutex
	max int
	m   map[digest]*cacheEntry
	lru *list.List // finished entries, most recent at the front
}

func newDigestCache(max int) *digestCache {
	return &digestCache{max: max, m: map[digest]*cacheEntry{}, lru: list.New()}
}

// claim returns the entry for key and whether the caller must fill it (it
// was absent, or its outcome is for another registry generation or was
// abandoned). A caller that fills an entry must call finish or drop.
func (c *digestCache) claim(key digest, gen int64) (e *cacheEntry, leader bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok {
		select {
		case <-e.done:
			if !e.abandoned && e.out.gen == gen {
				c.lru.MoveToFront(e.elem)
				return e, false
			}
			c.lru.Remove(e.elem)
		default:
			return e, false // in progress: wait for it
		}
	}
	e = &cacheEntry{key: key, done: make(chan struct{})}
	c.m[key] = e
	return e, true
}

// finish records the outcome of an entry the caller claimed.
func (c *digestCache) finish(e *cacheEntry, out outcome) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.out = out
	e.elem = c.lru.PushFront(e)
	for c.max > 0 && c.lru.Len() > c.max {
		old := c.lru.Remove(c.lru.Back()).(*cacheEntry)
		if c.m[old.key] == old {
			delete(c.m, old.key)
		}
	}
	close(e.done)
}

// drop releases an entry whose check was abandoned.
func (c *digestCache) drop(e *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e.abandoned = true
	if c.m[e.key] == e {
		delete(c.m, e.key)
	}
	close(e.done)
}
