package server

import (
	"crypto/sha256"
	"net/http"
	"strings"
	"testing"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/internal/views"
)

func TestFPCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newFPCache(10, 1<<20)
	fp := func(frames int) *fingerprint.Fingerprint {
		return &fingerprint.Fingerprint{Kind: media.KindVideo, Frames: make([]fingerprint.Frame, frames)}
	}
	d := func(s string) [32]byte { return sha256.Sum256([]byte(s)) }
	c.put(d("a"), fp(4))
	c.put(d("b"), fp(4))
	if c.get(d("a")) == nil { // a is now the most recent
		t.Fatal("a missing")
	}
	c.put(d("c"), fp(4)) // 12 frames: b, the least recent, goes
	if c.get(d("b")) != nil || c.get(d("a")) == nil || c.get(d("c")) == nil {
		t.Error("wrong entry evicted")
	}
	c.put(d("huge"), fp(11)) // larger than the whole cache: not kept
	if c.get(d("huge")) != nil {
		t.Error("an entry over the bound was kept")
	}
	if files, frames := c.size(); files != 2 || frames != 8 {
		t.Errorf("size %d files, %d frames", files, frames)
	}
	if c.hits.Load() != 3 || c.misses.Load() != 2 {
		t.Errorf("hits %d misses %d", c.hits.Load(), c.misses.Load())
	}
	c.clear()
	if files, frames := c.size(); files != 0 || frames != 0 || c.get(d("a")) != nil {
		t.Error("clear left entries")
	}
}

// TestFPCacheBoundsLuminance: fingerprints that keep their luminance for a
// crop search are also bounded by its bytes.
func TestFPCacheBoundsLuminance(t *testing.T) {
	still := fingerprint.FingerprintImage(testmedia.Picture(3, 640, 360), "png", views.QueryViews)
	b := lumaBytes(still)
	if b == 0 {
		t.Fatal("a thorough query fingerprint kept no luminance")
	}
	c := newFPCache(1000, 2*b)
	d := func(s string) [32]byte { return sha256.Sum256([]byte(s)) }
	c.put(d("a"), still)
	c.put(d("b"), still)
	c.put(d("c"), still) // over the byte bound: a, the least recent, goes
	if c.get(d("a")) != nil || c.get(d("b")) == nil || c.get(d("c")) == nil {
		t.Error("wrong entry evicted")
	}
	if files, frames := c.size(); files != 2 || frames != 2 || c.bytes != 2*b {
		t.Errorf("size %d files, %d frames, %d bytes", files, frames, c.bytes)
	}
	small := newFPCache(1000, b-1)
	small.put(d("x"), still)
	if small.get(d("x")) != nil {
		t.Error("an entry over the byte bound was kept")
	}
}

// TestCachedFingerprintSeesRegistryChanges checks the same bytes before
// and after registering and removing a case: the second and third checks
// take the fingerprint from the cache and still see each change.
func TestCachedFingerprintSeesRegistryChanges(t *testing.T) {
	ts := newTestServer(t, nil)
	if v := verdictOf(t, ts.checkFile(t, "photo-small.jpg", "")); v != "no_match" {
		t.Fatalf("empty registry: %s", v)
	}
	ts.register(t, photoCase, "photo.jpg")
	if v := verdictOf(t, ts.checkFile(t, "photo-small.jpg", "")); v != "match" {
		t.Fatalf("after registering: %s", v)
	}
	if a := do(t, request(t, "DELETE", ts.url+"/v1/entries/"+photoCase.ID, nil, "Authorization", "Bearer "+testKey)); a.status != http.StatusNoContent {
		t.Fatal(a)
	}
	if v := verdictOf(t, ts.checkFile(t, "photo-small.jpg", "")); v != "no_match" {
		t.Fatalf("after removing: %s", v)
	}
	m := do(t, request(t, "GET", ts.url+"/metrics", nil))
	for _, want := range []string{"\nprovcheck_fingerprint_cache_hits_total 2\n", "\nprovcheck_fingerprint_cache_misses_total 1\n",
		"\nprovcheck_fingerprint_cache_files 1\n"} {
		if !strings.Contains(string(m.body), want) {
			t.Errorf("metrics lack %q:\n%s", strings.TrimSpace(want), grep(m.body, "cache"))
		}
	}
}
