//go:build unix

package ffmpeg

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// benchSeconds is the length of the benchmark clips.
const benchSeconds = 30

// benchClip makes (once) a 30 s 1080p30 H.264 clip with x264's preset
// (ultrafast: no B-frames, CAVLC, no deblocking; veryfast: B-frames, CABAC,
// deblocking, like real uploads) and a keyframe every gop frames, or x264's
// default GOP (up to 250 frames) when gop is "".
func benchClip(b *testing.B, preset, gop string) string {
	args := []string{"-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=30:d=30",
		"-c:v", "libx264", "-preset", preset, "-pix_fmt", "yuv420p"}
	name := "bench-1080p-" + preset + "-default-gop.mp4"
	if gop != "" {
		args = append(args, "-g", gop)
		name = "bench-1080p-" + preset + "-gop" + gop + ".mp4"
	}
	return clip(b, name, args...)
}

func benchFrames(b *testing.B, preset, gop string, cfg Config, opt SampleOptions) {
	path := benchClip(b, preset, gop)
	f := newFF(b, cfg)
	frames := 0
	cpu0 := childCPU(b)
	for b.Loop() {
		frames = 0
		if _, err := f.Frames(context.Background(), path, opt, func(Frame) error {
			frames++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	cpuPerOp := (childCPU(b) - cpu0).Seconds() / float64(b.N)
	perOp := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(benchSeconds/perOp, "x_realtime")
	// CPU time of ffprobe and ffmpeg (user+sys): unlike wall time it does
	// not depend on other load on the machine.
	b.ReportMetric(cpuPerOp, "cpu_s/op")
	b.ReportMetric(benchSeconds/cpuPerOp, "x_realtime_per_cpu_s")
	b.ReportMetric(float64(frames), "frames/op")
}

// childCPU is the user+sys time of all ended child processes so far.
func childCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Query-style sampling: keyframes only, at most one a second, 320 px.
func BenchmarkKeyframes1fpsGOP60(b *testing.B) {
	benchFrames(b, "ultrafast", "60", Config{}, SampleOptions{FPS: 1, MaxSide: 320, KeyframesOnly: true})
}

func BenchmarkKeyframes1fpsDefaultGOP(b *testing.B) {
	benchFrames(b, "ultrafast", "", Config{}, SampleOptions{FPS: 1, MaxSide: 320, KeyframesOnly: true})
}

// Reference-style sampling: one frame a second, every reference frame
// decoded.
func BenchmarkDense1fpsGOP60(b *testing.B) {
	benchFrames(b, "ultrafast", "60", Config{}, SampleOptions{FPS: 1, MaxSide: 320})
}

func BenchmarkDense1fpsDefaultGOP(b *testing.B) {
	benchFrames(b, "ultrafast", "", Config{}, SampleOptions{FPS: 1, MaxSide: 320})
}

// Dense sampling: five frames a second.
func BenchmarkDense5fpsGOP60(b *testing.B) {
	benchFrames(b, "ultrafast", "60", Config{}, SampleOptions{FPS: 5, MaxSide: 320})
}

func BenchmarkDense5fpsDefaultGOP(b *testing.B) {
	benchFrames(b, "ultrafast", "", Config{}, SampleOptions{FPS: 5, MaxSide: 320})
}

// One decoding thread, as for batch scans that run one file per core.
func BenchmarkKeyframes1fpsGOP60Threads1(b *testing.B) {
	benchFrames(b, "ultrafast", "60", Config{Threads: 1}, SampleOptions{FPS: 1, MaxSide: 320, KeyframesOnly: true})
}

func BenchmarkDense1fpsGOP60Threads1(b *testing.B) {
	benchFrames(b, "ultrafast", "60", Config{Threads: 1}, SampleOptions{FPS: 1, MaxSide: 320})
}

// A clip coded like real uploads (B-frames, CABAC, deblocking), where
// skipping non-reference frames pays.
func BenchmarkRealisticKeyframes1fps(b *testing.B) {
	benchFrames(b, "veryfast", "", Config{}, SampleOptions{FPS: 1, MaxSide: 320, KeyframesOnly: true})
}

func BenchmarkRealisticDense1fps(b *testing.B) {
	benchFrames(b, "veryfast", "", Config{}, SampleOptions{FPS: 1, MaxSide: 320})
}

func BenchmarkRealisticDense5fps(b *testing.B) {
	benchFrames(b, "veryfast", "", Config{}, SampleOptions{FPS: 5, MaxSide: 320})
}

// Every frame decoded and delivered, for comparison.
func BenchmarkRealisticEveryFrame(b *testing.B) {
	benchFrames(b, "veryfast", "", Config{}, SampleOptions{MaxSide: 320})
}

// Probe alone: reading the MP4 header in Go against one ffprobe run,
// which is mostly program start-up (the Debian build loads about 200
// shared libraries).
func BenchmarkProbe(b *testing.B) {
	path := benchClip(b, "ultrafast", "60")
	for _, c := range []struct {
		name    string
		ffprobe bool
	}{{"header", false}, {"ffprobe", true}} {
		b.Run(c.name, func(b *testing.B) {
			f := newFF(b, Config{})
			f.alwaysFFprobe = c.ffprobe
			cpu0 := childCPU(b)
			for b.Loop() {
				if _, err := f.Probe(context.Background(), path); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((childCPU(b)-cpu0).Seconds()/float64(b.N), "child_cpu_s/op")
		})
	}
}

// A short clip as a tipline receives it (8 s, 720p, real-upload coding),
// sampled at 2 frames a second: one ffmpeg process against ffprobe then
// ffmpeg. The probe's share is largest on short clips.
func BenchmarkShortClip(b *testing.B) {
	path := clip(b, "bench-720p-8s.mp4", "-f", "lavfi", "-i", "testsrc2=s=1280x720:r=30:d=8",
		"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p")
	for _, c := range []struct {
		name    string
		ffprobe bool
	}{{"one-process", false}, {"ffprobe-then-ffmpeg", true}} {
		b.Run(c.name, func(b *testing.B) {
			f := newFF(b, Config{})
			f.alwaysFFprobe = c.ffprobe
			cpu0 := childCPU(b)
			for b.Loop() {
				if _, err := f.Frames(context.Background(), path, SampleOptions{FPS: 2, MaxSide: 512}, func(Frame) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((childCPU(b)-cpu0).Seconds()/float64(b.N), "child_cpu_s/op")
		})
	}
}
