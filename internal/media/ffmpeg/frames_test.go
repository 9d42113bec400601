package ffmpeg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// sampled is what a test keeps of one frame.
type sampled struct {
	t    float64
	gray float64
	size image.Point
	dur  float64 // Frame.Duration
}

func collect(t *testing.T, f *FFmpeg, path string, opt SampleOptions) (Info, []sampled) {
	t.Helper()
	var got []sampled
	info, err := f.Frames(context.Background(), path, opt, func(fr Frame) error {
		got = append(got, sampled{fr.T, meanGray(fr.Img), fr.Img.Bounds().Size(), fr.Duration})
		return nil
	})
	if err != nil {
		t.Fatalf("Frames(%+v): %v", opt, err)
	}
	return info, got
}

// keyframeTimes asks ffprobe, independently of the code under test, where
// the keyframes of the first video stream are.
func keyframeTimes(t *testing.T, path string) []float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatal(err)
	}
	var ts []float64
	for _, line := range strings.Fields(string(out)) {
		pts, flags, _ := strings.Cut(line, ",")
		if strings.Contains(flags, "K") {
			v, err := strconv.ParseFloat(pts, 64)
			if err != nil {
				t.Fatal(err)
			}
			ts = append(ts, v)
		}
	}
	return ts
}

func grid(n int, step float64) []float64 {
	ts := make([]float64, n)
	for i := range ts {
		ts[i] = float64(i) * step
	}
	return ts
}

// slots lists the times of the first 25 fps frame at or after each of
// 0, 1/rate, 2/rate, … (n of them).
func slots(n int, rate float64) []float64 {
	ts := make([]float64, n)
	for k := range ts {
		ts[k] = math.Ceil(float64(k)/rate*25-1e-6) / 25
	}
	return ts
}

func TestFramesSampling(t *testing.T) {
	f := newFF(t, Config{})
	path := gradientClip(t) // 10 s, 25 fps, keyframes every 2 s
	keys := keyframeTimes(t, path)
	if fmt.Sprint(keys) != "[0 2 4 6 8]" {
		t.Fatalf("fixture keyframes %v, want every 2 s", keys)
	}
	cases := []struct {
		name string
		opt  SampleOptions
		want []float64
	}{
		{"2 fps", SampleOptions{FPS: 2}, slots(20, 2)}, // 0, 0.52, 1, 1.52, …
		{"1 fps", SampleOptions{FPS: 1}, grid(10, 1)},
		{"0.25 fps", SampleOptions{FPS: 0.25}, grid(3, 4)},
		{"7 fps", SampleOptions{FPS: 7}, slots(70, 7)},
		{"24.9 fps", SampleOptions{FPS: 24.9}, slots(249, 24.9)},
		{"every frame", SampleOptions{}, grid(250, 0.04)},
		{"stream rate means every frame", SampleOptions{FPS: 25}, grid(250, 0.04)},
		{"above stream rate, no duplicates", SampleOptions{FPS: 60}, grid(250, 0.04)},
		{"keyframes", SampleOptions{KeyframesOnly: true}, keys},
		{"keyframes at most 1 fps", SampleOptions{KeyframesOnly: true, FPS: 1}, keys},
		{"keyframes at most every 4 s", SampleOptions{KeyframesOnly: true, FPS: 0.25}, []float64{0, 4, 8}},
		{"keyframes at most every 3 s", SampleOptions{KeyframesOnly: true, FPS: 1.0 / 3}, []float64{0, 4, 8}},
		{"max frames", SampleOptions{FPS: 2, MaxFrames: 3}, slots(3, 2)},
		{"max frames, every frame", SampleOptions{MaxFrames: 5}, grid(5, 0.04)},
		{"max frames above count", SampleOptions{KeyframesOnly: true, MaxFrames: 50}, keys},
		// The 10 s clip is short under 11 s, not under 9 s.
		{"short clip at ShortFPS", SampleOptions{FPS: 2, ShortFPS: 7, ShortUnder: 11}, slots(70, 7)},
		{"longer clip at FPS", SampleOptions{FPS: 2, ShortFPS: 7, ShortUnder: 9}, slots(20, 2)},
		{"ShortFPS below FPS", SampleOptions{FPS: 7, ShortFPS: 2, ShortUnder: 11}, slots(70, 7)},
		{"ShortFPS without FPS", SampleOptions{ShortFPS: 2, ShortUnder: 11}, grid(250, 0.04)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info, got := collect(t, f, path, c.opt)
			if info.Width != 160 || info.Height != 120 || info.FPS != 25 {
				t.Errorf("info %+v", info)
			}
			if len(got) != len(c.want) {
				t.Fatalf("%d frames, want %d: %v", len(got), len(c.want), got)
			}
			for i, s := range got {
				if math.Abs(s.t-c.want[i]) > 1e-3 {
					t.Errorf("frame %d at %.4f s, want %.4f", i, s.t, c.want[i])
				}
				// The picture is the one shown at that time: grey 24·t.
				if want := math.Min(255, 24*c.want[i]); math.Abs(s.gray-want) > 3 {
					t.Errorf("frame %d at %.3f s has grey %.1f, want %.1f", i, s.t, s.gray, want)
				}
				if s.size != image.Pt(160, 120) {
					t.Errorf("frame %d is %v", i, s.size)
				}
				// Every frame carries the probed duration, the first too.
				if s.dur != info.Duration || math.Abs(s.dur-10) > 0.05 {
					t.Errorf("frame %d carries duration %v, the clip's is %v", i, s.dur, info.Duration)
				}
			}
		})
	}
}

