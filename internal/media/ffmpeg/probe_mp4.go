package ffmpeg

import (
	"encoding/binary"
	"io"
	"math"
)

// The container header of an ISO base media file (MP4, MOV, 3GP: most
// reposts) says everything Frames needs to know before decoding, so such a
// file is probed here, in Go, and decoding it starts one ffmpeg process
// instead of two: ffprobe's start-up alone (loading its shared libraries)
// costs about as much CPU as hashing a second of video. probeMP4 gives up
// (ok false) on anything it does not model exactly as ffmpeg does, and
// ffprobe then decides: fragmented files, compressed or oversized headers,
// more than one video track, a movie matrix that is not the identity, a
// track matrix that is not a quarter turn, a codec outside mp4Codecs, a
// sample aspect ratio the header does not state.

const (
	// mp4MaxHeader bounds the moov box read into memory. A 30-minute
	// 60 fps clip's sample tables take a few MB.
	mp4MaxHeader = 32 << 20
	// mp4MaxBoxes bounds the boxes visited, top level and inside moov.
	mp4MaxBoxes = 100_000
	// mp4MaxDepth bounds how deep boxes nest (moov/trak/mdia/minf/stbl/stsd
	// is six).
	mp4MaxDepth = 8
)

// mp4Codecs maps sample entry types to ffmpeg's codec names, for the
// codecs whose sample entry type names exactly one codec.
var mp4Codecs = map[string]string{
	"avc1": "h264", "avc3": "h264",
	"hvc1": "hevc", "hev1": "hevc",
	"vp09": "vp9", "av01": "av1",
	"mjpa": "mjpeg", "jpeg": "mjpeg",
}

// mp4Format is ffprobe's format_name for every file of this family.
const mp4Format = "mov,mp4,m4a,3gp,3g2,mj2"

// mp4Box is one box: its type and its payload (after the header).
type mp4Box struct {
	typ  string
	body []byte
}

// children splits a payload into boxes; ok is false if a size is wrong.
func mp4Children(b []byte, budget *int) ([]mp4Box, bool) {
	var out []mp4Box
	for len(b) > 0 {
		if *budget--; *budget < 0 || len(b) < 8 {
			return nil, false
		}
		size := uint64(binary.BigEndian.Uint32(b))
		typ := string(b[4:8])
		hdr := uint64(8)
		switch size {
		case 0:
			size = uint64(len(b))
		case 1:
			if len(b) < 16 {
				return nil, false
			}
			size, hdr = binary.BigEndian.Uint64(b[8:]), 16
		}
		if size < hdr || size > uint64(len(b)) {
			return nil, false
		}
		out = append(out, mp4Box{typ, b[hdr:size]})
		b = b[size:]
	}
	return out, true
}

// findMoov walks the top-level boxes of r and returns the moov payload.
func findMoov(r io.ReaderAt, size int64) ([]byte, bool) {
	var hdr [16]byte
	first := true
	for off, n := int64(0), 0; off < size; n++ {
		if n > mp4MaxBoxes {
			return nil, false
		}
		if _, err := r.ReadAt(hdr[:8], off); err != nil {
			return nil, false
		}
		bs := int64(binary.BigEndian.Uint32(hdr[:]))
		typ := string(hdr[4:8])
		hl := int64(8)
		switch bs {
		case 0:
			bs = size - off
		case 1:
			if _, err := r.ReadAt(hdr[8:16], off+8); err != nil {
				return nil, false
			}
			v := binary.BigEndian.Uint64(hdr[8:16])
			if v > math.MaxInt64 {
				return nil, false
			}
			bs, hl = int64(v), 16
		}
		if bs < hl || bs > size-off {
			return nil, false
		}
		if first {
			// A file of this family starts with one of these.
			switch typ {
			case "ftyp", "moov", "mdat", "free", "skip", "wide":
			default:
				return nil, false
			}
			first = false
		}
		switch typ {
		case "moof", "sidx", "mfra":
			return nil, false // fragmented: ffprobe reads the fragments
		case "moov":
			if bs-hl > mp4MaxHeader {
				return nil, false
			}
			body := make([]byte, bs-hl)
			if _, err := r.ReadAt(body, off+hl); err != nil {
				return nil, false
			}
			return body, true
		}
		off += bs
	}
	return nil, false
}

// fullBox returns a full box's version and its payload after version and
// flags.
func fullBox(b []byte) (byte, []byte, bool) {
	if len(b) < 4 {
		return 0, nil, false
	}
	return b[0], b[4:], true
}

