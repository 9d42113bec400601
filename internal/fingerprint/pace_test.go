package fingerprint

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/provcheck/provcheck/internal/media"
	"github.com/provcheck/provcheck/internal/media/ffmpeg"
	"github.com/provcheck/provcheck/internal/testmedia"
	"github.com/provcheck/provcheck/internal/views"
)

// ffmpegFingerprinter is a Fingerprinter decoding videos with ffmpeg.
func ffmpegFingerprinter(t *testing.T) *Fingerprinter {
	t.Helper()
	dec, err := ffmpeg.New(ffmpeg.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return NewFingerprinter(dec, nil, media.Limits{})
}

// TestShortClipsDescribeEverySampledFrame: a clip too short for
// LocalMinFrames frames at LocalFPS has local features on every sampled
// frame that is not nearly identical to the last one described; a longer
// clip keeps LocalFPS, and without LocalMinFrames a short one does too.
func TestShortClipsDescribeEverySampledFrame(t *testing.T) {
	fp := ffmpegFingerprinter(t)
	ctx := context.Background()
	dir := t.TempDir()
	clip := func(name string, seconds float64) string {
		p := filepath.Join(dir, name)
		if err := testmedia.WriteVideo(ctx, p, testmedia.VideoSpec{Seed: 3, W: 320, H: 180, FPS: 25, Seconds: seconds, Scene: 1}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	short, long := clip("short.mp4", 3.5), clip("long.mp4", 10)
	described := func(path string, minFrames int) (local, frames int) {
		q, err := fp.Query(ctx, path, Sampling{FPS: 2, MaxSide: 320, Views: views.QueryViews, LocalFPS: 1, LocalMinFrames: minFrames})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range q.Frames {
			if len(f.Local) > 0 {
				local++
			}
		}
		return local, len(q.Frames)
	}
	// A new picture every second, panning: no sampled frame is nearly
	// identical to the one before it.
	if n, frames := described(short, 6); n != frames || frames != 7 {
		t.Errorf("3.5 s clip with LocalMinFrames 6: %d of %d frames described, want all 7", n, frames)
	}
	if n, _ := described(short, 0); n > 4 {
		t.Errorf("3.5 s clip without LocalMinFrames: %d frames described, want at most 4 (1 fps)", n)
	}
	with, frames := described(long, 6)
	if without, _ := described(long, 0); with != without || with > frames*6/10 {
		t.Errorf("10 s clip: %d of %d frames described with LocalMinFrames 6, %d without; want the same, at about 1 fps", with, frames, without)
	}
}

// TestShortClipsSampledAtShortFPS: a clip shorter than ShortUnder is
// sampled at ShortFPS, every frame of it described when it is also too
// short for LocalMinFrames; a longer one keeps FPS.
func TestShortClipsSampledAtShortFPS(t *testing.T) {
	fp := ffmpegFingerprinter(t)
	ctx := context.Background()
	dir := t.TempDir()
	for _, c := range []struct {
		seconds       float64
		frames, local int
	}{{3.5, 18, 18}, {10, 20, 10}} {
		p := filepath.Join(dir, "clip.mp4")
		if err := testmedia.WriteVideo(ctx, p, testmedia.VideoSpec{Seed: 4, W: 320, H: 180, FPS: 25, Seconds: c.seconds, Scene: 0.5}); err != nil {
			t.Fatal(err)
		}
		q, err := fp.Query(ctx, p, Sampling{FPS: 2, MaxSide: 320, Views: views.QueryViews, LocalFPS: 1, LocalMinFrames: 6, ShortFPS: 5, ShortUnder: 6})
		if err != nil {
			t.Fatal(err)
		}
		local := 0
		for _, f := range q.Frames {
			if len(f.Local) > 0 {
				local++
			}
		}
		// At 1 fps a 10 s clip has 10 or 11 frames described (one on each
		// side of a second may both count).
		if len(q.Frames) != c.frames || local < c.local || local > c.local+1 {
			t.Errorf("%.1f s clip: %d frames, %d described; want %d and about %d", c.seconds, len(q.Frames), local, c.frames, c.local)
		}
	}
}

func TestPacerChoice(t *testing.T) {
	s := Sampling{FPS: 2, LocalFPS: 1, LocalMinFrames: 6}
	for _, tc := range []struct {
		s        Sampling
		duration float64
		every    bool
	}{
		{s, 3.4, true},
		{s, 5.9, true},
		{s, 6, false},  // 6 frames at 1 fps
		{s, 0, false},  // unknown duration
		{s, 30, false}, // long clip
		{Sampling{FPS: 2, LocalFPS: 1}, 3.4, false},                    // no minimum
		{Sampling{FPS: 1, LocalFPS: 1, LocalMinFrames: 6}, 3.4, false}, // sampling no faster than LocalFPS
		{Sampling{FPS: 2, LocalMinFrames: 6}, 3.4, false},              // no local features
	} {
		p := tc.s.pacer(tc.duration)
		if p.every != tc.every || p.fps != tc.s.LocalFPS {
			t.Errorf("%+v for %v s: every %v fps %v, want every %v fps %v", tc.s, tc.duration, p.every, p.fps, tc.every, tc.s.LocalFPS)
		}
	}
}
