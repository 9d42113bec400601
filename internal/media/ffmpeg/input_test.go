package ffmpeg

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBadInputs: each bad file gives one clear error from Probe and from
// Frames, naming the tool and the path, quickly.
func TestBadInputs(t *testing.T) {
	f := newFF(t, Config{Timeout: 20 * time.Second})
	dir := t.TempDir()
	good, err := os.ReadFile(gradientClip(t))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Random bytes: what ffprobe makes of them depends on the bytes (most
	// seeds give "Invalid data found", some look like a damaged H.263
	// stream), so the case asserts only the shape of the error.
	random := make([]byte, 64<<10)
	rand.Read(random)
	fifo := filepath.Join(dir, "fifo.mp4")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	audio := clip(t, "audio.m4a", "-f", "lavfi", "-i", "sine=d=1", "-c:a", "aac")
	wav := clip(t, "audio.wav", "-f", "lavfi", "-i", "sine=d=1", "-c:a", "pcm_s16le")

	cases := []struct {
		name string
		path string
		is   error  // errors.Is target, if any
		text string // in the message
	}{
		{"empty", write("empty.mp4", nil), ErrEmpty, "empty file"},
		{"random bytes", write("random.mp4", random), nil, ""},
		{"truncated mp4", write("truncated.mp4", good[:len(good)/2]), nil, "moov atom not found"},
		{"header only", write("header.mp4", good[:64]), nil, ""},
		{"text file", write("notes.mp4", []byte("hello, this is not a video\n")), nil, "Invalid data"},
		{"missing", filepath.Join(dir, "nope.mp4"), fs.ErrNotExist, "no such file"},
		{"directory", dir, ErrNotRegular, "not a regular file (directory)"},
		{"named pipe", fifo, ErrNotRegular, "not a regular file (named pipe)"},
		{"character device", "/dev/zero", ErrNotRegular, "not a regular file (character device)"},
		{"audio only", audio, ErrNoVideo, "no video stream"},
		{"format not allowed", wav, nil, "[wav] Format not on whitelist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, call := range []string{"Probe", "Frames"} {
				start := time.Now()
				var err error
				if call == "Probe" {
					_, err = f.Probe(context.Background(), c.path)
				} else {
					_, err = f.Frames(context.Background(), c.path, SampleOptions{}, func(Frame) error {
						t.Error("callback called for a bad input")
						return nil
					})
				}
				if err == nil {
					t.Fatalf("%s: no error", call)
				}
				if time.Since(start) > 10*time.Second {
					t.Errorf("%s took %v", call, time.Since(start))
				}
				var fe *Error
				if !errors.As(err, &fe) || fe.Path != c.path {
					t.Fatalf("%s: %v is not an *Error for the path", call, err)
				}
				prefix := "ffprobe: " + c.path + ": "
				if !strings.HasPrefix(err.Error(), prefix) {
					t.Errorf("%s: %q does not start with %q", call, err, prefix)
				}
				if c.is != nil && !errors.Is(err, c.is) {
					t.Errorf("%s: %v is not %v", call, err, c.is)
				}
				if !strings.Contains(err.Error(), c.text) {
					t.Errorf("%s: %q does not contain %q", call, err, c.text)
				}
				if rest := strings.TrimPrefix(err.Error(), prefix); strings.TrimSpace(rest) == "" || strings.ContainsAny(rest, "\n\x1b") {
					t.Errorf("%s: the error after the path is empty or not one plain line: %q", call, err)
				}
				if strings.Contains(err.Error(), " @ 0x") {
					t.Errorf("%s: pointer left in %q", call, err)
				}
			}
		})
	}
}

// TestOddNames: names that ffmpeg would read as options, URLs or protocol
// chains are just local files.
func TestOddNames(t *testing.T) {
	f := newFF(t, Config{})
	src := gradientClip(t)
	dir := t.TempDir()
	names := []string{
		"-i",
		"http:example.mp4",
		"concat:a|b",
		"subfile,,start,0,end,100,,:clip.mp4",
		"pipe:1",
		"file:clip.mp4",
		"%d.mp4",
		"spaces 'and' \"quotes\".mp4",
	}
	for _, name := range names {
		copyFile(t, src, filepath.Join(dir, name))
	}
	t.Chdir(dir)
	for i, name := range names {
		n := 0
		info, err := f.Frames(context.Background(), name, SampleOptions{FPS: 1, MaxSide: 32}, func(Frame) error {
			n++
			return nil
		})
		if err != nil || n != 10 || info.Width != 160 || info.Frames != 250 {
			t.Errorf("Frames(%q): %v, %d frames, %+v; want the clip's 10", name, err, n, info)
		}
		if i%3 == 0 {
			abs := filepath.Join(dir, name)
			if info, err := f.Probe(context.Background(), abs); err != nil || info.Frames != 250 {
				t.Errorf("Probe(%q): %v, %+v", abs, err, info)
			}
		}
	}
}

