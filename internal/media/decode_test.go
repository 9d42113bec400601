package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// --- helpers shared by the tests in this package ---

// blockColors are the six colours of blockPattern, far apart from each
// other so that lossy coding cannot confuse them.
var blockColors = [6]color.NRGBA{
	{220, 30, 30, 255}, {30, 200, 40, 255}, {30, 40, 220, 255},
	{240, 230, 40, 255}, {230, 40, 220, 255}, {40, 220, 230, 255},
}

// blockPattern is a 48×32 image of 3×2 blocks of 16×16 in distinct
// colours: asymmetric under every flip and rotation.
func blockPattern() *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, 48, 32))
	for y := 0; y < 32; y++ {
		for x := 0; x < 48; x++ {
			m.SetNRGBA(x, y, blockColors[(y/16)*3+x/16])
		}
	}
	return m
}

func encodeJPEG(t testing.TB, img image.Image, q int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rgbAt reads the colour of a decoded (opaque) image as 8-bit RGB.
func rgbAt(img image.Image, x, y int) [3]int {
	c := color.NRGBAModel.Convert(img.At(img.Bounds().Min.X+x, img.Bounds().Min.Y+y)).(color.NRGBA)
	return [3]int{int(c.R), int(c.G), int(c.B)}
}

func near(a, b [3]int, tol int) bool {
	for i := range a {
		if d := a[i] - b[i]; d > tol || d < -tol {
			return false
		}
	}
	return true
}

func rgbOf(c color.NRGBA) [3]int { return [3]int{int(c.R), int(c.G), int(c.B)} }

// tiffIFD builds a TIFF structure holding only IFD0 with the given
// orientation (SHORT), preceded by a few unrelated entries so that the
// parser has to scan.
func tiffIFD(o int, bo binary.ByteOrder) []byte {
	var b bytes.Buffer
	if bo == binary.BigEndian {
		b.WriteString("MM\x00\x2a")
	} else {
		b.WriteString("II\x2a\x00")
	}
	binary.Write(&b, bo, uint32(8))
	entries := [][3]uint32{{0x010F, 2, 0}, {0x0110, 2, 0}, {tagOrientation, 3, uint32(o)}, {0x011A, 5, 0}}
	binary.Write(&b, bo, uint16(len(entries)))
	for _, e := range entries {
		binary.Write(&b, bo, uint16(e[0]))
		binary.Write(&b, bo, uint16(e[1]))
		binary.Write(&b, bo, uint32(1))
		if e[1] == 3 {
			binary.Write(&b, bo, uint16(e[2]))
			binary.Write(&b, bo, uint16(0))
		} else {
			binary.Write(&b, bo, uint32(0))
		}
	}
	binary.Write(&b, bo, uint32(0))
	return b.Bytes()
}

// jpegWithExif inserts an APP1 Exif segment carrying orientation o right
// after SOI, behind an unrelated XMP APP1 segment.
func jpegWithExif(jpg []byte, o int, bo binary.ByteOrder) []byte {
	seg := func(marker byte, body []byte) []byte {
		s := []byte{0xFF, marker, 0, 0}
		binary.BigEndian.PutUint16(s[2:], uint16(len(body)+2))
		return append(s, body...)
	}
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>"))...)
	out = append(out, seg(0xE1, append([]byte("Exif\x00\x00"), tiffIFD(o, bo)...))...)
	return append(out, jpg[2:]...)
}

// pngChunk encodes one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	b := make([]byte, 8, 12+len(data))
	binary.BigEndian.PutUint32(b, uint32(len(data)))
	copy(b[4:], typ)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// pngWithExif inserts an eXIf chunk after IHDR.
func pngWithExif(p []byte, o int) []byte {
	const ihdrEnd = 8 + 25
	out := append([]byte{}, p[:ihdrEnd]...)
	out = append(out, pngChunk("eXIf", tiffIFD(o, binary.BigEndian))...)
	return append(out, p[ihdrEnd:]...)
}

// tiffWithOrientation rewrites a TIFF written by x/image/tiff so that its
// IFD0 (moved to the end of the file) also holds an Orientation entry.
func tiffWithOrientation(t testing.TB, tf []byte, o int) []byte {
	t.Helper()
	bo := binary.LittleEndian
	if string(tf[:2]) == "MM" {
		t.Fatal("want a little-endian TIFF")
	}
	off := bo.Uint32(tf[4:8])
	n := int(bo.Uint16(tf[off:]))
	entries := tf[off+2 : off+2+uint32(12*n)]
	out := append([]byte{}, tf...)
	if len(out)%2 == 1 {
		out = append(out, 0)
	}
	bo.PutUint32(out[4:8], uint32(len(out)))
	out = bo.AppendUint16(out, uint16(n+1))
	inserted := false
	for i := 0; i < n; i++ {
		e := entries[12*i : 12*i+12]
		if !inserted && bo.Uint16(e) > tagOrientation {
			out = append(out, orientationEntry(bo, o)...)
			inserted = true
		}
		out = append(out, e...)
	}
	if !inserted {
		out = append(out, orientationEntry(bo, o)...)
	}
	return bo.AppendUint32(out, 0)
}

func orientationEntry(bo binary.AppendByteOrder, o int) []byte {
	e := bo.AppendUint16(nil, tagOrientation)
	e = bo.AppendUint16(e, 3)
	e = bo.AppendUint32(e, 1)
	e = bo.AppendUint16(e, uint16(o))
	return bo.AppendUint16(e, 0)
}

// webpWithExif wraps a simple-format lossless WebP (one VP8L chunk) of the
// given size into the extended format with an EXIF chunk.
func webpWithExif(t testing.TB, simple []byte, w, h, o int) []byte {
	t.Helper()
	if string(simple[12:16]) != "VP8L" {
		t.Fatal("want a VP8L WebP")
	}
	chunk := func(id string, body []byte) []byte {
		b := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
		b = append(b, body...)
		if len(body)%2 == 1 {
			b = append(b, 0)
		}
		return b
	}
	vp8x := []byte{0x08 | 0x10, 0, 0, 0, byte(w - 1), byte((w - 1) >> 8), 0, byte(h - 1), byte((h - 1) >> 8), 0}
	body := append([]byte("WEBP"), chunk("VP8X", vp8x)...)
	body = append(body, simple[12:]...)
	body = append(body, chunk("EXIF", tiffIFD(o, binary.LittleEndian))...)
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

// storedCoords maps a pixel of the upright image (display coordinates,
// display size dw×dh) to the stored pixel it shows, for EXIF orientation
// o. It is written from the standard's description of where the stored
// 0th row and 0th column end up, independently of the code under test.
func storedCoords(o, x, y, dw, dh int) (int, int) {
	switch o {
	case 2: // 0th row top, 0th column right
		return dw - 1 - x, y
	case 3: // bottom, right
		return dw - 1 - x, dh - 1 - y
	case 4: // bottom, left
		return x, dh - 1 - y
	case 5: // 0th row left, 0th column top
		return y, x
	case 6: // right, top
		return y, dw - 1 - x
	case 7: // right, bottom
		return dh - 1 - y, dw - 1 - x
	case 8: // left, bottom
		return dh - 1 - y, x
	}
	return x, y
}

// checkOriented checks that img is the blockPattern turned upright for
// orientation o, sampling the centre of every 8×8 cell.
func checkOriented(t *testing.T, img image.Image, o, tol int) {
	t.Helper()
	pat := blockPattern()
	dw, dh := 48, 32
	if o >= 5 {
		dw, dh = 32, 48
	}
	if b := img.Bounds(); b.Dx() != dw || b.Dy() != dh {
		t.Fatalf("orientation %d: size %v, want %d×%d", o, b.Size(), dw, dh)
	}
	for y := 4; y < dh; y += 8 {
		for x := 4; x < dw; x += 8 {
			sx, sy := storedCoords(o, x, y, dw, dh)
			want := rgbOf(pat.NRGBAAt(sx, sy))
			if got := rgbAt(img, x, y); !near(got, want, tol) {
				t.Fatalf("orientation %d: pixel (%d,%d) = %v, want %v (stored pixel %d,%d)", o, x, y, got, want, sx, sy)
			}
		}
	}
}

// --- tests ---

func TestDecodeFormats(t *testing.T) {
	pat := blockPattern()
	var bmpBuf, tiffBuf, tiffDeflate bytes.Buffer
	if err := bmp.Encode(&bmpBuf, pat); err != nil {
		t.Fatal(err)
	}
	if err := tiff.Encode(&tiffBuf, pat, nil); err != nil {
		t.Fatal(err)
	}
	if err := tiff.Encode(&tiffDeflate, pat, &tiff.Options{Compression: tiff.Deflate, Predictor: true}); err != nil {
		t.Fatal(err)
	}
	gray := image.NewGray(pat.Rect)
	gray16 := image.NewGray16(pat.Rect)
	rgba64 := image.NewNRGBA64(pat.Rect)
	pal := image.NewPaletted(pat.Rect, color.Palette{blockColors[0], blockColors[1], blockColors[2], blockColors[3], blockColors[4], blockColors[5]})
	for y := 0; y < 32; y++ {
		for x := 0; x < 48; x++ {
			c := pat.NRGBAAt(x, y)
			gray.SetGray(x, y, color.Gray{Y: c.G})
			gray16.SetGray16(x, y, color.Gray16{Y: uint16(c.G)<<8 | 0x7F})
			rgba64.SetNRGBA64(x, y, color.NRGBA64{uint16(c.R)<<8 | 0xAA, uint16(c.G)<<8 | 0x55, uint16(c.B) << 8, 0xFFFF})
			pal.SetColorIndex(x, y, uint8((y/16)*3+x/16))
		}
	}
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, pal, nil); err != nil {
		t.Fatal(err)
	}
	grayPat := func() [6]color.NRGBA {
		var g [6]color.NRGBA
		for i, c := range blockColors {
			g[i] = color.NRGBA{c.G, c.G, c.G, 255}
		}
		return g
	}()
	tests := []struct {
		name   string
		data   []byte
		format string
		colors [6]color.NRGBA
		tol    int
	}{
		{"jpeg ycbcr", encodeJPEG(t, pat, 95), "jpeg", blockColors, 12},
		{"jpeg gray", encodeJPEG(t, gray, 95), "jpeg", grayPat, 6},
		{"png rgb", encodePNG(t, pat), "png", blockColors, 0},
		{"png gray", encodePNG(t, gray), "png", grayPat, 0},
		{"png gray16", encodePNG(t, gray16), "png", grayPat, 0},
		{"png rgb16", encodePNG(t, rgba64), "png", blockColors, 0},
		{"png paletted", encodePNG(t, pal), "png", blockColors, 0},
		{"gif", gifBuf.Bytes(), "gif", blockColors, 0},
		{"bmp", bmpBuf.Bytes(), "bmp", blockColors, 0},
		{"tiff", tiffBuf.Bytes(), "tiff", blockColors, 0},
		{"tiff deflate", tiffDeflate.Bytes(), "tiff", blockColors, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, info, err := DecodeImageBytes(tt.data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Format != tt.format || info.Width != 48 || info.Height != 32 || info.Orientation != 1 {
				t.Fatalf("info %+v, want %s 48×32 orientation 1", info, tt.format)
			}
			checkCheapType(t, img)
			for y := 4; y < 32; y += 8 {
				for x := 4; x < 48; x += 8 {
					want := rgbOf(tt.colors[(y/16)*3+x/16])
					if got := rgbAt(img, x, y); !near(got, want, tt.tol) {
						t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, got, want)
					}
				}
			}
		})
	}
}

