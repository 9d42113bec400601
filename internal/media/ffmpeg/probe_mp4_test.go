package ffmpeg

import (
	"bytes"
	"context"
	"math"
	"os"
	"strings"
	"testing"
)

// TestProbeMP4AgreesWithFFprobe: on every kind of MP4/MOV file a repost
// comes in, the header read in Go gives what ffprobe gives; on files it
// does not model it gives up, and ffprobe decides.
func TestProbeMP4AgreesWithFFprobe(t *testing.T) {
	src := gradientClip(t)
	test := "testsrc2=s=320x240:r=30:d=2"
	x264 := []string{"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"}
	with := func(a ...[]string) []string {
		var out []string
		for _, x := range a {
			out = append(out, x...)
		}
		return out
	}
	lavfi := func(g string) []string { return []string{"-f", "lavfi", "-i", g} }
	cases := []struct {
		name string
		file string
		go_  bool // the Go reader answers
	}{
		{"h264 25 fps, moov at the end", src, true},
		{"faststart", clip(t, "p-faststart.mp4", with(lavfi(test), x264, []string{"-movflags", "+faststart"})...), true},
		{"29.97 fps", clip(t, "p-ntsc.mp4", with(lavfi("testsrc2=s=320x240:r=30000/1001:d=2"), x264)...), true},
		{"portrait", clip(t, "p-portrait.mp4", with(lavfi("testsrc2=s=180x320:r=30:d=1"), x264)...), true},
		{"anamorphic 4:3 pixels", clip(t, "p-sar.mp4", with(lavfi(test), []string{"-vf", "setsar=4/3"}, x264)...), true},
		{"audio track first, mov", clip(t, "p-audio-first.mov", with(lavfi("sine=d=2"), lavfi(test),
			[]string{"-map", "0:a", "-map", "1:v", "-c:a", "aac"}, x264)...), true},
		{"turned 90", clip(t, "p-rot90.mp4", "-i", src, "-c", "copy", "-metadata:s:v:0", "rotate=90"), true},
		{"turned 180", clip(t, "p-rot180.mp4", "-i", src, "-c", "copy", "-metadata:s:v:0", "rotate=180"), true},
		{"turned 270", clip(t, "p-rot270.mp4", "-i", src, "-c", "copy", "-metadata:s:v:0", "rotate=270"), true},
		{"trimmed copy (edit list)", clip(t, "p-trim.mp4", "-ss", "3.3", "-i", src, "-c", "copy"), true},
		{"variable frame rate", clip(t, "p-vfr.mp4", with(lavfi(test), []string{"-vf", "setpts='if(lt(N,20),N/30,N/15)/TB'", "-fps_mode", "vfr"}, x264)...), true},
		{"hevc", clip(t, "p-hevc.mp4", with(lavfi("testsrc2=s=160x120:r=10:d=1"), []string{"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1"})...), true},
		{"vp9 in mp4", clip(t, "p-vp9.mp4", with(lavfi("testsrc2=s=160x120:r=10:d=1"), []string{"-c:v", "libvpx-vp9", "-deadline", "realtime"})...), true},
		{"fragmented", clip(t, "p-frag.mp4", with(lavfi(test), x264, []string{"-movflags", "frag_keyframe+empty_moov"})...), false},
		{"matroska", clip(t, "p.mkv", with(lavfi(test), x264)...), false},
		{"mpeg-4 part 2", clip(t, "p-mpeg4.mp4", with(lavfi(test), []string{"-c:v", "mpeg4"})...), false},
	}
	ref := newFF(t, Config{})
	ref.alwaysFFprobe = true
	f := newFF(t, Config{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, err := ref.probe(context.Background(), c.file)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.probe(context.Background(), c.file)
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(c.file)
			if err != nil {
				t.Fatal(err)
			}
			file, err := os.Open(c.file)
			if err != nil {
				t.Fatal(err)
			}
			defer file.Close()
			_, ok := probeMP4(file, fi.Size())
			if ok != c.go_ {
				t.Fatalf("read in Go: %v, want %v", ok, c.go_)
			}
			// Durations and rates agree to a microsecond and a millionth
			// (the container's numbers, divided the same way).
			if math.Abs(got.Duration-want.Duration) > 1e-6 {
				t.Errorf("duration %v, ffprobe %v", got.Duration, want.Duration)
			}
			if math.Abs(got.FPS-want.FPS) > 1e-6*want.FPS {
				t.Errorf("fps %v, ffprobe %v", got.FPS, want.FPS)
			}
			got.Duration, got.FPS = want.Duration, want.FPS
			if got != want {
				t.Errorf("probed %+v\n ffprobe %+v", got, want)
			}
		})
	}
}

// TestProbeMP4RefusesBrokenHeaders: cut, corrupted or looping headers make
// the Go reader give up (ffprobe then reports the file), never panic or
// read past the file.
func TestProbeMP4RefusesBrokenHeaders(t *testing.T) {
	good, err := os.ReadFile(gradientClip(t))
	if err != nil {
		t.Fatal(err)
	}
	moov := bytes.Index(good, []byte("moov")) - 4
	if moov < 0 {
		t.Fatal("no moov box in the test clip")
	}
	if _, ok := probeMP4(bytes.NewReader(good), int64(len(good))); !ok {
		t.Fatal("the intact clip is not read")
	}
	cases := map[string][]byte{
		"cut before moov":          good[:moov],
		"cut inside moov":          good[:moov+200],
		"zero-sized boxes":         append(append([]byte{}, good[:moov]...), make([]byte, 64)...),
		"not a media file":         []byte(strings.Repeat("hello, world ", 40)),
		"huge moov size":           patch(good, moov, []byte{0x7f, 0xff, 0xff, 0xff}),
		"moov size too small":      patch(good, moov, []byte{0, 0, 0, 4}),
		"64-bit size past the end": patch(good, moov, []byte{0, 0, 0, 1, 'm', 'o', 'o', 'v', 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if p, ok := probeMP4(bytes.NewReader(data), int64(len(data))); ok {
				t.Errorf("read as %+v", p)
			}
		})
	}
}

// FuzzProbeMP4: no input makes the header reader panic, loop or allocate
// more than its bound.
func FuzzProbeMP4(f *testing.F) {
	good, err := os.ReadFile(gradientClip(f))
	if err != nil {
		f.Fatal(err)
	}
	if moov := bytes.Index(good, []byte("moov")) - 4; moov > 0 {
		// The header alone (the media data dropped) keeps the corpus small.
		hdr := append(append([]byte{}, good[:32]...), good[moov:]...)
		f.Add(hdr)
	}
	f.Add([]byte("\x00\x00\x00\x08ftyp"))
	f.Fuzz(func(t *testing.T, data []byte) {
		probeMP4(bytes.NewReader(data), int64(len(data)))
	})
}

func patch(b []byte, at int, with []byte) []byte {
	out := append([]byte{}, b...)
	copy(out[at:], with)
	return out
}
