package ffmpeg

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewFindsPrograms(t *testing.T) {
	f := newFF(t, Config{})
	ff, probe := f.Paths()
	if filepath.Base(ff) != "ffmpeg" || filepath.Base(probe) != "ffprobe" {
		t.Fatalf("Paths() = %q, %q", ff, probe)
	}
	if f.timeout != DefaultTimeout || f.maxPixels != DefaultMaxPixels {
		t.Fatalf("defaults not applied: timeout %v, max pixels %d", f.timeout, f.maxPixels)
	}
	// An explicit ffmpeg path brings the ffprobe next to it.
	f = newFF(t, Config{FFmpeg: ff})
	if _, p := f.Paths(); p != filepath.Join(filepath.Dir(ff), "ffprobe") {
		t.Fatalf("ffprobe beside %s: got %s", ff, p)
	}
}

func TestNewNotInstalled(t *testing.T) {
	empty := t.TempDir()
	cases := []struct {
		name string
		path string // PATH for the lookup
		cfg  Config
	}{
		{"no ffmpeg in PATH", empty, Config{}},
		{"missing ffmpeg path", os.Getenv("PATH"), Config{FFmpeg: filepath.Join(empty, "ffmpeg")}},
		{"missing ffprobe path", os.Getenv("PATH"), Config{FFprobe: filepath.Join(empty, "ffprobe")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("PATH", c.path)
			f, err := New(c.cfg)
			if f != nil || !errors.Is(err, ErrNotInstalled) {
				t.Fatalf("New = %v, %v; want ErrNotInstalled", f, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "ffmpeg is not installed") || !strings.Contains(msg, "apt-get install -y ffmpeg") {
				t.Fatalf("message does not say how to install: %q", msg)
			}
		})
	}
}

func TestNewRejectsBadFormats(t *testing.T) {
	for _, formats := range [][]string{{}, {"mov", ""}, {"mov,hls"}, {"mov hls"}} {
		if _, err := New(Config{Formats: formats}); err == nil {
			t.Errorf("Formats %q accepted", formats)
		}
	}
}

func TestParseProbe(t *testing.T) {
	cases := []struct {
		file   string
		want   Info
		stream int
		err    error
	}{
		{file: "rotated.json", stream: 0, want: Info{Format: "mov,mp4,m4a,3gp,3g2,mj2", Codec: "h264",
			Width: 240, Height: 320, Rotation: 270, Duration: 10, FPS: 25, Frames: 250}},
		{file: "rotate_ffmpeg44.json", stream: 0, want: Info{Format: "mov,mp4,m4a,3gp,3g2,mj2", Codec: "h264",
			Width: 240, Height: 320, Rotation: 90, Duration: 10, FPS: 25, Frames: 250}},
		{file: "rotate_tag_only.json", stream: 0, want: Info{Format: "mov,mp4,m4a,3gp,3g2,mj2", Codec: "h264",
			Width: 240, Height: 320, Rotation: 270, Duration: 10, FPS: 25, Frames: 250}},
		{file: "anamorphic.json", stream: 0, want: Info{Format: "mov,mp4,m4a,3gp,3g2,mj2", Codec: "h264",
			Width: 1024, Height: 576, Duration: 1, FPS: 25, Frames: 25}},
		{file: "mpegts.json", stream: 0, want: Info{Format: "mpegts", Codec: "mpeg2video",
			Width: 64, Height: 48, Duration: 1.001, FPS: 30000.0 / 1001}},
		{file: "cover_mp4.json", stream: 0, want: Info{Format: "mov,mp4,m4a,3gp,3g2,mj2", Codec: "h264",
			Width: 64, Height: 48, Duration: 1, FPS: 25, Frames: 25}},
		{file: "cover_mp3.json", err: ErrNoVideo},
		{file: "audio_only.json", err: ErrNoVideo},
		{file: "garbage.json", err: errAny},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "probe", c.file))
			if err != nil {
				t.Fatal(err)
			}
			p, err := parseProbe(data)
			if c.err != nil {
				if err == nil || (c.err != errAny && !errors.Is(err, c.err)) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.stream != c.stream {
				t.Errorf("stream %d, want %d", p.stream, c.stream)
			}
			got := p.Info
			if math.Abs(got.Duration-c.want.Duration) > 1e-6 || math.Abs(got.FPS-c.want.FPS) > 1e-6 {
				t.Errorf("duration %v fps %v, want %v %v", got.Duration, got.FPS, c.want.Duration, c.want.FPS)
			}
			got.Duration, got.FPS = c.want.Duration, c.want.FPS
			if got != c.want {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestRotation(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	cases := []struct {
		side []sideData
		tags map[string]string
		want int
	}{
		{nil, nil, 0},
		{[]sideData{{Type: "Display Matrix", Rotation: f(-90)}}, nil, 90},
		{[]sideData{{Type: "Display Matrix", Rotation: f(90)}}, nil, 270},
		{[]sideData{{Type: "Display Matrix", Rotation: f(180)}}, nil, 180},
		{[]sideData{{Type: "Display Matrix", Rotation: f(-180)}}, nil, 180},
		{[]sideData{{Type: "Display Matrix", Rotation: f(-89.9)}}, nil, 90},
		{[]sideData{{Type: "CPB properties"}}, map[string]string{"rotate": "90"}, 90},
		{nil, map[string]string{"rotate": "270"}, 270},
		{nil, map[string]string{"rotate": "450"}, 90},
		{nil, map[string]string{"rotate": "junk"}, 0},
		// The display matrix wins over the tag.
		{[]sideData{{Type: "Display Matrix", Rotation: f(-90)}}, map[string]string{"rotate": "180"}, 90},
	}
	for _, c := range cases {
		if got := rotation(c.side, c.tags); got != c.want {
			t.Errorf("rotation(%v, %v) = %d, want %d", c.side, c.tags, got, c.want)
		}
	}
}

func TestFitSize(t *testing.T) {
	cases := []struct{ w, h, max, wantW, wantH int }{
		{1920, 1080, 320, 320, 180},
		{1080, 1920, 320, 180, 320},
		{320, 240, 100, 100, 76}, // 75 rounds to even
		{320, 240, 0, 320, 240},
		{320, 240, 1000, 320, 240}, // never enlarged
		{321, 241, 0, 322, 242},    // even sides
		{1000, 10, 100, 100, 2},    // at least 2
		{1, 1, 0, 2, 2},
		{640, 480, 321, 320, 240}, // odd limit: rounding must not exceed it
	}
	for _, c := range cases {
		w, h := fitSize(c.w, c.h, c.max)
		if w != c.wantW || h != c.wantH {
			t.Errorf("fitSize(%d, %d, %d) = %d×%d, want %d×%d", c.w, c.h, c.max, w, h, c.wantW, c.wantH)
		}
	}
}

func TestTailBuffer(t *testing.T) {
	var tb tailBuffer
	long := strings.Repeat("x", 100) + "\n"
	for range 100 { // 10 KiB, more than is kept
		tb.Write([]byte(long))
	}
	tb.Write([]byte("[h264 @ 0x55d0c0a1b2c0] error while decoding MB 3 4\n"))
	tb.Write([]byte("[h264 @ 0x55d0c0a1b2c0] error while decoding MB 3 4\n"))
	tb.Write([]byte("[hls @ 0x1] Format not on whitelist '" + strings.Join(DefaultFormats, ",") + "'\n"))
	tb.Write([]byte("file:/x.mp4: Invalid data found when processing input\n"))
	if len(tb.buf) > stderrKeep {
		t.Fatalf("kept %d bytes, limit %d", len(tb.buf), stderrKeep)
	}
	got := tb.Fold()
	want := strings.TrimSuffix(long, "\n") + "; [h264] error while decoding MB 3 4; [hls] Format not on whitelist; file:/x.mp4: Invalid data found when processing input"
	if got != want {
		t.Fatalf("Fold() =\n%q\nwant\n%q", got, want)
	}
	// One write larger than the buffer keeps its tail.
	var big tailBuffer
	big.Write([]byte(strings.Repeat("a", 10000) + "\nlast line\n"))
	if got := big.Fold(); got != "last line" {
		t.Fatalf("Fold() after a huge write = %q", got)
	}
}

func TestErrorMessage(t *testing.T) {
	e := &Error{Tool: "ffmpeg", Path: "clip.mp4", Err: errors.New("exit status 1"), Stderr: "moov atom not found"}
	if got := e.Error(); got != "ffmpeg: clip.mp4: exit status 1: moov atom not found" {
		t.Fatalf("Error() = %q", got)
	}
}

// TestEnvironment: a report file requested through the environment is not
// written, whatever the caller's environment says.
func TestEnvironment(t *testing.T) {
	path := gradientClip(t) // made before the environment is changed
	dir := t.TempDir()
	report := filepath.Join(dir, "report.log")
	t.Setenv("FFREPORT", "file="+report+":level=56")
	t.Setenv("AV_LOG_FORCE_COLOR", "1")
	for _, kv := range environ() {
		if strings.HasPrefix(kv, "FFREPORT=") || strings.HasPrefix(kv, "AV_LOG_FORCE_COLOR=") {
			t.Errorf("environment passed on %q", kv)
		}
	}
	f := newFF(t, Config{})
	if _, err := f.Frames(t.Context(), path, SampleOptions{MaxFrames: 1}, func(Frame) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(report); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ffmpeg wrote a report: %v", err)
	}
}