// checkCheapType checks that a decoded image is one of the types the
// hashing code reads directly, and opaque.
func checkCheapType(t *testing.T, img image.Image) {
	t.Helper()
	switch m := img.(type) {
	case *image.YCbCr, *image.Gray:
	case *image.NRGBA:
		for i := 3; i < len(m.Pix); i += 4 {
			if m.Pix[i] != 255 {
				t.Fatalf("NRGBA not opaque at byte %d", i)
			}
		}
	case *image.RGBA:
		for i := 3; i < len(m.Pix); i += 4 {
			if m.Pix[i] != 255 {
				t.Fatalf("RGBA not opaque at byte %d", i)
			}
		}
	default:
		t.Fatalf("decoded as %T", img)
	}
}

// TestDecodeAlphaDropped checks that alpha is dropped keeping the stored
// RGB, even for fully transparent pixels, as the PDQ reference does.
func TestDecodeAlphaDropped(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 4, 1))
	m.SetNRGBA(0, 0, color.NRGBA{200, 100, 50, 255})
	m.SetNRGBA(1, 0, color.NRGBA{200, 100, 50, 128})
	m.SetNRGBA(2, 0, color.NRGBA{200, 100, 50, 0})
	m.SetNRGBA(3, 0, color.NRGBA{10, 20, 30, 1})
	ga := image.NewNRGBA64(image.Rect(0, 0, 4, 1)) // 16-bit with alpha
	for x := 0; x < 4; x++ {
		c := m.NRGBAAt(x, 0)
		ga.SetNRGBA64(x, 0, color.NRGBA64{uint16(c.R) << 8, uint16(c.G) << 8, uint16(c.B) << 8, uint16(c.A) << 8})
	}
	for name, data := range map[string][]byte{"png8": encodePNG(t, m), "png16": encodePNG(t, ga)} {
		t.Run(name, func(t *testing.T) {
			img, _, err := DecodeImageBytes(data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			checkCheapType(t, img)
			for x := 0; x < 4; x++ {
				if got, want := rgbAt(img, x, 0), rgbOf(m.NRGBAAt(x, 0)); got != want {
					t.Errorf("pixel %d = %v, want stored RGB %v", x, got, want)
				}
			}
		})
	}
}