// TestFramesVariableRate: every-frame mode reports each frame's own
// timestamp, however irregular.
func TestFramesVariableRate(t *testing.T) {
	f := newFF(t, Config{})
	// Frame n at (n + n²/20)/10 s: 0, 0.105, 0.22, 0.345, … (in the
	// millisecond time base of Matroska).
	path := clip(t, "vfr.mkv", "-f", "lavfi", "-i", "testsrc=s=64x48:r=10:d=2",
		"-vf", "settb=1/1000,setpts='(N+N*N/20)/10/TB'", "-fps_mode", "vfr", "-enc_time_base", "1:1000",
		"-c:v", "libx264", "-preset", "ultrafast", "-bf", "0")
	_, got := collect(t, f, path, SampleOptions{})
	if len(got) != 20 {
		t.Fatalf("%d frames, want 20", len(got))
	}
	for n, s := range got {
		want := math.Round((float64(n)+float64(n*n)/20)/10*1000) / 1000
		if math.Abs(s.t-want) > 1.5e-3 {
			t.Errorf("frame %d at %.4f s, want %.4f", n, s.t, want)
		}
	}
}

func TestFramesSize(t *testing.T) {
	f := newFF(t, Config{})
	cases := []struct {
		name    string
		path    func(testing.TB) string
		maxSide int
		want    image.Point
	}{
		{"scaled down", gradientClip, 100, image.Pt(100, 76)},
		{"display size", gradientClip, 0, image.Pt(160, 120)},
		{"anamorphic at display aspect", anamorphicClip, 0, image.Pt(192, 64)},
		{"anamorphic scaled", anamorphicClip, 96, image.Pt(96, 32)},
		{"rotated scaled", func(tb testing.TB) string { return rotatedBoxClip(tb, "270") }, 32, image.Pt(16, 32)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info, got := collect(t, f, c.path(t), SampleOptions{MaxSide: c.maxSide, MaxFrames: 2})
			if len(got) != 2 {
				t.Fatalf("%d frames, want 2", len(got))
			}
			for _, s := range got {
				if s.size != c.want {
					t.Fatalf("frame size %v, want %v (info %+v)", s.size, c.want, info)
				}
			}
			// The frame keeps the display aspect ratio up to even rounding.
			da := float64(info.Width) / float64(info.Height)
			fa := float64(c.want.X) / float64(c.want.Y)
			if math.Abs(da-fa)/da > 0.03 {
				t.Errorf("aspect %.3f, display aspect %.3f", fa, da)
			}
		})
	}
}

