package ffmpeg

import (
	"context"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// clipDir holds clips generated once per test binary run.
var clipDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "provcheck-ffmpeg-test-")
	if err != nil {
		panic(err)
	}
	clipDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	clipMu    sync.Mutex
	clipLocks = map[string]*sync.Mutex{}
)

// clip generates (once) a file named name in the shared clip directory by
// running ffmpeg with args followed by the output path.
func clip(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	clipMu.Lock()
	mu := clipLocks[name]
	if mu == nil {
		mu = &sync.Mutex{}
		clipLocks[name] = mu
	}
	clipMu.Unlock()
	mu.Lock()
	defer mu.Unlock()
	out := filepath.Join(clipDir, name)
	if _, err := os.Stat(out); err == nil {
		return out
	}
	tmp := filepath.Join(clipDir, "tmp-"+name)
	runFFmpeg(tb, append(args, tmp)...)
	if err := os.Rename(tmp, out); err != nil {
		tb.Fatal(err)
	}
	return out
}

// runFFmpeg runs the ffmpeg program for test fixtures.
func runFFmpeg(tb testing.TB, args ...string) {
	tb.Helper()
	full := append([]string{"-nostdin", "-hide_banner", "-loglevel", "error", "-y"}, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "ffmpeg", full...).CombinedOutput(); err != nil {
		tb.Fatalf("ffmpeg %q: %v\n%s", full, err, out)
	}
}

// newFF returns a decoder with the system's ffmpeg.
func newFF(tb testing.TB, cfg Config) *FFmpeg {
	tb.Helper()
	f, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

// The test clips. All are tiny and take well under a second each to make.

// gradientClip: 10 s, 25 fps, 160×120, keyframe every 2 s exactly, grey
// level 24·t, so a frame's brightness tells its time.
func gradientClip(tb testing.TB) string {
	return clip(tb, "gradient.mp4",
		"-f", "lavfi", "-i", "nullsrc=s=160x120:r=25:d=10,format=gray,geq=lum='min(255,24*T)'",
		"-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", "-pix_fmt", "yuv420p",
		"-g", "50", "-keyint_min", "50", "-sc_threshold", "0")
}

// boxClip: 64×32 black with a white 16×8 box in the top-left corner.
func boxClip(tb testing.TB) string {
	return clip(tb, "box.mp4",
		"-f", "lavfi", "-i", "color=c=black:s=64x32:r=5:d=1,drawbox=x=0:y=0:w=16:h=8:color=white:t=fill",
		"-c:v", "libx264", "-preset", "ultrafast", "-crf", "10", "-pix_fmt", "yuv420p")
}

// rotatedBoxClip: boxClip with a rotate tag (ffmpeg 5.1 writes it as a
// display matrix).
func rotatedBoxClip(tb testing.TB, deg string) string {
	src := boxClip(tb)
	return clip(tb, "box-rot"+deg+".mp4", "-i", src, "-c", "copy", "-metadata:s:v:0", "rotate="+deg)
}

// meanGray is the average of the R, G and B samples of img.
func meanGray(img *image.RGBA) float64 {
	var sum, n float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, y):img.PixOffset(b.Max.X, y)]
		for i := 0; i < len(row); i += 4 {
			sum += float64(row[i]) + float64(row[i+1]) + float64(row[i+2])
			n += 3
		}
	}
	return sum / n
}