func TestDecodeOrientation(t *testing.T) {
	pat := blockPattern()
	jpg := encodeJPEG(t, pat, 95)
	pngData := encodePNG(t, pat)
	var tb bytes.Buffer
	if err := tiff.Encode(&tb, pat, nil); err != nil {
		t.Fatal(err)
	}
	for o := 1; o <= 8; o++ {
		for _, tc := range []struct {
			name string
			data []byte
			tol  int
		}{
			{"jpeg-II", jpegWithExif(jpg, o, binary.LittleEndian), 12},
			{"jpeg-MM", jpegWithExif(jpg, o, binary.BigEndian), 12},
			{"png", pngWithExif(pngData, o), 0},
			{"tiff", tiffWithOrientation(t, tb.Bytes(), o), 0},
		} {
			t.Run(tc.name+"/"+string(rune('0'+o)), func(t *testing.T) {
				img, info, err := DecodeImageBytes(tc.data, Limits{})
				if err != nil {
					t.Fatal(err)
				}
				if info.Orientation != o {
					t.Fatalf("orientation %d, want %d", info.Orientation, o)
				}
				if b := img.Bounds(); info.Width != b.Dx() || info.Height != b.Dy() {
					t.Fatalf("info %d×%d but image %v", info.Width, info.Height, b.Size())
				}
				checkCheapType(t, img)
				checkOriented(t, img, o, tc.tol)
			})
		}
	}
}

