package match

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/index"
	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/signal/pdq"
	"github.com/provcheck/provcheck/registry"
	"github.com/provcheck/provcheck/rules"
)

// clip makes a registered video: frames every 0.2 s whose hashes drift a
// few bits at a time, with a new shot every 3 s, like real footage.
func clip(seed uint64, seconds float64) fingerprint.Fingerprint {
	r := rand.New(rand.NewPCG(seed, seed+1))
	fp := fingerprint.Fingerprint{Kind: media.KindVideo, Duration: seconds}
	var h pdq.Hash
	for t := 0.0; t < seconds; t += 0.2 {
		if int(t*5)%15 == 0 {
			h = pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
		}
		h[r.IntN(4)] ^= 1 << r.IntN(64)
		fp.Frames = append(fp.Frames, fingerprint.Frame{T: math.Round(t*1000) / 1000, PDQ: h, Quality: 90})
	}
	return fp
}

// hashAt is the registered frame hash nearest to time t, with n bits
// flipped (a re-encode).
func hashAt(fp fingerprint.Fingerprint, t float64, n int, r *rand.Rand) pdq.Hash {
	best := fp.Frames[0]
	for _, f := range fp.Frames {
		if math.Abs(f.T-t) < math.Abs(best.T-t) {
			best = f
		}
	}
	h := best.PDQ
	for i := 0; i < n; i++ {
		h[r.IntN(4)] ^= 1 << r.IntN(64)
	}
	return h
}

func snapshot(fps ...fingerprint.Fingerprint) *index.Snapshot {
	var cases []registry.Case
	for i, fp := range fps {
		cases = append(cases, registry.Case{ID: string(rune('a' + i)), Media: []registry.Media{{Fingerprint: fp}}})
	}
	return index.NewSnapshot(cases, 50)
}

var params = Params{SearchDistance: 45, MatchDistance: 31, MinQuality: 50, MaxSpeedChange: 0.3}

func TestAlignment(t *testing.T) {
	reg := clip(1, 30)
	other := clip(2, 30)
	snap := snapshot(reg, other)
	r := rand.New(rand.NewPCG(9, 9))
	tests := []struct {
		name           string
		start, speed   float64 // the query shows registered time start + speed × its own time
		length         float64
		wantSpeed      float64
		wantEntryStart float64
	}{
		{"whole clip", 0, 1, 29, 1, 0},
		{"excerpt from 12 s", 12, 1, 6, 1, 12},
		{"25% faster", 3, 1.25, 12, 1.25, 3},
		{"25% slower", 6, 0.75, 12, 0.75, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := Query{Kind: media.KindVideo, Duration: tt.length}
			for qt := 0.0; qt < tt.length; qt += 0.5 {
				h := hashAt(reg, tt.start+tt.speed*qt, 8, r)
				q.Frames = append(q.Frames, QueryFrame{T: qt, Quality: 90, Hashes: []pdq.Hash{h}})
			}
			got := Find(snap, q, params)
			if len(got) == 0 || got[0].Case != 0 {
				t.Fatalf("no match on the registered clip: %+v", got)
			}
			m := got[0]
			if math.Abs(m.Speed-tt.wantSpeed) > 0.051 {
				t.Errorf("speed %.2f, want %.2f", m.Speed, tt.wantSpeed)
			}
			if m.Evidence.FramesMatched < len(q.Frames)*9/10 {
				t.Errorf("%d of %d frames aligned", m.Evidence.FramesMatched, len(q.Frames))
			}
			if len(m.Segments) != 1 {
				t.Fatalf("segments %+v", m.Segments)
			}
			if s := m.Segments[0]; math.Abs(s.EntryStart-tt.wantEntryStart) > 0.5 {
				t.Errorf("segment %+v: entry start should be %.1f", s, tt.wantEntryStart)
			}
			for _, o := range got[1:] {
				if o.Evidence.FramesMatched > 1 {
					t.Errorf("unrelated clip aligned %d frames", o.Evidence.FramesMatched)
				}
			}
		})
	}
}

