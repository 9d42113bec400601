package media

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/provcheck/provcheck/internal/safefile"
)

// SniffLen is how many leading bytes Sniff needs to recognise every format it
// knows; SniffFile reads this many.
const SniffLen = 512

// ErrNotMedia is wrapped by the error returned for input that is neither a
// known image nor a known video container.
var ErrNotMedia = errors.New("not an image or video")

// Kind says whether media is a still image or a video.
type Kind string

// The two kinds of media.
const (
	KindImage Kind = "image"
	KindVideo Kind = "video"
)

// Media is what the first bytes of a file say it is.
type Media struct {
	// Kind is KindImage, KindVideo, or "" when the bytes are not recognised.
	Kind Kind
	// Format is a short lower-case name: jpeg, png, gif, webp, bmp, tiff
	// (decodable images); heic, avif, jxl, jp2, bigtiff, ico, psd, svg (recognised
	// images that cannot be decoded); mp4, mov, 3gp, m4v, webm, mkv, avi,
	// mpegts, mpegps, flv, ogg, asf (video containers).
	Format string
	// Animated is set for animated GIF (more than one frame), animated WebP,
	// animated PNG (acTL chunk) and AVIF image sequences. For GIF, Sniff can
	// only see the frames that start inside head; SniffFile scans the file.
	Animated bool
}

// Known reports whether the bytes were recognised.
func (m Media) Known() bool { return m.Kind != "" }

const (
	pngMagic = "\x89PNG\r\n\x1a\n"
	asfGUID  = "\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9\x00\xAA\x00\x62\xCE\x6C"
)