func TestDecodeWebP(t *testing.T) {
	lossless := readTestdata(t, "still_alpha_lossless.webp")
	tests := []struct {
		name   string
		data   []byte
		orient int
		alpha  bool
		tol    int
	}{
		{"lossy", readTestdata(t, "still_lossy.webp"), 1, false, 12},
		{"lossless alpha", lossless, 1, true, 0},
		{"exif orientation 6", webpWithExif(t, lossless, 64, 48, 6), 6, true, 0},
		{"animated first frame", readTestdata(t, "anim_lossless.webp"), 1, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, info, err := DecodeImageBytes(tt.data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			checkCheapType(t, img)
			want := animFrame(0, tt.alpha)
			dw, dh := 64, 48
			if tt.orient >= 5 {
				dw, dh = 48, 64
			}
			if info.Format != "webp" || info.Orientation != tt.orient || info.Width != dw || info.Height != dh {
				t.Fatalf("info %+v", info)
			}
			for y := 0; y < dh; y++ {
				for x := 0; x < dw; x++ {
					sx, sy := storedCoords(tt.orient, x, y, dw, dh)
					c := want.NRGBAAt(sx, sy)
					if c.A == 0 {
						continue // RGB under transparent pixels is the encoder's choice
					}
					if got := rgbAt(img, x, y); !near(got, rgbOf(c), tt.tol) {
						t.Fatalf("pixel (%d,%d) = %v, want %v", x, y, got, rgbOf(c))
					}
				}
			}
		})
	}
}