// TestScatteredHitsDoNotAlign: hits on the right clip but at times that
// agree on no alignment (a shuffled montage) count little.
func TestScatteredHitsDoNotAlign(t *testing.T) {
	reg := clip(3, 30)
	snap := snapshot(reg)
	r := rand.New(rand.NewPCG(4, 4))
	q := Query{Kind: media.KindVideo, Duration: 10}
	for i := 0; i < 20; i++ {
		h := hashAt(reg, r.Float64()*30, 4, r)
		q.Frames = append(q.Frames, QueryFrame{T: float64(i) * 0.5, Quality: 90, Hashes: []pdq.Hash{h}})
	}
	got := Find(snap, q, params)
	if len(got) != 1 {
		t.Fatalf("%+v", got)
	}
	if n := got[0].Evidence.FramesMatched; n > 6 {
		t.Errorf("%d of 20 shuffled frames agree on one alignment", n)
	}
}

func TestStillsAndLowQuality(t *testing.T) {
	reg := clip(5, 20)
	photo := fingerprint.Fingerprint{Kind: media.KindImage, Frames: []fingerprint.Frame{{PDQ: pdq.Hash{1, 2, 3, 4}, Quality: 100}}}
	snap := snapshot(reg, photo)
	r := rand.New(rand.NewPCG(6, 6))
	// A screenshot of the clip at 7 s.
	still := Query{Kind: media.KindImage, Frames: []QueryFrame{{Quality: 80, Hashes: []pdq.Hash{hashAt(reg, 7, 10, r)}}}}
	got := Find(snap, still, params)
	if len(got) != 1 || got[0].Case != 0 || math.Abs(got[0].Segments[0].EntryStart-7) > 0.3 {
		t.Fatalf("screenshot: %+v", got)
	}
	// A video made from the registered photo: every frame is the photo.
	var vq Query
	vq.Kind = media.KindVideo
	for i := 0; i < 8; i++ {
		vq.Frames = append(vq.Frames, QueryFrame{T: float64(i) / 2, Quality: 90, Hashes: []pdq.Hash{{1, 2, 3, 5}}})
	}
	got = Find(snap, vq, params)
	if len(got) != 1 || got[0].Case != 1 || got[0].Evidence.FramesMatched != 8 || got[0].Evidence.EntryCoverage != 1 {
		t.Fatalf("video of a photo: %+v", got)
	}
	// Frames below min_quality are not evidence, even when identical.
	low := Query{Kind: media.KindImage, Frames: []QueryFrame{{Quality: 10, Hashes: []pdq.Hash{{1, 2, 3, 4}}}}}
	if got := Find(snap, low, params); len(got) != 0 {
		t.Errorf("low-quality frame matched: %+v", got)
	}
}

func TestViewsOfOneFrameCountOnce(t *testing.T) {
	reg := clip(7, 10)
	snap := snapshot(reg)
	r := rand.New(rand.NewPCG(8, 8))
	h := hashAt(reg, 4, 2, r)
	q := Query{Kind: media.KindImage, Frames: []QueryFrame{{Quality: 90, Hashes: []pdq.Hash{h, h, hashAt(reg, 4, 5, r)}}}}
	got := Find(snap, q, params)
	if len(got) != 1 || got[0].Evidence.FramesMatched != 1 || got[0].Evidence.BestDistance > 2 {
		t.Errorf("%+v", got)
	}
}