// probeMP4 derives from the header of an ISO base media file what ffprobe
// would report; ok is false when ffprobe must decide (see above).
func probeMP4(r io.ReaderAt, size int64) (probed, bool) {
	moov, ok := findMoov(r, size)
	if !ok {
		return probed{}, false
	}
	budget := mp4MaxBoxes
	boxes, ok := mp4Children(moov, &budget)
	if !ok {
		return probed{}, false
	}
	var (
		movieScale, movieDur uint64
		haveMvhd             bool
		video                *mp4Track
		stream               int
	)
	for _, b := range boxes {
		switch b.typ {
		case "mvex", "cmov":
			return probed{}, false
		case "mvhd":
			v, p, ok := fullBox(b.body)
			if !ok {
				return probed{}, false
			}
			var m []byte
			switch {
			case v == 0 && len(p) >= 96:
				movieScale, movieDur = uint64(binary.BigEndian.Uint32(p[8:])), uint64(binary.BigEndian.Uint32(p[12:]))
				m = p[32:68]
			case v == 1 && len(p) >= 108:
				movieScale, movieDur = uint64(binary.BigEndian.Uint32(p[16:])), binary.BigEndian.Uint64(p[20:])
				m = p[44:80]
			default:
				return probed{}, false
			}
			if !identityMatrix(m) {
				return probed{}, false
			}
			haveMvhd = true
		case "trak":
			t, ok := readTrak(b.body, &budget)
			if !ok {
				return probed{}, false
			}
			if t.video {
				if video != nil {
					return probed{}, false // several video tracks: ffprobe picks
				}
				t.stream = stream
				video = &t
			}
			stream++
		}
	}
	if !haveMvhd || video == nil {
		return probed{}, false
	}
	return video.probed(movieScale, movieDur)
}

// identityMatrix reports whether a 3×3 box matrix (16.16 and 2.30 fixed
// point) is the identity.
func identityMatrix(m []byte) bool {
	want := [9]uint32{1 << 16, 0, 0, 0, 1 << 16, 0, 0, 0, 1 << 30}
	for i, w := range want {
		if binary.BigEndian.Uint32(m[4*i:]) != w {
			return false
		}
	}
	return true
}

// mp4Track is what one trak box says about a video track.
type mp4Track struct {
	video          bool
	stream         int
	a, b, c, d     int32  // track matrix, 16.16
	dispW, dispH   uint32 // tkhd width and height, 16.16
	timescale      uint64 // mdhd
	duration       uint64 // mdhd
	codec          string
	codedW, codedH int
	sarH, sarV     uint32 // pasp; 0 when absent
	samples        uint64 // stts sample count
	sampleTime     uint64 // stts total duration
}

func readTrak(body []byte, budget *int) (mp4Track, bool) {
	var t mp4Track
	boxes, ok := mp4Children(body, budget)
	if !ok {
		return t, false
	}
	var mdia []byte
	haveTkhd := false
	for _, b := range boxes {
		switch b.typ {
		case "tkhd":
			v, p, ok := fullBox(b.body)
			if !ok {
				return t, false
			}
			// version 0: times 4+4, id 4, reserved 4, duration 4; version 1:
			// 8+8, 4, 4, 8. Then reserved 8, layer 2, group 2, volume 2,
			// reserved 2, matrix 36, width 4, height 4.
			skip := 20
			if v == 1 {
				skip = 32
			} else if v != 0 {
				return t, false
			}
			if len(p) < skip+16+36+8 {
				return t, false
			}
			m := p[skip+16:]
			t.a = int32(binary.BigEndian.Uint32(m[0:]))
			t.b = int32(binary.BigEndian.Uint32(m[4:]))
			t.c = int32(binary.BigEndian.Uint32(m[12:]))
			t.d = int32(binary.BigEndian.Uint32(m[16:]))
			t.dispW = binary.BigEndian.Uint32(m[36:])
			t.dispH = binary.BigEndian.Uint32(m[40:])
			haveTkhd = true
		case "mdia":
			mdia = b.body
		}
	}
	if !haveTkhd || mdia == nil {
		return t, false
	}
	boxes, ok = mp4Children(mdia, budget)
	if !ok {
		return t, false
	}
	var minf []byte
	for _, b := range boxes {
		switch b.typ {
		case "hdlr":
			_, p, ok := fullBox(b.body)
			if !ok || len(p) < 8 {
				return t, false
			}
			t.video = string(p[4:8]) == "vide"
		case "mdhd":
			v, p, ok := fullBox(b.body)
			if !ok {
				return t, false
			}
			switch {
			case v == 0 && len(p) >= 16:
				t.timescale, t.duration = uint64(binary.BigEndian.Uint32(p[8:])), uint64(binary.BigEndian.Uint32(p[12:]))
			case v == 1 && len(p) >= 28:
				t.timescale, t.duration = uint64(binary.BigEndian.Uint32(p[16:])), binary.BigEndian.Uint64(p[20:])
			default:
				return t, false
			}
		case "minf":
			minf = b.body
		}
	}
	if !t.video {
		return t, true // another kind of track: it only counts as a stream
	}
	if minf == nil || t.timescale == 0 {
		return t, false
	}
	stbl, ok := child(minf, "stbl", budget)
	if !ok {
		return t, false
	}
	boxes, ok = mp4Children(stbl, budget)
	if !ok {
		return t, false
	}
	var haveStsd, haveStts bool
	for _, b := range boxes {
		switch b.typ {
		case "stsd":
			if !t.readStsd(b.body, budget) {
				return t, false
			}
			haveStsd = true
		case "stts":
			_, p, ok := fullBox(b.body)
			if !ok || len(p) < 4 {
				return t, false
			}
			n := uint64(binary.BigEndian.Uint32(p))
			if uint64(len(p)-4) < 8*n {
				return t, false
			}
			for i := uint64(0); i < n; i++ {
				count := uint64(binary.BigEndian.Uint32(p[4+8*i:]))
				delta := uint64(binary.BigEndian.Uint32(p[8+8*i:]))
				t.samples += count
				t.sampleTime += count * delta
			}
			haveStts = true
		}
	}
	return t, haveStsd && haveStts
}