// TestVP8FullRange checks the limited-to-full range mapping of lossy WebP
// planes at its anchor points.
func TestVP8FullRange(t *testing.T) {
	m := image.NewYCbCr(image.Rect(0, 0, 4, 1), image.YCbCrSubsampleRatio444)
	copy(m.Y, []uint8{16, 235, 0, 255})
	copy(m.Cb, []uint8{128, 16, 240, 0})
	copy(m.Cr, []uint8{128, 240, 16, 255})
	vp8FullRange(m)
	if want := []uint8{0, 255, 0, 255}; !bytes.Equal(m.Y, want) {
		t.Errorf("Y %v, want %v", m.Y, want)
	}
	// Chroma 16 maps to 0.5, which rounds up.
	if want := []uint8{128, 1, 255, 0}; !bytes.Equal(m.Cb, want) {
		t.Errorf("Cb %v, want %v", m.Cb, want)
	}
	if want := []uint8{128, 255, 1, 255}; !bytes.Equal(m.Cr, want) {
		t.Errorf("Cr %v, want %v", m.Cr, want)
	}
}

// cmykJPEG writes a baseline four-component JPEG whose 8×8 blocks are flat,
// coding only DC coefficients (quantiser 1) with a hand-built Huffman
// table. inks holds one CMYK value per block, left to right; the image is
// 8·len(inks)×8. adobe is the APP14 transform (0 CMYK, 2 YCCK), or -1 for
// no APP14 segment (plain, non-inverted CMYK). Adobe files store inverted
// samples, as Photoshop writes them.
func cmykJPEG(inks []color.CMYK, adobe int) []byte {
	var b bytes.Buffer
	w16 := func(v int) { b.WriteByte(byte(v >> 8)); b.WriteByte(byte(v)) }
	b.Write([]byte{0xFF, 0xD8})
	if adobe >= 0 {
		b.Write([]byte{0xFF, 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, byte(adobe)})
	}
	b.Write([]byte{0xFF, 0xDB, 0, 67, 0})
	b.Write(bytes.Repeat([]byte{1}, 64))
	b.Write([]byte{0xFF, 0xC0, 0, 20, 8})
	w16(8)
	w16(8 * len(inks))
	b.WriteByte(4)
	for id := 1; id <= 4; id++ {
		b.Write([]byte{byte(id), 0x11, 0})
	}
	dcCounts := []byte{0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0}
	acCounts := []byte{0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	b.Write([]byte{0xFF, 0xC4, 0, 2 + 17 + 12 + 17 + 2, 0x00})
	b.Write(dcCounts)
	b.Write([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	b.WriteByte(0x10)
	b.Write(acCounts)
	b.Write([]byte{0x00, 0x01})
	b.Write([]byte{0xFF, 0xDA, 0, 14, 4, 1, 0, 2, 0, 3, 0, 4, 0, 0, 63, 0})

	// Canonical Huffman codes for the DC categories.
	type code struct{ bits, n int }
	var dc [12]code
	c, sym := 0, 0
	for l := 1; l <= 16; l++ {
		for i := 0; i < int(dcCounts[l-1]); i++ {
			dc[sym] = code{c, l}
			c++
			sym++
		}
		c <<= 1
	}
	var acc, nacc int
	put := func(bits, n int) {
		for i := n - 1; i >= 0; i-- {
			acc = acc<<1 | (bits>>i)&1
			nacc++
			if nacc == 8 {
				b.WriteByte(byte(acc))
				if acc == 0xFF {
					b.WriteByte(0)
				}
				acc, nacc = 0, 0
			}
		}
	}
	var pred [4]int
	for _, ink := range inks {
		samples := [4]uint8{ink.C, ink.M, ink.Y, ink.K}
		switch adobe {
		case 0:
			for i := range samples {
				samples[i] = 255 - samples[i]
			}
		case 2:
			// YCCK: the inverted CMY (Adobe) is stored as if it were
			// RGB after libjpeg's CMY = 255 − RGB, which leaves the YCbCr
			// of the ink values themselves; K is stored inverted.
			y, cb, cr := color.RGBToYCbCr(ink.C, ink.M, ink.Y)
			samples = [4]uint8{y, cb, cr, 255 - ink.K}
		}
		for comp, s := range samples {
			dcv := 8 * (int(s) - 128)
			diff := dcv - pred[comp]
			pred[comp] = dcv
			cat, mag := 0, diff
			if mag < 0 {
				mag = -mag
			}
			for mag>>cat != 0 {
				cat++
			}
			put(dc[cat].bits, dc[cat].n)
			if cat > 0 {
				v := diff
				if v < 0 {
					v += 1<<cat - 1
				}
				put(v, cat)
			}
			put(0, 2) // EOB
		}
	}
	if nacc > 0 {
		put(0xFF, 8-nacc)
	}
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

func TestDecodeCMYKJPEG(t *testing.T) {
	inks := []color.CMYK{
		{255, 0, 0, 0}, // cyan
		{0, 255, 0, 0}, // magenta
		{0, 0, 255, 0}, // yellow
		{0, 0, 0, 255}, // black
		{0, 0, 0, 0},   // paper white
		{0, 0, 0, 128}, // mid grey
		{0, 128, 255, 0},
	}
	want := [][3]int{{0, 255, 255}, {255, 0, 255}, {255, 255, 0}, {0, 0, 0}, {255, 255, 255}, {127, 127, 127}, {255, 127, 0}}
	for _, tc := range []struct {
		name  string
		adobe int
	}{{"adobe cmyk", 0}, {"adobe ycck", 2}, {"plain cmyk", -1}} {
		t.Run(tc.name, func(t *testing.T) {
			img, info, err := DecodeImageBytes(cmykJPEG(inks, tc.adobe), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			checkCheapType(t, img)
			if info.Format != "jpeg" || info.Width != 8*len(inks) || info.Height != 8 {
				t.Fatalf("info %+v", info)
			}
			for i, w := range want {
				if got := rgbAt(img, 8*i+4, 4); !near(got, w, 3) {
					t.Errorf("block %d (ink %v) = %v, want %v", i, inks[i], got, w)
				}
			}
		})
	}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "images", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pngHeaderOnly is a PNG with a valid IHDR for w×h and no image data.
func pngHeaderOnly(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	out := append([]byte(pngMagic), pngChunk("IHDR", ihdr)...)
	out = append(out, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	return append(out, pngChunk("IEND", nil)...)
}

// jpegHeaderOnly is the start of a JPEG whose SOF0 declares w×h.
func jpegHeaderOnly(t testing.TB, w, h int) []byte {
	jpg := encodeJPEG(t, image.NewGray(image.Rect(0, 0, 8, 8)), 75)
	i := bytes.Index(jpg, []byte{0xFF, 0xC0})
	out := append([]byte{}, jpg...)
	binary.BigEndian.PutUint16(out[i+5:], uint16(h))
	binary.BigEndian.PutUint16(out[i+7:], uint16(w))
	return out
}

func TestDecodeErrors(t *testing.T) {
	pat := blockPattern()
	jpg := encodeJPEG(t, pat, 90)
	pngData := encodePNG(t, pat)
	animWebP := readTestdata(t, "anim_lossy.webp")
	tests := []struct {
		name    string
		data    []byte
		is      error
		message string // must appear in the error text
	}{
		{"empty", nil, ErrEmpty, "empty file"},
		{"text", []byte("hello, this is a plain text file\nwith two lines\n"), ErrNotMedia, "looks like text"},
		{"html", []byte("<!DOCTYPE html>\n<html><head><title>x</title></head><body>hi</body></html>"), ErrNotMedia, "looks like HTML"},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), ErrNotMedia, "PDF"},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), ErrNotMedia, "ZIP"},
		{"binary", []byte{0x00, 0x13, 0x37, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02}, ErrNotMedia, "binary data starting 00 13 37"},
		{"truncated jpeg", jpg[:len(jpg)/2], ErrCorrupt, "jpeg: truncated or corrupt data: unexpected EOF"},
		{"truncated png", pngData[:len(pngData)/2], ErrCorrupt, "png: truncated or corrupt data"},
		{"jpeg header only", jpg[:20], ErrCorrupt, "jpeg: truncated or corrupt data"},
		{"png bad crc", func() []byte { b := append([]byte{}, pngData...); b[len(b)-20] ^= 0xFF; return b }(), ErrCorrupt, "png: truncated or corrupt data"},
		{"oversized png", pngHeaderOnly(100000, 100000), ErrTooLarge, "png: image too large: 100000×100000"},
		{"oversized jpeg", jpegHeaderOnly(t, 65000, 65000), ErrTooLarge, "jpeg: image too large"},
		{"zero-size png", pngHeaderOnly(0, 10), ErrCorrupt, "png"},
		{"video", readTestdata(t, "heads/mp4.bin"), ErrUnsupported, "mp4"},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), ErrUnsupported, "heic: unsupported image format"},
		{"animated webp truncated in the first frame", animWebP[:150], ErrCorrupt, "webp: truncated or corrupt data: frame 0: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, _, err := DecodeImageBytes(tt.data, Limits{})
			if err == nil {
				t.Fatalf("decoded %v, want an error", img.Bounds())
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %q does not wrap %q", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not say %q", err, tt.message)
			}
		})
	}
}

