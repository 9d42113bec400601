package engine

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/rules"
)

// TestLongVideoSaysFramesTruncated: a video longer than sampling.max_frames
// covers is checked only up to that frame, and the report says so instead
// of keeping quiet about the rest (a ten-hour video was checked for its
// first 3,000 frames without a word).
func TestLongVideoSaysFramesTruncated(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clip := filepath.Join(dir, "long.mp4")
	if err := testmedia.WriteVideo(ctx, clip, testmedia.VideoSpec{Seed: 4, W: 320, H: 180, FPS: 10, Seconds: 8, Scene: 2}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		maxFrames int
		truncated bool
	}{{4, true}, {3000, false}} {
		cfg, err := rules.Defaults().Translate()
		if err != nil {
			t.Fatal(err)
		}
		cfg.Sampling.MaxFrames = tc.maxFrames
		cfg.Registry = filepath.Join(dir, "registry.db")
		e, err := New(ctx, cfg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		fp, err := e.FingerprintQuery(ctx, clip, e.QuerySampling())
		if err != nil {
			t.Fatal(err)
		}
		if fp.Truncated != tc.truncated {
			t.Errorf("max_frames %d: truncated %v, want %v (checked until %.2f of %.2f s)", tc.maxFrames, fp.Truncated, tc.truncated, fp.CheckedUntil, fp.Duration)
		}
		rep, err := e.Check(ctx, clip)
		if err != nil || rep.Failed() {
			t.Fatal(err, rep.Error)
		}
		e.Close()
		b, _ := json.Marshal(rep)
		if got := strings.Contains(string(b), `"frames_truncated":true`); got != tc.truncated {
			t.Errorf("max_frames %d: JSON %s", tc.maxFrames, b)
		}
		if tc.truncated && (rep.CheckedUntil <= 0 || rep.CheckedUntil >= rep.Duration) {
			t.Errorf("checked_until_s %.2f of %.2f", rep.CheckedUntil, rep.Duration)
		}
	}
}
