package engine

import (
	"context"
	"crypto/sha256"
	"testing"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/internal/views"
)

// put and get drive the cache as CheckFile does: the first claim of a
// content fills it, later claims find it.
func put(c *fpCache, d Digest, fp *fingerprint.Query) {
	if e, leader := c.claim(d); leader {
		c.finish(e, fp, nil, true)
	}
}

func get(c *fpCache, d Digest) *fingerprint.Query {
	c.mu.Lock()
	e, ok := c.m[d]
	c.mu.Unlock()
	if !ok {
		c.misses.Add(1)
		return nil
	}
	e, _ = c.claim(d)
	return e.fp
}

func digestOf(s string) Digest { return sha256.Sum256([]byte(s)) }

func TestFPCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newFPCache(CacheLimits{Frames: 10, LumaBytes: 1 << 20})
	fp := func(frames int) *fingerprint.Query {
		return &fingerprint.Query{Fingerprint: fingerprint.Fingerprint{Kind: media.KindVideo, Frames: make([]fingerprint.Frame, frames)}}
	}
	put(c, digestOf("a"), fp(4))
	put(c, digestOf("b"), fp(4))
	if get(c, digestOf("a")) == nil { // a is now the most recent
		t.Fatal("a missing")
	}
	put(c, digestOf("c"), fp(4)) // 12 frames: b, the least recent, goes
	if get(c, digestOf("b")) != nil || get(c, digestOf("a")) == nil || get(c, digestOf("c")) == nil {
		t.Error("wrong entry evicted")
	}
	put(c, digestOf("huge"), fp(11)) // larger than the whole cache: not kept
	if get(c, digestOf("huge")) != nil {
		t.Error("an entry over the bound was kept")
	}
	if st := c.stats(); st.Files != 2 || st.Frames != 8 {
		t.Errorf("size %d files, %d frames", st.Files, st.Frames)
	}
	c.clear()
	if st := c.stats(); st.Files != 0 || st.Frames != 0 || get(c, digestOf("a")) != nil {
		t.Error("clear left entries")
	}
}

// TestFPCacheBoundsLuminance: fingerprints that keep their luminance for
// guided matching are also bounded by its bytes.
func TestFPCacheBoundsLuminance(t *testing.T) {
	still, err := fingerprint.QueryImageContext(context.Background(), testmedia.Picture(3, 640, 360), "png", views.QueryViews)
	if err != nil {
		t.Fatal(err)
	}
	b := keptBytes(still)
	if b == 0 {
		t.Fatal("a thorough query fingerprint kept no luminance")
	}
	c := newFPCache(CacheLimits{Frames: 1000, LumaBytes: 2 * b})
	put(c, digestOf("a"), still)
	put(c, digestOf("b"), still)
	put(c, digestOf("c"), still) // over the byte bound: a, the least recent, goes
	if get(c, digestOf("a")) != nil || get(c, digestOf("b")) == nil || get(c, digestOf("c")) == nil {
		t.Error("wrong entry evicted")
	}
	if st := c.stats(); st.Files != 2 || st.Frames != 2 || st.LumaBytes != 2*b {
		t.Errorf("size %d files, %d frames, %d bytes", st.Files, st.Frames, st.LumaBytes)
	}
	small := newFPCache(CacheLimits{Frames: 1000, LumaBytes: b - 1})
	put(small, digestOf("x"), still)
	if get(small, digestOf("x")) != nil {
		t.Error("an entry over the byte bound was kept")
	}
}

// TestFPCacheAbandoned: an entry whose leader gave up is claimed again by
// the next caller, and waiters see it was abandoned.
func TestFPCacheAbandoned(t *testing.T) {
	c := newFPCache(CacheLimits{})
	e, leader := c.claim(digestOf("a"))
	if !leader {
		t.Fatal("first claim is not the leader")
	}
	w, leader := c.claim(digestOf("a"))
	if leader || w != e {
		t.Fatal("second claim while in progress should wait for the first")
	}
	c.abandon(e)
	<-w.done
	if !w.abandoned {
		t.Error("waiter does not see the abandonment")
	}
	if _, leader := c.claim(digestOf("a")); !leader {
		t.Error("an abandoned content must be claimed anew")
	}
}