// Sniff recognises an image or video from its first bytes (SniffLen of them
// suffice). It never fails: unknown input gives a zero Media, and
// SniffHead says what the bytes look like instead.
func Sniff(head []byte) Media {
	h := head
	switch {
	case bytes.HasPrefix(h, []byte{0xFF, 0xD8, 0xFF}):
		return Media{Kind: KindImage, Format: "jpeg"}
	case bytes.HasPrefix(h, []byte(pngMagic)):
		return Media{Kind: KindImage, Format: "png", Animated: pngAnimated(h)}
	case bytes.HasPrefix(h, []byte("GIF87a")) || bytes.HasPrefix(h, []byte("GIF89a")):
		frames, looping, complete := gifScanHead(h)
		return Media{Kind: KindImage, Format: "gif", Animated: frames > 1 || (!complete && looping)}
	case len(h) >= 12 && string(h[0:4]) == "RIFF":
		switch string(h[8:12]) {
		case "WEBP":
			return Media{Kind: KindImage, Format: "webp", Animated: webpAnimatedHead(h)}
		case "AVI ", "AVIX":
			return Media{Kind: KindVideo, Format: "avi"}
		}
	case isBMP(h):
		return Media{Kind: KindImage, Format: "bmp"}
	case bytes.HasPrefix(h, []byte("II*\x00")) || bytes.HasPrefix(h, []byte("MM\x00*")):
		return Media{Kind: KindImage, Format: "tiff"}
	case bytes.HasPrefix(h, []byte("II+\x00")) || bytes.HasPrefix(h, []byte("MM\x00+")):
		return Media{Kind: KindImage, Format: "bigtiff"}
	case bytes.HasPrefix(h, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		if bytes.Contains(h, []byte("webm")) {
			return Media{Kind: KindVideo, Format: "webm"}
		}
		return Media{Kind: KindVideo, Format: "mkv"}
	case bytes.HasPrefix(h, []byte("FLV\x01")):
		return Media{Kind: KindVideo, Format: "flv"}
	case bytes.HasPrefix(h, []byte("OggS")):
		if isOggAudio(h) {
			return Media{}
		}
		return Media{Kind: KindVideo, Format: "ogg"}
	case bytes.HasPrefix(h, []byte(asfGUID)):
		return Media{Kind: KindVideo, Format: "asf"}
	case bytes.HasPrefix(h, []byte{0x00, 0x00, 0x01, 0xBA}):
		return Media{Kind: KindVideo, Format: "mpegps"}
	case bytes.HasPrefix(h, []byte{0x00, 0x00, 0x00, 0x0C, 'j', 'P', ' ', ' '}) ||
		bytes.HasPrefix(h, []byte{0xFF, 0x4F, 0xFF, 0x51}):
		return Media{Kind: KindImage, Format: "jp2"}
	case bytes.HasPrefix(h, []byte{0x00, 0x00, 0x00, 0x0C, 'J', 'X', 'L', ' '}) ||
		bytes.HasPrefix(h, []byte{0xFF, 0x0A}):
		return Media{Kind: KindImage, Format: "jxl"}
	case bytes.HasPrefix(h, []byte("8BPS")):
		return Media{Kind: KindImage, Format: "psd"}
	}
	if m, ok := sniffISOBMFF(h); ok {
		return m
	}
	if isMPEGTS(h, 0, 188) || isMPEGTS(h, 4, 192) {
		return Media{Kind: KindVideo, Format: "mpegts"}
	}
	if looksSVG(h) {
		return Media{Kind: KindImage, Format: "svg"}
	}
	if isICO(h) {
		return Media{Kind: KindImage, Format: "ico"}
	}
	return Media{}
}

// isICO checks a Windows icon directory: reserved 0, type 1, a plausible
// image count and a zero reserved byte in the first entry. It runs after
// the ISO box check, since an MP4 whose first box is 256 bytes long also
// starts 00 00 01 00.
func isICO(h []byte) bool {
	if len(h) < 22 || !bytes.HasPrefix(h, []byte{0, 0, 1, 0}) {
		return false
	}
	n := binary.LittleEndian.Uint16(h[4:6])
	return n >= 1 && n <= 256 && h[9] == 0 && h[11] == 0
}

// SniffHead is Sniff with an error for unrecognised input that says what
// the bytes look like, e.g. "not an image or video (looks like HTML)".
func SniffHead(head []byte) (Media, error) {
	m := Sniff(head)
	if !m.Known() {
		return m, fmt.Errorf("%w (looks like %s)", ErrNotMedia, describe(head))
	}
	return m, nil
}

// SniffFile reads the first SniffLen bytes of a file and recognises it. For
// a GIF whose head does not settle whether it is animated, it scans the
// block structure (without decoding pixels) until a second frame or the end.
func SniffFile(path string) (Media, error) {
	f, _, err := safefile.Open(path)
	if err != nil {
		return Media{}, err
	}
	defer f.Close()
	return SniffReader(f)
}

// SniffReader is SniffFile on an open file.
func SniffReader(r io.ReadSeeker) (Media, error) {
	head, err := readHead(r)
	if err != nil {
		return Media{}, err
	}
	m, err := SniffHead(head)
	if err != nil {
		return m, err
	}
	if m.Format == "gif" {
		if frames, _, complete := gifScanHead(head); !complete && frames < 2 {
			if _, err := r.Seek(0, io.SeekStart); err != nil {
				return m, err
			}
			n, _ := gifCountFrames(bufio.NewReader(r), 2)
			m.Animated = n >= 2
		}
	}
	return m, nil
}

// gifScanHead counts the frames of a GIF that start within head. looping
// reports a NETSCAPE2.0/ANIMEXTS1.0 application extension (written by
// animation tools); complete reports that the scan reached the trailer.
func gifScanHead(h []byte) (frames int, looping, complete bool) {
	frames, looping, complete, _ = gifScan(bufio.NewReader(bytes.NewReader(h)), 2)
	return frames, looping, complete
}

// gifCountFrames counts the frames of a GIF, stopping at stopAt.
func gifCountFrames(r *bufio.Reader, stopAt int) (int, error) {
	n, _, _, err := gifScan(r, stopAt)
	return n, err
}

// gifScan walks the block structure of a GIF without decoding pixels,
// counting image descriptors until stopAt of them or the trailer (complete
// is true in both cases). Reaching the end of data early is not an error;
// complete is then false.
func gifScan(r *bufio.Reader, stopAt int) (frames int, looping, complete bool, err error) {
	var hdr [13]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, false, false, nil
	}
	if hdr[10]&0x80 != 0 {
		if _, err := r.Discard(3 << (hdr[10]&7 + 1)); err != nil {
			return 0, false, false, nil
		}
	}
	skipSubBlocks := func() bool {
		for {
			n, err := r.ReadByte()
			if err != nil {
				return false
			}
			if n == 0 {
				return true
			}
			if _, err := r.Discard(int(n)); err != nil {
				return false
			}
		}
	}
	for {
		c, err := r.ReadByte()
		if err != nil {
			return frames, looping, false, nil
		}
		switch c {
		case 0x21:
			label, err := r.ReadByte()
			if err != nil {
				return frames, looping, false, nil
			}
			if label == 0xFF {
				if b, err := r.Peek(12); err == nil && (string(b[1:12]) == "NETSCAPE2.0" || string(b[1:12]) == "ANIMEXTS1.0") {
					looping = true
				}
			}
			if !skipSubBlocks() {
				return frames, looping, false, nil
			}
		case 0x2C:
			frames++
			if frames >= stopAt {
				return frames, looping, true, nil
			}
			var d [9]byte
			if _, err := io.ReadFull(r, d[:]); err != nil {
				return frames, looping, false, nil
			}
			if d[8]&0x80 != 0 {
				if _, err := r.Discard(3 << (d[8]&7 + 1)); err != nil {
					return frames, looping, false, nil
				}
			}
			if _, err := r.ReadByte(); err != nil { // LZW minimum code size
				return frames, looping, false, nil
			}
			if !skipSubBlocks() {
				return frames, looping, false, nil
			}
		case 0x3B:
			return frames, looping, true, nil
		case 0x00:
			// Stray padding some encoders leave between blocks.
		default:
			return frames, looping, false, fmt.Errorf("gif: unknown block type 0x%02x", c)
		}
	}
}