// TestNarrowViewsSearchedWithinMatchDistance: a speculative view counts
// when it is within match distance and is not searched beyond it, where a
// frame's own hash still is.
func TestNarrowViewsSearchedWithinMatchDistance(t *testing.T) {
	reg := clip(11, 10)
	snap := snapshot(reg)
	r := rand.New(rand.NewPCG(12, 12))
	far := pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
	for _, tc := range []struct {
		name     string
		frame    QueryFrame
		min, max int // best distance expected; max -1: no match
	}{
		{"narrow close", QueryFrame{Quality: 90, Hashes: []pdq.Hash{far}, Narrow: []pdq.Hash{hashAt(reg, 4, 20, r)}}, 0, 20},
		{"narrow beyond match distance", QueryFrame{Quality: 90, Hashes: []pdq.Hash{far}, Narrow: []pdq.Hash{hashAt(reg, 4, 40, r)}}, 0, -1},
		{"frame beyond match distance", QueryFrame{Quality: 90, Hashes: []pdq.Hash{hashAt(reg, 4, 40, r)}}, 32, 45},
	} {
		got := Find(snap, Query{Kind: media.KindImage, Frames: []QueryFrame{tc.frame}}, params)
		switch {
		case tc.max < 0 && len(got) != 0:
			t.Errorf("%s: got %+v, want nothing", tc.name, got)
		case tc.max >= 0 && (len(got) != 1 || got[0].Evidence.BestDistance < tc.min || got[0].Evidence.BestDistance > tc.max):
			t.Errorf("%s: got %+v, want best distance in %d..%d", tc.name, got, tc.min, tc.max)
		}
	}
}

// TestNewQuerySplitsSpeculativeViews: rotated views go to Narrow.
func TestNewQuerySplitsSpeculativeViews(t *testing.T) {
	fp := &fingerprint.Query{Fingerprint: fingerprint.Fingerprint{Kind: media.KindImage, Frames: []fingerprint.Frame{{Quality: 90, PDQ: pdq.Hash{1}, Views: []fingerprint.View{
		{Name: "mirror", PDQ: pdq.Hash{2}, Quality: 90},
		{Name: "rotate-1.5", PDQ: pdq.Hash{3}, Quality: 90},
		{Name: "rect", PDQ: pdq.Hash{4}, Quality: 20},
	}}}}}
	q := NewQuery(fp, 50)
	f := q.Frames[0]
	if len(f.Hashes) != 2 || f.Hashes[1] != (pdq.Hash{2}) || len(f.Narrow) != 1 || f.Narrow[0] != (pdq.Hash{3}) {
		t.Errorf("got hashes %v narrow %v", f.Hashes, f.Narrow)
	}
}

// TestMaxSpeedChangeFromConfig: the speeds searched come from
// thresholds.max_speed_change: a clip slowed to half speed aligns as one
// clip at 0.5× when the configuration reaches that far; at the default
// ±30% the alignment stays within 0.7–1.3.
func TestMaxSpeedChangeFromConfig(t *testing.T) {
	reg := clip(5, 30)
	snap := snapshot(reg)
	r := rand.New(rand.NewPCG(5, 5))
	q := Query{Kind: media.KindVideo, Duration: 20}
	for qt := 0.0; qt < 20; qt += 0.5 {
		q.Frames = append(q.Frames, QueryFrame{T: qt, Quality: 90, Hashes: []pdq.Hash{hashAt(reg, 4+0.5*qt, 8, r)}})
	}
	for _, change := range []float64{0.5, 0.3} {
		cfg, err := rules.Defaults().Translate()
		if err != nil {
			t.Fatal(err)
		}
		cfg.Thresholds.MaxSpeedChange = change
		p := ParamsFrom(cfg)
		if p.MaxSpeedChange != change {
			t.Fatalf("ParamsFrom: MaxSpeedChange %g, want %g", p.MaxSpeedChange, change)
		}
		got := Find(snap, q, p)
		if len(got) == 0 {
			t.Fatalf("max_speed_change %g: no match", change)
		}
		s := got[0].Speed
		switch {
		case change == 0.5 && math.Abs(s-0.5) > 0.051:
			t.Errorf("max_speed_change 0.5: speed %.2f, want 0.50", s)
		case change == 0.5 && got[0].Evidence.FramesMatched < len(q.Frames)*9/10:
			t.Errorf("max_speed_change 0.5: %d of %d frames aligned", got[0].Evidence.FramesMatched, len(q.Frames))
		case change == 0.3 && s < 0.7-1e-9:
			t.Errorf("max_speed_change 0.3: speed %.2f is outside 0.7–1.3", s)
		}
	}
}

