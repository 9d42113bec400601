package ffmpeg

import (
	"context"
	"math"
	"strings"
	"testing"
)

func TestProbeGeneratedClips(t *testing.T) {
	f := newFF(t, Config{})
	cases := []struct {
		name     string
		make     func(testing.TB) string
		format   string // a name within Info.Format
		codec    string
		w, h     int
		rotation int
		duration float64
		fps      float64
		frames   int
	}{
		{name: "mp4 h264", make: gradientClip, format: "mp4", codec: "h264",
			w: 160, h: 120, duration: 10, fps: 25, frames: 250},
		{name: "mkv mpeg4", make: func(tb testing.TB) string {
			return clip(tb, "mpeg4.mkv", "-f", "lavfi", "-i", "testsrc=s=96x64:r=30:d=2", "-c:v", "mpeg4")
		}, format: "matroska", codec: "mpeg4", w: 96, h: 64, duration: 2, fps: 30},
		{name: "webm vp8", make: func(tb testing.TB) string {
			return clip(tb, "vp8.webm", "-f", "lavfi", "-i", "testsrc=s=96x64:r=12:d=2",
				"-c:v", "libvpx", "-deadline", "realtime", "-b:v", "200k")
		}, format: "webm", codec: "vp8", w: 96, h: 64, duration: 2, fps: 12},
		{name: "avi mjpeg", make: func(tb testing.TB) string {
			return clip(tb, "mjpeg.avi", "-f", "lavfi", "-i", "testsrc=s=96x64:r=10:d=2", "-c:v", "mjpeg")
		}, format: "avi", codec: "mjpeg", w: 96, h: 64, duration: 2, fps: 10, frames: 20},
		{name: "mpegts mpeg2", make: func(tb testing.TB) string {
			return clip(tb, "mpeg2.ts", "-f", "lavfi", "-i", "testsrc=s=96x64:r=25:d=2", "-c:v", "mpeg2video")
		}, format: "mpegts", codec: "mpeg2video", w: 96, h: 64, duration: 2, fps: 25},
		{name: "audio stream first", make: func(tb testing.TB) string {
			return clip(tb, "audiofirst.mp4", "-f", "lavfi", "-i", "sine=d=2", "-f", "lavfi", "-i", "testsrc=s=96x64:r=25:d=2",
				"-map", "0:a", "-map", "1:v", "-c:a", "aac", "-c:v", "libx264", "-preset", "ultrafast")
		}, format: "mp4", codec: "h264", w: 96, h: 64, duration: 2, fps: 25, frames: 50},
		{name: "rotate tag 90", make: func(tb testing.TB) string { return rotatedBoxClip(tb, "90") },
			format: "mp4", codec: "h264", w: 32, h: 64, rotation: 270, duration: 1, fps: 5, frames: 5},
		{name: "rotate tag 180", make: func(tb testing.TB) string { return rotatedBoxClip(tb, "180") },
			format: "mp4", codec: "h264", w: 64, h: 32, rotation: 180, duration: 1, fps: 5, frames: 5},
		{name: "rotate tag 270", make: func(tb testing.TB) string { return rotatedBoxClip(tb, "270") },
			format: "mp4", codec: "h264", w: 32, h: 64, rotation: 90, duration: 1, fps: 5, frames: 5},
		{name: "anamorphic 2:1", make: anamorphicClip, format: "mp4", codec: "h264",
			w: 192, h: 64, duration: 1, fps: 25, frames: 25},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info, err := f.Probe(context.Background(), c.make(t))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(","+info.Format+",", ","+c.format+",") {
				t.Errorf("format %q, want one of its names to be %q", info.Format, c.format)
			}
			if info.Codec != c.codec || info.Width != c.w || info.Height != c.h || info.Rotation != c.rotation {
				t.Errorf("codec %s %d×%d rotation %d, want %s %d×%d rotation %d",
					info.Codec, info.Width, info.Height, info.Rotation, c.codec, c.w, c.h, c.rotation)
			}
			// Containers round durations to their time base; mpegts adds a frame.
			if math.Abs(info.Duration-c.duration) > 0.1 {
				t.Errorf("duration %v, want %v", info.Duration, c.duration)
			}
			if math.Abs(info.FPS-c.fps) > 0.01 {
				t.Errorf("fps %v, want %v", info.FPS, c.fps)
			}
			if info.Frames != c.frames {
				t.Errorf("frames %d, want %d", info.Frames, c.frames)
			}
		})
	}
}

// anamorphicClip: 96×64 coded, sample aspect ratio 2:1, so 192×64 on screen.
func anamorphicClip(tb testing.TB) string {
	return clip(tb, "anamorphic.mp4", "-f", "lavfi", "-i", "testsrc=s=96x64:r=25:d=1", "-vf", "setsar=2",
		"-c:v", "libx264", "-preset", "ultrafast")
}

func TestProbeFormatWhitelist(t *testing.T) {
	f := newFF(t, Config{Formats: []string{"matroska"}})
	_, err := f.Probe(context.Background(), gradientClip(t))
	if err == nil || !strings.Contains(err.Error(), "not on whitelist") {
		t.Fatalf("mp4 with only matroska allowed: err = %v", err)
	}
}
