package media

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// gifFrames encodes an n-frame GIF of w×h.
func gifFrames(t testing.TB, n, w, h int) []byte {
	t.Helper()
	g := &gif.GIF{}
	for i := 0; i < n; i++ {
		m := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, color.White})
		m.SetColorIndex(i%w, 0, 1)
		g.Image = append(g.Image, m)
		g.Delay = append(g.Delay, 10)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSniff(t *testing.T) {
	pat := blockPattern()
	var bmpBuf, tiffBuf, tiffBE bytes.Buffer
	if err := bmp.Encode(&bmpBuf, pat); err != nil {
		t.Fatal(err)
	}
	if err := tiff.Encode(&tiffBuf, pat, nil); err != nil {
		t.Fatal(err)
	}
	tiffBE.WriteString("MM\x00\x2a\x00\x00\x00\x08")
	// A GIF whose first frame is larger than the sniffed head: Sniff
	// cannot see the second frame but sees the looping extension.
	bigGIF := func() []byte {
		g := &gif.GIF{LoopCount: 0}
		for i := 0; i < 2; i++ {
			m := image.NewPaletted(image.Rect(0, 0, 64, 64), color.Palette{color.Black, color.White, color.Gray{128}, color.Gray{200}})
			for j := range m.Pix {
				m.Pix[j] = uint8((j*7 + j/3 + i) % 4)
			}
			g.Image = append(g.Image, m)
			g.Delay = append(g.Delay, 5)
		}
		var b bytes.Buffer
		if err := gif.EncodeAll(&b, g); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}()
	pngData := encodePNG(t, pat)
	apng := append(append(append([]byte{}, pngData[:33]...), pngChunk("acTL", []byte{0, 0, 0, 2, 0, 0, 0, 0})...), pngData[33:]...)

	tests := []struct {
		name string
		head []byte
		want Media
	}{
		{"jpeg", encodeJPEG(t, pat, 80), Media{KindImage, "jpeg", false}},
		{"png", pngData, Media{KindImage, "png", false}},
		{"apng", apng, Media{KindImage, "png", true}},
		{"gif still", gifFrames(t, 1, 8, 8), Media{KindImage, "gif", false}},
		{"gif animated", gifFrames(t, 3, 8, 8), Media{KindImage, "gif", true}},
		{"gif animated, long first frame", bigGIF, Media{KindImage, "gif", true}},
		{"gif87a", []byte("GIF87a\x01\x00\x01\x00\x00\x00\x00"), Media{KindImage, "gif", false}},
		{"webp lossy", readTestdata(t, "still_lossy.webp"), Media{KindImage, "webp", false}},
		{"webp lossless", readTestdata(t, "still_alpha_lossless.webp"), Media{KindImage, "webp", false}},
		{"webp animated", readTestdata(t, "anim_lossy.webp"), Media{KindImage, "webp", true}},
		{"webp animated alpha", readTestdata(t, "anim_alpha.webp"), Media{KindImage, "webp", true}},
		{"bmp", bmpBuf.Bytes(), Media{KindImage, "bmp", false}},
		{"tiff II", tiffBuf.Bytes(), Media{KindImage, "tiff", false}},
		{"tiff MM", tiffBE.Bytes(), Media{KindImage, "tiff", false}},
		{"bigtiff", []byte("II+\x00\x08\x00\x00\x00"), Media{KindImage, "bigtiff", false}},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), Media{KindImage, "heic", false}},
		{"avif", []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"), Media{KindImage, "avif", false}},
		{"jxl", []byte{0xFF, 0x0A, 0xFA, 0x7F}, Media{KindImage, "jxl", false}},
		{"svg", []byte("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), Media{KindImage, "svg", false}},
		// Heads of real files written by ffmpeg (testdata/images/gen.go).
		{"mp4", readTestdata(t, "heads/mp4.bin"), Media{KindVideo, "mp4", false}},
		{"mov", readTestdata(t, "heads/mov.bin"), Media{KindVideo, "mov", false}},
		{"3gp", readTestdata(t, "heads/3gp.bin"), Media{KindVideo, "3gp", false}},
		{"m4v", readTestdata(t, "heads/m4v.bin"), Media{KindVideo, "m4v", false}},
		{"webm", readTestdata(t, "heads/webm.bin"), Media{KindVideo, "webm", false}},
		{"mkv", readTestdata(t, "heads/mkv.bin"), Media{KindVideo, "mkv", false}},
		{"avi", readTestdata(t, "heads/avi.bin"), Media{KindVideo, "avi", false}},
		{"mpegts", readTestdata(t, "heads/mpegts.bin"), Media{KindVideo, "mpegts", false}},
		{"mpegps", readTestdata(t, "heads/mpegps.bin"), Media{KindVideo, "mpegps", false}},
		{"flv", readTestdata(t, "heads/flv.bin"), Media{KindVideo, "flv", false}},
		{"ogg theora", readTestdata(t, "heads/ogg.bin"), Media{KindVideo, "ogg", false}},
		{"asf", readTestdata(t, "heads/asf.bin"), Media{KindVideo, "asf", false}},
		// QuickTime files that start with another box than ftyp.
		{"mov moov first", []byte("\x00\x00\x00\x6cmoov\x00\x00\x00\x6cmvhd"), Media{KindVideo, "mov", false}},
		{"mov mdat first", []byte("\x00\x00\x10\x00mdat\x00\x00"), Media{KindVideo, "mov", false}},
		{"mov wide first", []byte("\x00\x00\x00\x08wide\x00\x00\x10\x00mdat"), Media{KindVideo, "mov", false}},
		{"mov free first", []byte("\x00\x00\x00\x08free\x00\x00\x10\x00mdat"), Media{KindVideo, "mov", false}},
		{"m2ts", m2tsHead(), Media{KindVideo, "mpegts", false}},
		{"mp4 with a 256-byte ftyp box", append([]byte("\x00\x00\x01\x00ftypisom\x00\x00\x02\x00"), make([]byte, 240)...), Media{KindVideo, "mp4", false}},
		{"ico", append([]byte{0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0, 0x68, 4, 0, 0, 22, 0, 0, 0}, make([]byte, 40)...), Media{KindImage, "ico", false}},
		// Not media.
		{"empty", nil, Media{}},
		{"text", []byte("just some words"), Media{}},
		{"html", []byte("<!doctype html><html></html>"), Media{}},
		{"pdf", []byte("%PDF-1.4"), Media{}},
		{"zip", []byte("PK\x03\x04"), Media{}},
		{"m4a audio", []byte("\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom"), Media{}},
		{"ogg vorbis", []byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1e\x01vorbis"), Media{}},
		{"ogg theora and vorbis", append(append(readTestdata(t, "heads/ogg.bin")[:100:100], "OggS\x00\x02"...), "\x01vorbis"...), Media{KindVideo, "ogg", false}},
		{"wav", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), Media{}},
		{"text starting BM", []byte("BMW and Mercedes are car makers, the text goes on."), Media{}},
		{"one TS sync byte", append([]byte{0x47}, bytes.Repeat([]byte("x"), 400)...), Media{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := tt.head[:min(len(tt.head), SniffLen)]
			if got := Sniff(head); got != tt.want {
				t.Errorf("Sniff = %+v, want %+v", got, tt.want)
			}
			// SniffFile sees the whole file (it scans GIF frames).
			path := filepath.Join(t.TempDir(), "f")
			if err := os.WriteFile(path, tt.head, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := SniffFile(path)
			if tt.want.Known() {
				if err != nil || got != tt.want {
					t.Errorf("SniffFile = %+v, %v; want %+v", got, err, tt.want)
				}
			} else if !errors.Is(err, ErrNotMedia) {
				t.Errorf("SniffFile error %v, want ErrNotMedia", err)
			}
		})
	}
}

// TestSniffFileGIFScan checks that SniffFile finds the second frame of a
// GIF beyond the head, and that a looping extension alone does not make a
// single-frame GIF animated.
func TestSniffFileGIFScan(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	big := func(frames int) []byte {
		g := &gif.GIF{}
		for i := 0; i < frames; i++ {
			m := image.NewPaletted(image.Rect(0, 0, 100, 100), color.Palette{color.Black, color.White, color.Gray{100}, color.Gray{200}})
			for j := range m.Pix {
				m.Pix[j] = uint8(rng.Intn(4))
			}
			g.Image = append(g.Image, m)
			g.Delay = append(g.Delay, 5)
		}
		var b bytes.Buffer
		if err := gif.EncodeAll(&b, g); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for _, tc := range []struct {
		frames   int
		animated bool
	}{{1, false}, {2, true}, {5, true}} {
		data := big(tc.frames)
		if len(data) < 4*SniffLen {
			t.Fatalf("test GIF too small (%d bytes) to exercise the scan", len(data))
		}
		path := filepath.Join(t.TempDir(), "a.gif")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := SniffFile(path)
		if err != nil || m.Animated != tc.animated || m.Format != "gif" {
			t.Errorf("%d frames: SniffFile = %+v, %v; want animated=%v", tc.frames, m, err, tc.animated)
		}
	}
}

func m2tsHead() []byte {
	b := make([]byte, 512)
	for p := 4; p < len(b); p += 192 {
		b[p] = 0x47
	}
	return b
}

func TestSniffHeadErrors(t *testing.T) {
	tests := []struct {
		head []byte
		want string
	}{
		{nil, "not an image or video (looks like an empty file)"},
		{[]byte("Dear editor,\nplease check this clip.\n"), "looks like text"},
		{[]byte("\xEF\xBB\xBF  <!DOCTYPE HTML PUBLIC>"), "looks like HTML"},
		{[]byte("<html lang=en>"), "looks like HTML"},
		{[]byte("%PDF-1.5"), "looks like a PDF document"},
		{[]byte("PK\x03\x04\x0a\x00"), "looks like a ZIP archive"},
		{[]byte("{\"a\": 1}"), "looks like JSON"},
		{[]byte("ID3\x04\x00"), "looks like audio (MP3)"},
		{[]byte("\x1f\x8b\x08\x00"), "looks like gzip"},
		{[]byte{0xde, 0xad, 0xbe, 0xef, 0x00, 0x01}, "binary data starting de ad be ef 00 01"},
	}
	for _, tt := range tests {
		_, err := SniffHead(tt.head)
		if !errors.Is(err, ErrNotMedia) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("SniffHead(%q) = %v, want an ErrNotMedia saying %q", tt.head, err, tt.want)
		}
	}
	if _, err := SniffFile(filepath.Join(t.TempDir(), "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
