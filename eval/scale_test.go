package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/rules"
)

// TestFilterPool: the files corpus media are made from, copies of them
// elsewhere, their siblings and duplicates within the pool are left out
// and counted.
func TestFilterPool(t *testing.T) {
	pool := []PoolFile{
		{Pkg: "a", Path: "x/corpus.png", SHA256: "c1"},  // a corpus file itself
		{Pkg: "b", Path: "y/copy.png", SHA256: "c1"},    // a copy of it in another package
		{Pkg: "a", Path: "x/sibling.png", SHA256: "s1"}, // beside a corpus file
		{Pkg: "b", Path: "z/one.png", SHA256: "u1"},
		{Pkg: "b", Path: "z/one-again.png", SHA256: "u1"}, // duplicate within the pool
		{Pkg: "b", Path: "z/two.png", SHA256: "u2"},
	}
	digests := map[string]string{"c1": "a:x/corpus.png"}
	dirs := map[string]string{"a:x": "a:x/corpus.png"}
	var ex Exclusions
	kept := FilterPool(pool, digests, dirs, &ex)
	var names []string
	for _, f := range kept {
		names = append(names, f.name())
	}
	if got := strings.Join(names, " "); got != "b:z/one.png b:z/two.png" {
		t.Errorf("kept %s", got)
	}
	if ex.Scanned != 6 || ex.InCorpus != 1 || ex.SameDigest != 1 || ex.Sibling != 1 || ex.Duplicate != 1 {
		t.Errorf("exclusions %+v", ex)
	}
}

// TestCorpusNearest: a mirrored copy of a corpus picture is within
// possible_distance of it (so it is left out of the pool); an
// unrelated picture is not.
func TestCorpusNearest(t *testing.T) {
	a := testmedia.Picture(11, 480, 320)
	refs := &corpusRefs{}
	hs, _ := pdq.DihedralFromImage(a)
	refs.hashes = append(refs.hashes, namedHashes8{"pkg:a.png", hs})
	m, _, _ := TransformCopy(a, 3, 1) // position 3, copy 1: "mirror"
	if copyTransforms[3] != "mirror" {
		t.Fatalf("transform order changed: %v", copyTransforms)
	}
	h, _ := pdq.FromImage(m)
	max := rules.Defaults().Thresholds.PossibleDistance
	if name, d := refs.nearest(h); name != "pkg:a.png" || d > max {
		t.Errorf("mirrored copy: nearest %s at %d, want pkg:a.png within %d", name, d, max)
	}
	u, _ := pdq.FromImage(testmedia.Picture(12, 480, 320))
	if _, d := refs.nearest(u); d <= max {
		t.Errorf("unrelated picture at %d bits, within %d", d, max)
	}
}

// TestTransformCopy: every transform makes a picture, the same one for
// the same position and copy, and each copy of one picture uses another
// transform.
func TestTransformCopy(t *testing.T) {
	src := testmedia.Picture(21, 400, 300)
	seen := map[string]bool{}
	for k := 1; k <= len(copyTransforms); k++ {
		a, qa, name := TransformCopy(src, 5, k)
		b, qb, _ := TransformCopy(src, 5, k)
		if seen[name] {
			t.Errorf("copy %d repeats transform %s", k, name)
		}
		seen[name] = true
		if qa != qb || !sameImage(a, b) {
			t.Errorf("%s: not deterministic", name)
		}
		if qa < 1 || qa > 100 {
			t.Errorf("%s: quality %d", name, qa)
		}
		ab := a.Bounds()
		if ab.Dx() < 100 || ab.Dy() < 100 {
			t.Errorf("%s: %v", name, ab)
		}
		if name == "caption" && ab.Dy() <= 300 {
			t.Errorf("caption: height %d, want bars added", ab.Dy())
		}
		if name == "half-size" && ab.Dx() != 200 {
			t.Errorf("half-size: width %d", ab.Dx())
		}
	}
	if len(seen) != len(copyTransforms) {
		t.Errorf("%d transforms used, want %d", len(seen), len(copyTransforms))
	}
}