// TestSameShotLendsLocalEvidence: in a static shot under an overlay (the
// whole checked frame is far from the registered one), local features
// describe a few frames; the frames between them that show the same
// picture, aligned with registered frames that show the same picture,
// become aligned frames too — weak ones: the strong and local frames
// stay those verified. A frame of another shot borrows nothing, nor does
// one aligned with a registered frame of another shot.
func TestSameShotLendsLocalEvidence(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	shot := pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
	other := pdq.Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
	jitter := func(h pdq.Hash, n int) pdq.Hash {
		for i := 0; i < n; i++ {
			h[r.IntN(4)] ^= 1 << r.IntN(64)
		}
		return h
	}
	// Registered: 0-8 s one static shot (a deduplicated run keeps its
	// first and last frames and a few between), 8-10 s another shot.
	entry := fingerprint.Fingerprint{Kind: media.KindVideo, Duration: 10}
	for _, t := range []float64{0, 2, 6, 7.8} {
		entry.Frames = append(entry.Frames, fingerprint.Frame{T: t, PDQ: jitter(shot, 3), Quality: 90})
	}
	for t := 8.0; t < 10; t += 0.2 {
		entry.Frames = append(entry.Frames, fingerprint.Frame{T: math.Round(t*10) / 10, PDQ: jitter(other, 3), Quality: 90})
	}
	// Checked: the same 10 s under a caption box: the whole frame is far
	// from both shots, but frames of one shot are near each other.
	boxed, boxedOther := jitter(shot, 90), jitter(other, 90)
	q := Query{Kind: media.KindVideo, Duration: 10}
	for t := 0.0; t < 10; t += 0.5 {
		h := boxed
		if t >= 8 {
			h = boxedOther
		}
		q.Frames = append(q.Frames, QueryFrame{T: t, Quality: 90, Hashes: []pdq.Hash{jitter(h, 4)}})
	}
	// Local matches on the frames at 0, 1 and 2 s (registered 0 and 2 s).
	loc := &localHit{inliers: 60}
	var hits []hit
	for _, m := range [][2]int32{{0, 0}, {2, 0}, {4, 1}} {
		d := int32(pdq.Distance(q.Frames[m[0]].Hashes[0], entry.Frames[m[1]].PDQ))
		hits = append(hits, hit{qi: m[0], fi: m[1], dist: min(d, int32(params.MatchDistance)), pdq: d, loc: loc})
	}
	cm := align(q, &entry, hits, params)
	e := cm.Evidence
	if e.StrongFrames != 3 || e.LocalFrames != 3 {
		t.Errorf("strong %d, local %d frames: want the 3 verified", e.StrongFrames, e.LocalFrames)
	}
	// 0-7.5 s: 16 frames of the shot; from 8 s the other shot.
	if e.FramesMatched != 16 {
		t.Errorf("%d frames aligned, want the 16 of the static shot", e.FramesMatched)
	}
	for _, p := range cm.Pairs {
		if q.Frames[p.Query].T >= 8 || entry.Frames[p.Entry].T >= 8 {
			t.Errorf("query %.1f s paired with registered %.1f s, of another shot", q.Frames[p.Query].T, entry.Frames[p.Entry].T)
		}
	}
	if e.EntryCoverage < 0.7 {
		t.Errorf("entry coverage %.2f", e.EntryCoverage)
	}
	// Without local evidence nothing is lent.
	for i := range hits {
		hits[i].loc = nil
	}
	if n := align(q, &entry, hits, params).Evidence.FramesMatched; n != 3 {
		t.Errorf("PDQ hits only: %d frames aligned, want 3", n)
	}
}