// child returns the payload of the first box of type typ in body.
func child(body []byte, typ string, budget *int) ([]byte, bool) {
	boxes, ok := mp4Children(body, budget)
	if !ok {
		return nil, false
	}
	for _, b := range boxes {
		if b.typ == typ {
			return b.body, true
		}
	}
	return nil, false
}

// readStsd reads the first (only) visual sample entry: codec, coded size
// and the pixel aspect ratio box.
func (t *mp4Track) readStsd(body []byte, budget *int) bool {
	_, p, ok := fullBox(body)
	if !ok || len(p) < 4 || binary.BigEndian.Uint32(p) != 1 {
		return false // several sample descriptions: ffprobe decides
	}
	entries, ok := mp4Children(p[4:], budget)
	if !ok || len(entries) != 1 {
		return false
	}
	e := entries[0]
	codec, known := mp4Codecs[e.typ]
	// A visual sample entry: reserved 6, data reference 2, pre-defined and
	// reserved 16, width 2, height 2, resolution 8, reserved 4, frame
	// count 2, compressor name 32, depth 2, pre-defined 2; then boxes.
	if !known || len(e.body) < 78 {
		return false
	}
	t.codec = codec
	t.codedW = int(binary.BigEndian.Uint16(e.body[24:]))
	t.codedH = int(binary.BigEndian.Uint16(e.body[26:]))
	ext, ok := mp4Children(e.body[78:], budget)
	if !ok {
		return false
	}
	for _, b := range ext {
		if b.typ == "pasp" {
			if len(b.body) < 8 {
				return false
			}
			t.sarH, t.sarV = binary.BigEndian.Uint32(b.body), binary.BigEndian.Uint32(b.body[4:])
		}
	}
	return true
}

// probed turns the track into what parseProbe makes of ffprobe's output.
func (t *mp4Track) probed(movieScale, movieDur uint64) (probed, bool) {
	if t.codedW <= 0 || t.codedH <= 0 {
		return probed{}, false
	}
	const one = 1 << 16
	var deg int
	switch {
	case t.a == one && t.b == 0 && t.c == 0 && t.d == one:
		deg = 0
	case t.a == 0 && t.b == one && t.c == -one && t.d == 0:
		deg = 90
	case t.a == -one && t.b == 0 && t.c == 0 && t.d == -one:
		deg = 180
	case t.a == 0 && t.b == -one && t.c == one && t.d == 0:
		deg = 270
	default:
		return probed{}, false // mirrored, scaled or skewed: ffprobe decides
	}
	p := probed{stream: t.stream, codedW: t.codedW, codedH: t.codedH}
	p.Format, p.Codec, p.Rotation = mp4Format, t.codec, deg

	// The sample aspect ratio: the pasp box, or, without one, the header
	// must show square pixels (the track's display size, turned back, is
	// the coded size), since ffmpeg could still find a ratio in the
	// bitstream.
	// Writers disagree on whether that size is taken before or after the
	// matrix turns the picture, so either way round counts.
	w, h := t.codedW, t.codedH
	dw, dh := float64(t.dispW)/one, float64(t.dispH)/one
	near := func(a float64, b int) bool { return math.Abs(a-float64(b)) <= 1 }
	switch {
	case t.sarH > 0 && t.sarV > 0:
		if sar := float64(t.sarH) / float64(t.sarV); sar != 1 && sar >= 0.1 && sar <= 10 {
			w = int(math.Round(float64(w) * sar))
		}
	case !(near(dw, w) && near(dh, h)) && !(near(dh, w) && near(dw, h)):
		return probed{}, false
	}
	if deg == 90 || deg == 270 {
		w, h = h, w
	}
	p.Width, p.Height = w, h

	switch {
	case movieScale > 0 && movieDur > 0:
		p.Duration = float64(movieDur) / float64(movieScale)
	default:
		p.Duration = float64(t.duration) / float64(t.timescale)
	}
	if t.samples > 0 && t.sampleTime > 0 {
		p.FPS = float64(t.samples) * float64(t.timescale) / float64(t.sampleTime)
		p.Frames = int(min(t.samples, math.MaxInt32))
	}
	return p, true
}