func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y += 7 {
		for x := r.Min.X; x < r.Max.X; x += 7 {
			if color.RGBAModel.Convert(a.At(x, y)) != color.RGBAModel.Convert(b.At(x, y)) {
				return false
			}
		}
	}
	return true
}

// TestScaleKey: the cache key follows what goes into the registry.
func TestScaleKey(t *testing.T) {
	cfg, err := rules.Defaults().Translate()
	if err != nil {
		t.Fatal(err)
	}
	pool := []PoolFile{{Pkg: "a", Path: "x.png", SHA256: "1"}}
	so := ScaleOptions{Photos: 10, Clips: 2}
	k := scaleKey(pool, so, cfg)
	if scaleKey(pool, so, cfg) != k {
		t.Error("key not stable")
	}
	other := []PoolFile{{Pkg: "a", Path: "x.png", SHA256: "2"}}
	c2 := cfg
	c2.Sampling.RegisterFPS++
	for name, k2 := range map[string]string{
		"pool digest":   scaleKey(other, so, cfg),
		"photos":        scaleKey(pool, ScaleOptions{Photos: 11, Clips: 2}, cfg),
		"clips":         scaleKey(pool, ScaleOptions{Photos: 10, Clips: 3}, cfg),
		"register rate": scaleKey(pool, so, c2),
	} {
		if k2 == k {
			t.Errorf("%s changed, key did not", name)
		}
	}
}

// TestClipArgs: each clip style makes a clip of scaleClipSeconds.
func TestClipArgs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ffmpeg")
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jpg"), filepath.Join(dir, "b.jpg")
	if err := testmedia.WriteJPEG(a, testmedia.Picture(31, 800, 500), 90); err != nil {
		t.Fatal(err)
	}
	if err := testmedia.WriteJPEG(b, testmedia.Picture(32, 500, 800), 90); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for j := 0; j < 4; j++ {
		out := filepath.Join(dir, "clip"+string(rune('0'+j))+".mp4")
		if err := ffmpeg(ctx, clipArgs(j, a, b, out)...); err != nil {
			t.Fatalf("style %d: %v", j, err)
		}
		p, err := ProbeFile(ctx, out)
		if err != nil {
			t.Fatal(err)
		}
		if p.W != 640 || p.H != 360 || math.Abs(p.Duration-scaleClipSeconds) > 0.2 {
			t.Errorf("style %d: %dx%d, %.2f s", j, p.W, p.H, p.Duration)
		}
	}
}

// TestWriteComparison: two runs' summaries side by side, row by row.
func TestWriteComparison(t *testing.T) {
	small := &Summary{Command: "go run ./eval -kind image", Rows: []Row{{Transform: "mirror", Kind: "image", Files: 30, Match: 30, Recall: 1, RecallPossible: 1}},
		Overall: map[string]Row{"image": {Files: 30, Match: 30, Recall: 1, RecallPossible: 1}}, Check: map[string]*CheckStats{"image": {Files: 40, Seconds: 10, P50MS: 50, P95MS: 90}}}
	scale := &Summary{Command: "go run ./eval -kind image -scale", Rows: []Row{{Transform: "mirror", Kind: "image", Files: 30, Match: 27, MatchOrPossible: 28, Recall: 0.9, RecallPossible: 28.0 / 30}},
		Overall: map[string]Row{"image": {Files: 30, Match: 27, Recall: 0.9, RecallPossible: 28.0 / 30}}, Check: map[string]*CheckStats{"image": {Files: 40, Seconds: 20, P50MS: 80, P95MS: 150}},
		Scale: &ScaleStats{Photos: 5000, Clips: 1000}, DistractorHits: []DistractorHit{{Query: "mirror/i-x", Case: "d-p00001"}}}
	var buf bytes.Buffer
	WriteComparison(&buf, []string{"small.json", "scale.json"}, []*Summary{small, scale})
	out := buf.String()
	for _, want := range []string{
		"| mirror (image) | 1.00 | 0.90 (0.93) |",
		"| image check p50 / p95 ms | 50 / 90 | 80 / 150 |",
		"| matches of a distractor | – | 1 |",
		"scale registry (5000 distractor photos, 1000 clips)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("comparison lacks %q:\n%s", want, out)
		}
	}
}