// readHead reads up to SniffLen bytes from the start of r.
func readHead(r io.ReadSeeker) ([]byte, error) {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	return head[:n], nil
}

// pngAnimated reports whether an acTL chunk (APNG) precedes the first IDAT
// within head.
func pngAnimated(h []byte) bool {
	for p := 8; p+8 <= len(h); {
		n := int(binary.BigEndian.Uint32(h[p : p+4]))
		switch string(h[p+4 : p+8]) {
		case "acTL":
			return true
		case "IDAT", "IEND":
			return false
		}
		if n < 0 || n > len(h) {
			return false
		}
		p += 12 + n
	}
	return false
}

// webpAnimatedHead reads the animation flag of a VP8X header, or an ANIM
// chunk right after it.
func webpAnimatedHead(h []byte) bool {
	if len(h) < 21 || string(h[12:16]) != "VP8X" {
		return false
	}
	if h[20]&0x02 != 0 {
		return true
	}
	return len(h) >= 34 && string(h[30:34]) == "ANIM"
}

func isBMP(h []byte) bool {
	if len(h) < 18 || h[0] != 'B' || h[1] != 'M' {
		return false
	}
	// The reserved fields are zero and the DIB header has a known size.
	if binary.LittleEndian.Uint32(h[6:10]) != 0 {
		return false
	}
	switch binary.LittleEndian.Uint32(h[14:18]) {
	case 12, 16, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

// sniffISOBMFF recognises the ISO base media family (MP4, QuickTime, 3GP,
// HEIF/AVIF) from its first box.
func sniffISOBMFF(h []byte) (Media, bool) {
	if len(h) < 8 {
		return Media{}, false
	}
	size := binary.BigEndian.Uint32(h[0:4])
	typ := string(h[4:8])
	switch typ {
	case "moov", "mdat", "wide", "free", "skip", "pnot":
		if size == 1 || size >= 8 {
			return Media{Kind: KindVideo, Format: "mov"}, true
		}
		return Media{}, false
	case "ftyp":
	default:
		return Media{}, false
	}
	if size < 12 || len(h) < 12 {
		return Media{}, false
	}
	major := string(h[8:12])
	brands := []string{major}
	for p := 16; p+4 <= int(size) && p+4 <= len(h); p += 4 {
		brands = append(brands, string(h[p:p+4]))
	}
	has := func(bs ...string) bool {
		for _, b := range brands {
			for _, w := range bs {
				if b == w {
					return true
				}
			}
		}
		return false
	}
	switch {
	case major == "avis" || (has("avis") && !has("isom", "mp41", "mp42")):
		return Media{Kind: KindImage, Format: "avif", Animated: true}, true
	case major == "avif" || (major == "mif1" && has("avif")):
		return Media{Kind: KindImage, Format: "avif"}, true
	case has("heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"):
		return Media{Kind: KindImage, Format: "heic", Animated: has("msf1", "hevc", "hevx")}, true
	case major == "qt  ":
		return Media{Kind: KindVideo, Format: "mov"}, true
	case strings.HasPrefix(major, "3g"):
		return Media{Kind: KindVideo, Format: "3gp"}, true
	case major == "M4V " || major == "M4VH" || major == "M4VP":
		return Media{Kind: KindVideo, Format: "m4v"}, true
	case major == "M4A " || major == "M4B " || major == "M4P " || major == "F4A ":
		return Media{}, false // audio only
	}
	return Media{Kind: KindVideo, Format: "mp4"}, true
}

// isMPEGTS checks for the 0x47 sync byte at the start of consecutive packets
// of the given size (188 for TS, 192 for M2TS with its 4-byte timestamp).
func isMPEGTS(h []byte, first, size int) bool {
	n := 0
	for p := first; p < len(h); p += size {
		if h[p] != 0x47 {
			return false
		}
		n++
	}
	return n >= 3 || (n >= 2 && len(h) < first+2*size+1)
}

// isOggAudio reports an Ogg stream whose first pages start only audio
// codecs. A file that also starts a video codec (Theora, Dirac, Daala,
// VP8, OGM video) is video, and so is one whose codec is not recognised:
// ffprobe settles those.
func isOggAudio(h []byte) bool {
	for _, sig := range []string{"\x80theora", "\x00\x00\x00\x00dirac", "\x80daala", "OVP80", "\x01video"} {
		if bytes.Contains(h, []byte(sig)) {
			return false
		}
	}
	for _, sig := range []string{"\x01vorbis", "OpusHead", "\x7fFLAC", "Speex   "} {
		if bytes.Contains(h, []byte(sig)) {
			return true
		}
	}
	return false
}

func looksSVG(h []byte) bool {
	s := strings.ToLower(string(bytes.TrimLeft(bytes.TrimPrefix(h, []byte("\xEF\xBB\xBF")), " \t\r\n")))
	if !strings.HasPrefix(s, "<?xml") && !strings.HasPrefix(s, "<svg") && !strings.HasPrefix(s, "<!--") && !strings.HasPrefix(s, "<!doctype svg") {
		return false
	}
	return strings.Contains(s, "<svg")
}

// describe says what unrecognised bytes look like, for error messages.
func describe(h []byte) string {
	if len(h) == 0 {
		return "an empty file"
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(h, []byte("\xEF\xBB\xBF")), " \t\r\n")
	lower := strings.ToLower(string(trimmed[:min(len(trimmed), 256)]))
	prefixes := []struct{ magic, what string }{
		{"%PDF", "a PDF document"},
		{"PK\x03\x04", "a ZIP archive (or a document packed as ZIP: docx, xlsx, epub, apk…)"},
		{"PK\x05\x06", "an empty ZIP archive"},
		{"\x1f\x8b", "gzip-compressed data"},
		{"BZh", "bzip2-compressed data"},
		{"\xfd7zXZ\x00", "xz-compressed data"},
		{"\x28\xb5\x2f\xfd", "zstd-compressed data"},
		{"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"},
		{"Rar!\x1a\x07", "a RAR archive"},
		{"\x7fELF", "an executable (ELF)"},
		{"MZ", "a Windows executable"},
		{"ID3", "audio (MP3)"},
		{"fLaC", "audio (FLAC)"},
		{"OggS", "audio (Ogg)"},
		{"MThd", "audio (MIDI)"},
		{"SQLite format 3\x00", "an SQLite database"},
		{"{\\rtf", "an RTF document"},
		{"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document"},
	}
	for _, p := range prefixes {
		if bytes.HasPrefix(h, []byte(p.magic)) {
			return p.what
		}
	}
	switch {
	case len(h) >= 12 && string(h[0:4]) == "RIFF" && string(h[8:12]) == "WAVE":
		return "audio (WAV)"
	case len(h) >= 12 && string(h[4:8]) == "ftyp":
		return "audio (M4A)"
	case len(h) >= 2 && h[0] == 0xFF && h[1]&0xE0 == 0xE0:
		return "audio (MPEG)"
	}
	switch {
	case strings.HasPrefix(lower, "<!doctype html") || strings.HasPrefix(lower, "<html") ||
		strings.Contains(lower, "<head") || strings.Contains(lower, "<body"):
		return "HTML"
	case strings.HasPrefix(lower, "<?xml") || strings.HasPrefix(lower, "<"):
		if isText(h) {
			return "XML"
		}
	case strings.HasPrefix(lower, "{") || strings.HasPrefix(lower, "["):
		if isText(h) {
			return "JSON or other text"
		}
	}
	if isText(h) {
		return "text"
	}
	n := min(len(h), 8)
	return fmt.Sprintf("unrecognised binary data starting % x", h[:n])
}

// isText reports whether h is valid UTF-8 (allowing a rune cut at the end)
// with almost no control characters.
func isText(h []byte) bool {
	bad := 0
	for i := 0; i < len(h); {
		r, size := utf8.DecodeRune(h[i:])
		if r == utf8.RuneError && size == 1 {
			if len(h)-i < utf8.UTFMax && !utf8.FullRune(h[i:]) {
				break
			}
			return false
		}
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f' {
			bad++
		}
		i += size
	}
	return bad*100 <= len(h)
}