// listener counts connections to a local TCP port that a playlist points at.
func listener(t *testing.T) (addr string, conns *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	conns = new(atomic.Int32)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	return ln.Addr().String(), conns
}

// TestPlaylistsRefused: an HLS playlist or a concat script that points at
// a URL or another file is refused before anything is opened, by the
// format whitelist and, should a caller allow those demuxers, by the
// protocol whitelist.
func TestPlaylistsRefused(t *testing.T) {
	addr, conns := listener(t)
	dir := t.TempDir()
	local := gradientClip(t)
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	remoteHLS := write("remote.m3u8", "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\nhttp://"+addr+"/seg0.ts\n#EXT-X-ENDLIST\n")
	// Named .mp4 to show that content, not the extension, is what counts.
	disguised := write("disguised.mp4", "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\nhttp://"+addr+"/seg0.ts\n#EXT-X-ENDLIST\n")
	localHLS := write("local.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10.0,\n"+local+"\n#EXT-X-ENDLIST\n")
	remoteConcat := write("remote.ffconcat", "ffconcat version 1.0\nfile 'http://"+addr+"/a.mp4'\n")
	localConcat := write("local.ffconcat", "ffconcat version 1.0\nfile '"+local+"'\n")

	strict := newFF(t, Config{})
	loose := newFF(t, Config{Formats: append([]string{"hls", "concat"}, DefaultFormats...)})
	cases := []struct {
		name string
		f    *FFmpeg
		path string
		text string
	}{
		{"remote HLS", strict, remoteHLS, "[hls] Format not on whitelist"},
		{"remote HLS named .mp4", strict, disguised, "[hls] Format not on whitelist"},
		{"local HLS", strict, localHLS, "[hls] Format not on whitelist"},
		{"remote concat", strict, remoteConcat, "[concat] Format not on whitelist"},
		{"local concat", strict, localConcat, "[concat] Format not on whitelist"},
		{"remote HLS, hls allowed", loose, remoteHLS, "Protocol 'http' not on whitelist 'file,pipe'"},
		{"remote concat, concat allowed", loose, remoteConcat, "[concat] Unsafe file name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.f.Probe(context.Background(), c.path)
			if err == nil || !strings.Contains(err.Error(), c.text) {
				t.Errorf("Probe: %v; want %q", err, c.text)
			}
			_, err = c.f.Frames(context.Background(), c.path, SampleOptions{}, func(Frame) error { return nil })
			if err == nil || !strings.Contains(err.Error(), c.text) {
				t.Errorf("Frames: %v; want %q", err, c.text)
			}
		})
	}
	time.Sleep(100 * time.Millisecond) // let a stray connection be counted
	if n := conns.Load(); n != 0 {
		t.Fatalf("%d network connections were made", n)
	}
}

// TestFramesDamagedPayload: when the header is intact but the pictures are
// not, ffprobe succeeds and the error comes from ffmpeg; scattered damage
// still yields (nearly) every frame: ffmpeg conceals it.
func TestFramesDamagedPayload(t *testing.T) {
	f := newFF(t, Config{})
	src := clip(t, "faststart.mp4", "-f", "lavfi", "-i", "testsrc=s=160x120:r=25:d=4",
		"-c:v", "libx264", "-preset", "ultrafast", "-movflags", "+faststart")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	mdat := bytes.Index(data, []byte("mdat"))
	if mdat < 0 {
		t.Fatal("no mdat box")
	}
	dir := t.TempDir()

	cut := filepath.Join(dir, "cut.mp4")
	if err := os.WriteFile(cut, data[:mdat+200], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Probe(context.Background(), cut); err != nil {
		t.Fatalf("Probe of a file with its header: %v", err)
	}
	_, err = f.Frames(context.Background(), cut, SampleOptions{}, func(Frame) error { return nil })
	var exit *exec.ExitError
	if !errors.As(err, &exit) || !strings.HasPrefix(err.Error(), "ffmpeg: "+cut+": exit status 1: ") {
		t.Fatalf("Frames of a cut file: %v", err)
	}

	flipped := bytes.Clone(data)
	rng := mrand.New(mrand.NewPCG(1, 2))
	for range 200 {
		flipped[mdat+100+rng.IntN(len(data)-mdat-100)] ^= byte(1 + rng.IntN(255))
	}
	damaged := filepath.Join(dir, "damaged.mp4")
	if err := os.WriteFile(damaged, flipped, 0o644); err != nil {
		t.Fatal(err)
	}
	n := 0
	if _, err := f.Frames(context.Background(), damaged, SampleOptions{MaxSide: 32}, func(Frame) error {
		n++
		return nil
	}); err != nil || n < 90 {
		t.Fatalf("Frames of a damaged file: %v, %d frames, want most of 100", err, n)
	}
}
