package engine

import (
	"context"
	"fmt"
	"image"
	"math/bits"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/disintegration/imaging"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/signal"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// aHash is a toy signal type: the 64-bit average hash of an 8×8 grey
// thumbnail (a bit is set where the cell is brighter than the mean). It
// lives in this file only; registering it is one line.
type aHash struct{}

func (aHash) Name() string           { return "ahash" }
func (aHash) Version() int           { return 1 }
func (aHash) Kinds() []signal.Kind   { return []signal.Kind{signal.Image, signal.Video} }
func (aHash) Scale() int             { return 64 }
func (aHash) Thresholds() (int, int) { return 4, 8 }

func (aHash) Compute(img image.Image) (signal.Value, int, bool) {
	if b := img.Bounds(); b.Dx() < 8 || b.Dy() < 8 {
		return nil, 0, false
	}
	g := imaging.Resize(imaging.Grayscale(img), 8, 8, imaging.Box)
	var sum, lo, hi int
	lo = 255
	for i := 0; i < 64; i++ {
		v := int(g.Pix[4*i])
		sum += v
		lo, hi = min(lo, v), max(hi, v)
	}
	var h uint64
	for i := 0; i < 64; i++ {
		if int(g.Pix[4*i])*64 > sum {
			h |= 1 << i
		}
	}
	q := 100
	if hi-lo < 8 {
		q = 0 // flat: no information
	}
	return h, q, true
}

func (aHash) Distance(a, b signal.Value) int { return bits.OnesCount64(a.(uint64) ^ b.(uint64)) }
func (t aHash) NewIndex(n int) signal.Index  { return signal.NewLinear(t, n) }
func (aHash) Encode(v signal.Value) string   { return fmt.Sprintf("%016x", v.(uint64)) }
func (aHash) Decode(s string) (signal.Value, error) {
	v, err := strconv.ParseUint(s, 16, 64)
	return v, err
}

// TestToySignalTypeRegistersAndMatches: a signal type defined in a test,
// registered with one line, is computed for registered and checked media,
// stored in the registry and read back, and finds a re-encoded, smaller copy
// of a registered photo whose PDQ hashes were taken out of the registry, so
// that only the toy type can match it; an unrelated photo stays no_match.
func TestToySignalTypeRegistersAndMatches(t *testing.T) {
	signal.Register(aHash{}) // the registration line
	t.Cleanup(func() { signal.Unregister("ahash") })

	ctx := context.Background()
	e := newTestEngine(t, nil)
	dir := t.TempDir()
	orig, repost, other := filepath.Join(dir, "orig.jpg"), filepath.Join(dir, "repost.jpg"), filepath.Join(dir, "other.jpg")
	pic := testmedia.Picture(41, 800, 600)
	if err := testmedia.WriteJPEG(orig, pic, 92); err != nil {
		t.Fatal(err)
	}
	if err := testmedia.WriteJPEG(repost, imaging.Resize(pic, 480, 360, imaging.Lanczos), 60); err != nil {
		t.Fatal(err)
	}
	if err := testmedia.WriteJPEG(other, testmedia.Picture(42, 800, 600), 92); err != nil {
		t.Fatal(err)
	}
	m, err := e.MediaFromFile(ctx, orig, "toy")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Version, "ahash/1") {
		t.Errorf("version %q does not name the toy type", m.Version)
	}
	// Only the toy type can match: the registered PDQ hashes are made
	// uninformative, so the PDQ index holds none of them, and the local
	// features are taken out.
	for i := range m.Fingerprint.Frames {
		f := &m.Fingerprint.Frames[i]
		if len(f.Signals) != 1 || f.Signals[0].Type != "ahash" {
			t.Fatalf("frame %d signals %+v", i, f.Signals)
		}
		f.Quality, f.Views, f.Local = 0, nil, nil
	}
	if _, err := e.Store().Upsert(ctx, registry.Case{ID: "toy", Title: "Toy", Media: []registry.Media{m}}); err != nil {
		t.Fatal(err)
	}
	back, err := e.Store().Get(ctx, "toy")
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Media[0].Fingerprint.Frames[0].Signals; len(got) != 1 || got[0] != m.Fingerprint.Frames[0].Signals[0] {
		t.Fatalf("stored signals %+v, want %+v", got, m.Fingerprint.Frames[0].Signals)
	}
	snap, err := e.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Index.Len() != 0 || snap.Signals["ahash"] == nil || snap.Signals["ahash"].Len() != 1 {
		t.Fatalf("index: %d PDQ hashes, toy index %v", snap.Index.Len(), snap.Signals["ahash"])
	}
	rep, err := e.Check(ctx, repost)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Verdict != rules.Match || len(rep.Matches) != 1 || rep.Matches[0].EntryID != "toy" {
		t.Errorf("repost: %s", describe(rep))
	}
	if rep, _ := e.Check(ctx, other); rep.Verdict != rules.NoMatch {
		t.Errorf("unrelated photo: %s", describe(rep))
	}
	// Without the type, the same registry matches nothing (the cached
	// fingerprint of the repost was made with the type: drop it); with
	// it, media fingerprinted before it existed are out of date.
	signal.Unregister("ahash")
	e.ClearCache()
	if rep, _ := e.Check(ctx, repost); rep.Verdict != rules.NoMatch {
		t.Errorf("toy type unregistered: %s", describe(rep))
	}
	signal.Register(aHash{})
	if what := fingerprint.Outdated("pdq/1 views/2"); len(what) != 1 || what[0] != "ahash missing" {
		t.Errorf("outdated %v, want [ahash missing]", what)
	}
}