// TestFramesRotation: decoded frames are turned the way Info.Rotation says
// and have Info's size.
func TestFramesRotation(t *testing.T) {
	f := newFF(t, Config{})
	first := func(path string) (Info, *image.RGBA) {
		var img *image.RGBA
		info, err := f.Frames(context.Background(), path, SampleOptions{MaxFrames: 1}, func(fr Frame) error {
			img = image.NewRGBA(fr.Img.Rect)
			copy(img.Pix, fr.Img.Pix)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return info, img
	}
	_, upright := first(boxClip(t))
	seen := map[int]bool{}
	for _, deg := range []string{"90", "180", "270"} {
		t.Run(deg, func(t *testing.T) {
			info, img := first(rotatedBoxClip(t, deg))
			if img.Rect.Dx() != info.Width || img.Rect.Dy() != info.Height {
				t.Fatalf("frame %v, info %d×%d", img.Rect, info.Width, info.Height)
			}
			want := rotateCW(upright, info.Rotation)
			if want.Rect != img.Rect {
				t.Fatalf("rotation %d: frame %v, want %v", info.Rotation, img.Rect, want.Rect)
			}
			if d := meanAbsDiff(img, want); d > 6 {
				t.Fatalf("rotation %d: frame differs from the upright one turned by it (mean diff %.1f)", info.Rotation, d)
			}
			seen[info.Rotation] = true
		})
	}
	if len(seen) != 3 || seen[0] {
		t.Fatalf("rotations seen %v, want 90, 180 and 270", seen)
	}
}

// rotateCW turns img clockwise by deg (a multiple of 90).
func rotateCW(img *image.RGBA, deg int) *image.RGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	if deg == 90 || deg == 270 {
		out = image.NewRGBA(image.Rect(0, 0, h, w))
	}
	for y := range h {
		for x := range w {
			var nx, ny int
			switch deg {
			case 0:
				nx, ny = x, y
			case 90:
				nx, ny = h-1-y, x
			case 180:
				nx, ny = w-1-x, h-1-y
			case 270:
				nx, ny = y, w-1-x
			}
			out.SetRGBA(nx, ny, img.RGBAAt(x, y))
		}
	}
	return out
}

func meanAbsDiff(a, b *image.RGBA) float64 {
	var sum float64
	for i := range a.Pix {
		sum += math.Abs(float64(a.Pix[i]) - float64(b.Pix[i]))
	}
	return sum / float64(len(a.Pix))
}

func TestFramesStopEarly(t *testing.T) {
	f := newFF(t, Config{})
	path := gradientClip(t)
	n := 0
	_, err := f.Frames(context.Background(), path, SampleOptions{}, func(Frame) error {
		n++
		if n == 3 {
			return ErrStop
		}
		return nil
	})
	if err != nil || n != 3 {
		t.Fatalf("ErrStop after 3 frames: err %v, %d frames", err, n)
	}
	mine := errors.New("enough")
	n = 0
	_, err = f.Frames(context.Background(), path, SampleOptions{}, func(Frame) error {
		n++
		return mine
	})
	if err != mine || n != 1 {
		t.Fatalf("callback error: got %v after %d frames, want it as is after 1", err, n)
	}
}

func TestFramesContextCanceled(t *testing.T) {
	f := newFF(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := f.Frames(ctx, gradientClip(t), SampleOptions{}, func(Frame) error {
		n++
		if n == 2 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n >= 250 {
		t.Fatalf("all %d frames delivered despite the cancel", n)
	}
}

func TestFramesBadOptions(t *testing.T) {
	f := newFF(t, Config{})
	for _, opt := range []SampleOptions{{FPS: -1}, {FPS: math.NaN()}, {FPS: math.Inf(1)}, {MaxSide: -1}, {MaxFrames: -2}, {MaxSide: 64, FineSide: -1},
		{FPS: 2, ShortFPS: -1}, {FPS: 2, ShortFPS: math.Inf(1)}, {FPS: 2, ShortFPS: 5, ShortUnder: math.NaN()}} {
		if _, err := f.Frames(context.Background(), gradientClip(t), opt, func(Frame) error { return nil }); err == nil {
			t.Errorf("options %+v accepted", opt)
		}
	}
	if _, err := f.Frames(context.Background(), gradientClip(t), SampleOptions{}, nil); err == nil {
		t.Error("nil callback accepted")
	}
}

func TestFramesTooLarge(t *testing.T) {
	// 160×120 = 19200 pixels: refused by ffprobe's decoder.
	f := newFF(t, Config{MaxPixels: 100 * 100})
	if _, err := f.Probe(context.Background(), gradientClip(t)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Probe: err = %v, want ErrTooLarge", err)
	}
	_, err := f.Frames(context.Background(), gradientClip(t), SampleOptions{}, func(Frame) error { return nil })
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Frames: err = %v, want ErrTooLarge", err)
	}
	// 96×64 = 6144 coded pixels pass, but the 2:1 sample aspect ratio
	// makes 192×64 = 12288 display pixels.
	_, err = f.Frames(context.Background(), anamorphicClip(t), SampleOptions{}, func(Frame) error { return nil })
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "192x64") {
		t.Fatalf("anamorphic Frames: err = %v, want ErrTooLarge for 192x64", err)
	}
}

// TestFramesThreadsAndLegacy: single-threaded decoding and the pre-5.1
// command line (-vsync instead of -fps_mode) give the same frames.
func TestFramesThreadsAndLegacy(t *testing.T) {
	path := gradientClip(t)
	var args string
	testHookStarted = func(cmd *exec.Cmd) { args = strings.Join(cmd.Args, " ") }
	defer func() { testHookStarted = nil }()

	_, want := collect(t, newFF(t, Config{}), path, SampleOptions{FPS: 1, MaxSide: 64})
	if !strings.Contains(args, "-fps_mode passthrough") || strings.Contains(args, "-threads") {
		t.Errorf("default command line: %s", args)
	}
	one := newFF(t, Config{Threads: 1})
	_, got := collect(t, one, path, SampleOptions{FPS: 1, MaxSide: 64})
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Threads 1:\n%v\nwant\n%v", got, want)
	}
	if !strings.Contains(args, "-threads 1 ") || !strings.Contains(args, "-filter_complex_threads 1 ") {
		t.Errorf("Threads 1 command line: %s", args)
	}
	legacy := newFF(t, Config{})
	legacy.forceLegacy = true
	_, got = collect(t, legacy, path, SampleOptions{FPS: 1, MaxSide: 64})
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("legacy:\n%v\nwant\n%v", got, want)
	}
	if !strings.Contains(args, "-vsync passthrough") || strings.Contains(args, "-fps_mode") {
		t.Errorf("legacy command line: %s", args)
	}
}