// TestDecodeBombRefusedBeforeAllocation checks that an image whose header
// declares far more pixels than allowed is refused without allocating its
// pixel buffer: the whole call must allocate less than a megabyte, where
// decoding would take 40 GB.
func TestDecodeBombRefusedBeforeAllocation(t *testing.T) {
	bombs := map[string][]byte{
		"png 100000x100000":  pngHeaderOnly(100000, 100000),
		"png 20000x20000":    pngHeaderOnly(20000, 20000), // 400 MP: over the default 100
		"jpeg 65000x65000":   jpegHeaderOnly(t, 65000, 65000),
		"gif 65535x65535":    gifScreenOnly(65535, 65535),
		"webp 16Mx16M":       webpCanvasOnly(1<<24, 1<<24, true),
		"webp still 30kx30k": webpCanvasOnly(30000, 30000, false),
	}
	for name, data := range bombs {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, _, err := DecodeImageBytes(data, Limits{})
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v, want ErrTooLarge", err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("allocated %d bytes before refusing", alloc)
			}
		})
	}
	t.Run("custom limit", func(t *testing.T) {
		_, _, err := DecodeImageBytes(encodePNG(t, blockPattern()), Limits{MaxPixels: 1000})
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "48×32") {
			t.Fatalf("error %v, want ErrTooLarge naming 48×32", err)
		}
		_, _, err = DecodeImageBytes(encodePNG(t, blockPattern()), Limits{MaxFileBytes: 10})
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "over the limit of 10") {
			t.Fatalf("error %v, want ErrTooLarge for the file size", err)
		}
	})
}

