package engine

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/provcheck/provcheck/internal/fingerprint"
	"github.com/provcheck/provcheck/internal/match"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/rules"
)

// TestFinerVideoFrames: a clip shown as a small tile of a larger one (a
// third of its width: 107 px of a 320-px decoded frame) is described on
// finer levels, from the same frames decoded larger, and found through
// them. The checked fingerprint's frames are the same with and without
// the finer levels (they are not stored and change no hash); the finer
// features are on exactly the frames with local features; with them more
// checked frames are verified, with more inliers, and the clip is a match.
func TestFinerVideoFrames(t *testing.T) {
	f := getFixture(t)
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "collage-thirds.mp4")
	if err := testmedia.FFmpeg(ctx, "-i", filepath.Join(f.dir, "orig.mp4"), "-stream_loop", "1", "-i", filepath.Join(f.dir, "other.mp4"), "-filter_complex",
		"[1:v]scale=960:540,setsar=1[bg];[0:v]scale=320:180,setsar=1[tile];[bg][tile]overlay=600:60:shortest=1,fps=25",
		"-c:v", "libx264", "-preset", "veryfast", file); err != nil {
		t.Fatal(err)
	}
	s := f.e.QuerySampling()
	if s.LocalFine <= 0 {
		t.Fatal("checks describe no finer levels")
	}
	withFiner, err := f.e.FingerprintQuery(ctx, file, s)
	if err != nil {
		t.Fatal(err)
	}
	s.LocalFine = 0
	without, err := f.e.FingerprintQuery(ctx, file, s)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(withFiner.Fingerprint)
	b, _ := json.Marshal(without.Fingerprint)
	if string(a) != string(b) {
		t.Fatal("the checked fingerprint differs with finer levels")
	}
	if len(without.Finer) != 0 {
		t.Errorf("%d frames with finer features without finer levels", len(without.Finer))
	}
	described := 0
	for i, fr := range withFiner.Frames {
		finer := withFiner.FrameFiner(i)
		if len(fr.Local) > 0 {
			described++
		}
		if (len(fr.Local) > 0) != (finer != nil) {
			t.Errorf("frame %d at %.2f s: %d bytes of local features, finer features %v", i, fr.T, len(fr.Local), finer != nil)
		}
		if finer != nil && finer.W <= s.MaxSide {
			t.Errorf("frame %d: finer features on a %d×%d picture, not larger than the %d-px frame", i, finer.W, finer.H, s.MaxSide)
		}
	}
	if described < 5 {
		t.Fatalf("%d frames described by local features", described)
	}

	snap, err := f.e.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg := f.e.Config()
	local := func(fp *fingerprint.Query) (frames, inliers int) {
		q := match.NewQuery(fp, cfg.Thresholds.MinQuality)
		found, err := match.FindContext(ctx, snap, q, match.ParamsFrom(cfg))
		if err != nil {
			t.Fatal(err)
		}
		for _, cm := range found {
			if snap.Case(int32(cm.Case)).ID == "clip" {
				return cm.Evidence.LocalFrames, cm.Evidence.LocalInliers
			}
		}
		return 0, 0
	}
	fw, iw := local(withFiner)
	fo, io := local(without)
	t.Logf("verified frames / most inliers: %d / %d with finer levels, %d / %d without", fw, iw, fo, io)
	if fw <= fo || iw <= io {
		t.Errorf("finer levels verified %d frames with at most %d inliers, without them %d with %d: want more of both", fw, iw, fo, io)
	}
	if rep := f.e.Evaluate(snap, withFiner); rep.Verdict != rules.Match || rep.Matches[0].EntryID != "clip" {
		t.Errorf("verdict %s, want a match with clip: %s", rep.Verdict, describe(rep))
	}
}