// TestFramesLegacyFallback: an ffmpeg that rejects -fps_mode (before 5.1)
// is run again with -vsync, gives the same frames, and is remembered: the
// next call starts it once. No call runs "ffmpeg -version".
func TestFramesLegacyFallback(t *testing.T) {
	path := gradientClip(t)
	_, want := collect(t, newFF(t, Config{}), path, SampleOptions{FPS: 1, MaxSide: 64})

	real, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(t.TempDir(), "ffmpeg")
	script := "#!/bin/sh\nfor a in \"$@\"; do\n  if [ \"$a\" = -fps_mode ]; then echo \"Unrecognized option 'fps_mode'.\" >&2; exit 1; fi\ndone\nexec " + real + " \"$@\"\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var runs []string
	testHookStarted = func(cmd *exec.Cmd) {
		if cmd.Path == fake {
			runs = append(runs, strings.Join(cmd.Args[1:], " "))
		}
	}
	defer func() { testHookStarted = nil }()
	old := newFF(t, Config{FFmpeg: fake})
	for call := range 2 {
		runs = nil
		_, got := collect(t, old, path, SampleOptions{FPS: 1, MaxSide: 64})
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("call %d:\n%v\nwant\n%v", call, got, want)
		}
		wantRuns := 1
		if call == 0 {
			wantRuns = 2
		}
		if len(runs) != wantRuns || !strings.Contains(runs[len(runs)-1], "-vsync passthrough") {
			t.Errorf("call %d ran ffmpeg %d times (want %d): %q", call, len(runs), wantRuns, runs)
		}
		for _, r := range runs {
			if strings.Contains(r, "-version") {
				t.Errorf("call %d asked the version: %q", call, r)
			}
		}
	}
}