// gifScreenOnly is a GIF whose logical screen is w×h, with one 1×1 frame.
func gifScreenOnly(w, h int) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, uint16(w))
	b = binary.LittleEndian.AppendUint16(b, uint16(h))
	b = append(b, 0x80, 0, 0, 0, 0, 0, 255, 255, 255)                   // 2-colour global table
	b = append(b, 0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x4C, 0x01, 0) // 1×1 frame
	return append(b, 0x3B)
}

// webpCanvasOnly is an extended WebP declaring a w×h canvas.
func webpCanvasOnly(w, h int, animated bool) []byte {
	flags := byte(0)
	if animated {
		flags = 0x02
	}
	x := []byte{flags, 0, 0, 0, byte(w - 1), byte((w - 1) >> 8), byte((w - 1) >> 16), byte(h - 1), byte((h - 1) >> 8), byte((h - 1) >> 16)}
	body := append([]byte("WEBPVP8X\x0a\x00\x00\x00"), x...)
	if animated {
		body = append(body, "ANIM\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00"...)
	} else {
		body = append(body, "VP8L\x05\x00\x00\x00\x2f\x00\x00\x00\x00\x00"...)
	}
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

// TestDecodeFile checks the file entry point and that the result does not
// depend on the reader.
func TestDecodeFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.bin") // the name says nothing about the format
	data := jpegWithExif(encodeJPEG(t, blockPattern(), 95), 8, binary.BigEndian)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	img, info, err := DecodeImageFile(path, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if info.Format != "jpeg" || info.Orientation != 8 {
		t.Fatalf("info %+v", info)
	}
	checkOriented(t, img, 8, 12)
	if _, _, err := DecodeImageFile(filepath.Join(dir, "missing.jpg"), Limits{}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func FuzzDecodeImage(f *testing.F) {
	pat := blockPattern()
	f.Add(encodeJPEG(f, pat, 80))
	f.Add(encodePNG(f, pat))
	f.Add(jpegWithExif(encodeJPEG(f, pat, 50), 6, binary.LittleEndian))
	f.Add(cmykJPEG([]color.CMYK{{1, 2, 3, 4}}, 0))
	var gb, tb, bb bytes.Buffer
	gif.Encode(&gb, pat, &gif.Options{NumColors: 8})
	tiff.Encode(&tb, pat, nil)
	bmp.Encode(&bb, pat)
	f.Add(gb.Bytes())
	f.Add(tb.Bytes())
	f.Add(bb.Bytes())
	for _, name := range []string{"anim_alpha.webp", "anim_lossless.webp", "still_lossy.webp", "still_alpha_lossless.webp"} {
		f.Add(readTestdata(f, name))
	}
	lim := Limits{MaxPixels: 1 << 20, MaxTotalPixels: 1 << 22}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, info, err := DecodeImageBytes(data, lim)
		if err == nil {
			if b := img.Bounds(); b.Dx() != info.Width || b.Dy() != info.Height || int64(b.Dx())*int64(b.Dy()) > lim.MaxPixels {
				t.Fatalf("image %v, info %+v", b, info)
			}
		}
		n := 0
		DecodeAnimated(bytes.NewReader(data), lim, 20, func(float64, image.Image) error { n++; return nil })
		if n > 20 {
			t.Fatalf("%d frames delivered, cap 20", n)
		}
	})
}

func benchImage(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewSource(1))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			o := m.PixOffset(x, y)
			n := uint8(rng.Intn(16))
			m.Pix[o] = uint8(x*255/w) + n
			m.Pix[o+1] = uint8(y*255/h) + n
			m.Pix[o+2] = uint8((x+y)*255/(w+h)) + n
			m.Pix[o+3] = 255
		}
	}
	return m
}

func BenchmarkDecodeJPEG12MP(b *testing.B) {
	data := encodeJPEG(b, benchImage(4000, 3000), 90)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := DecodeImageBytes(data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodePNG1080p(b *testing.B) {
	data := encodePNG(b, benchImage(1920, 1080))
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := DecodeImageBytes(data, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}