func TestFramesConcurrent(t *testing.T) {
	f := newFF(t, Config{Threads: 1})
	path := gradientClip(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	counts := make([]int, 4)
	for i := range 4 {
		wg.Go(func() {
			_, errs[i] = f.Frames(context.Background(), path, SampleOptions{FPS: 2, MaxSide: 32}, func(Frame) error {
				counts[i]++
				return nil
			})
		})
	}
	wg.Wait()
	for i := range 4 {
		if errs[i] != nil || counts[i] != 20 {
			t.Errorf("run %d: %v, %d frames", i, errs[i], counts[i])
		}
	}
}

// TestFramesSkipsNonReference: sampling a B-frame stream well below its
// rate skips the frames nothing refers to, and what is delivered is still
// exact: each slot's first decoded frame, with its own time and picture.
func TestFramesSkipsNonReference(t *testing.T) {
	f := newFF(t, Config{})
	path := clip(t, "gradient-bframes.mp4",
		"-f", "lavfi", "-i", "nullsrc=s=160x120:r=25:d=10,format=gray,geq=lum='min(255,24*T)'",
		"-c:v", "libx264", "-preset", "veryfast", "-crf", "12", "-pix_fmt", "yuv420p", "-bf", "3")
	var args []string
	testHookStarted = func(cmd *exec.Cmd) { args = cmd.Args }
	defer func() { testHookStarted = nil }()
	for _, c := range []struct {
		fps   float64
		noRef bool
	}{{1, true}, {5, true}, {10, false}} {
		_, got := collect(t, f, path, SampleOptions{FPS: c.fps, MaxSide: 64})
		if strings.Contains(strings.Join(args, " "), "-skip_frame noref") != c.noRef {
			t.Errorf("%v fps: -skip_frame noref used: %v, want %v", c.fps, !c.noRef, c.noRef)
		}
		slots := int(10 * c.fps)
		if len(got) != slots {
			t.Fatalf("%v fps: %d frames, want %d", c.fps, len(got), slots)
		}
		for k, s := range got {
			start := float64(k) / c.fps
			if s.t < start-1e-6 || s.t > start+4.0/25+1e-6 {
				t.Errorf("%v fps: frame %d at %.3f s, want within 4 frames after %.3f", c.fps, k, s.t, start)
			}
			if want := math.Min(255, 24*s.t); math.Abs(s.gray-want) > 3 {
				t.Errorf("%v fps: frame %d at %.3f s has grey %.1f, want %.1f", c.fps, k, s.t, s.gray, want)
			}
		}
	}
}

func TestFitPortrait(t *testing.T) {
	for _, c := range []struct{ w, h, max, ww, wh int }{
		{1080, 1920, 320, 320, 568},
		{360, 640, 320, 320, 568},
		{1080, 2400, 320, 288, 640}, // very tall: height capped at 2×
		{200, 300, 320, 200, 300},   // small: not enlarged
	} {
		if w, h := fitPortrait(c.w, c.h, c.max); w != c.ww || h != c.wh {
			t.Errorf("fitPortrait(%d, %d, %d) = %dx%d, want %dx%d", c.w, c.h, c.max, w, h, c.ww, c.wh)
		}
	}
}

// TestFramesFineSide: with FineSide each frame also comes at the larger
// size (capped at the display size, by width for a portrait clip with
// PortraitByWidth), and Img is byte for byte the frame without it, at the
// same times; the fine copy is the same picture (shrunk to Img's size it
// is within a few grey levels of Img). No fine copy is made when it would
// be no larger than Img.
func TestFramesFineSide(t *testing.T) {
	f := newFF(t, Config{})
	landscape := func(tb testing.TB) string {
		return clip(tb, "testsrc-320x240.mp4", "-f", "lavfi", "-i", "testsrc2=s=320x240:r=10:d=2",
			"-c:v", "libx264", "-preset", "ultrafast", "-crf", "10", "-pix_fmt", "yuv420p")
	}
	portrait := func(tb testing.TB) string {
		return clip(tb, "testsrc-180x320.mp4", "-f", "lavfi", "-i", "testsrc2=s=180x320:r=10:d=2",
			"-c:v", "libx264", "-preset", "ultrafast", "-crf", "10", "-pix_fmt", "yuv420p")
	}
	for _, c := range []struct {
		name     string
		path     func(testing.TB) string
		opt      SampleOptions
		img      image.Point
		fine     image.Point // zero: no fine copy
		portrait bool
	}{
		{"larger", landscape, SampleOptions{MaxSide: 100, FineSide: 200}, image.Pt(100, 76), image.Pt(200, 150), false},
		{"capped at display size", landscape, SampleOptions{MaxSide: 100, FineSide: 1000}, image.Pt(100, 76), image.Pt(320, 240), false},
		{"portrait by width", portrait, SampleOptions{MaxSide: 64, FineSide: 128, PortraitByWidth: true}, image.Pt(64, 114), image.Pt(128, 228), true},
		{"not larger than the frame", landscape, SampleOptions{MaxSide: 320, FineSide: 664}, image.Pt(320, 240), image.Point{}, false},
		{"not above MaxSide", landscape, SampleOptions{MaxSide: 100, FineSide: 100}, image.Pt(100, 76), image.Point{}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := c.path(t)
			type frame struct {
				t          float64
				pix        []byte
				size       image.Point
				fine       image.Point
				fineDiff   float64
				fineNonNil bool
			}
			run := func(opt SampleOptions) []frame {
				var out []frame
				opt.FPS = 5
				if _, err := f.Frames(context.Background(), path, opt, func(fr Frame) error {
					fs := frame{t: fr.T, pix: append([]byte(nil), fr.Img.Pix...), size: fr.Img.Bounds().Size()}
					if fr.Fine != nil {
						fs.fineNonNil, fs.fine = true, fr.Fine.Bounds().Size()
						fs.fineDiff = meanAbsDiff(shrinkRGBA(fr.Fine, fs.size), fr.Img)
					}
					out = append(out, fs)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				return out
			}
			plain := c.opt
			plain.FineSide = 0
			want, got := run(plain), run(c.opt)
			if len(got) != len(want) || len(got) < 8 {
				t.Fatalf("%d frames with FineSide, %d without", len(got), len(want))
			}
			for i := range got {
				g, w := got[i], want[i]
				if g.t != w.t || g.size != c.img || w.size != c.img || !bytes.Equal(g.pix, w.pix) {
					t.Fatalf("frame %d: %v at %.3f s with FineSide, %v at %.3f s without (want %v), same pixels: %v",
						i, g.size, g.t, w.size, w.t, c.img, bytes.Equal(g.pix, w.pix))
				}
				if w.fineNonNil {
					t.Fatalf("frame %d: a fine copy without FineSide", i)
				}
				if c.fine == (image.Point{}) {
					if g.fineNonNil {
						t.Fatalf("frame %d: fine copy %v, want none", i, g.fine)
					}
					continue
				}
				if g.fine != c.fine {
					t.Fatalf("frame %d: fine copy %v, want %v", i, g.fine, c.fine)
				}
				if g.fineDiff > 6 {
					t.Errorf("frame %d: the fine copy shrunk to %v differs from Img by %.1f grey levels on average", i, c.img, g.fineDiff)
				}
			}
		})
	}
}

// shrinkRGBA box-averages img down to size (each side an integer or
// fractional multiple: each destination pixel averages the source pixels
// whose centres fall in it).
func shrinkRGBA(img *image.RGBA, size image.Point) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, size.X, size.Y))
	sum := make([][4]int, size.X*size.Y)
	n := make([]int, size.X*size.Y)
	for y := 0; y < b.Dy(); y++ {
		dy := min(size.Y-1, (2*y+1)*size.Y/(2*b.Dy()))
		for x := 0; x < b.Dx(); x++ {
			dx := min(size.X-1, (2*x+1)*size.X/(2*b.Dx()))
			o := img.PixOffset(x, y)
			for k := range 4 {
				sum[dy*size.X+dx][k] += int(img.Pix[o+k])
			}
			n[dy*size.X+dx]++
		}
	}
	for i := range sum {
		for k := range 4 {
			out.Pix[4*i+k] = uint8(sum[i][k] / max(1, n[i]))
		}
	}
	return out
}
