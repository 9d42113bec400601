package media

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
)

// This file reads the EXIF orientation of an image without decoding it. The
// orientation lives in IFD0 of a TIFF structure (tag 0x0112), which is the
// file itself for TIFF, and is embedded in JPEG (APP1 "Exif\0\0"), PNG
// (eXIf chunk) and WebP (EXIF chunk). Every reader here is bounded: it reads
// at most a fixed number of bytes and segments, checks every offset against
// the data it has, and on anything unexpected reports orientation 1 (as
// stored) rather than an error: a broken EXIF block must not stop a decode.

const (
	tagOrientation = 0x0112

	maxIFDEntries    = 4096    // IFD0 entries read before giving up
	maxJPEGSegments  = 256     // JPEG marker segments scanned before SOS
	maxPNGChunks     = 4096    // PNG chunks scanned before IDAT
	maxWebPChunks    = 4096    // WebP chunks scanned
	maxExifBlockSize = 1 << 20 // largest embedded EXIF block read (PNG, WebP)
)

// exifOrientation returns the orientation (1–8) recorded in a TIFF-structured
// EXIF block, or 1 when there is none or the block is malformed. An optional
// "Exif\0\0" prefix is accepted (some WebP writers include it).
func exifOrientation(b []byte) int {
	b = bytes.TrimPrefix(b, []byte("Exif\x00\x00"))
	return tiffOrientation(bytes.NewReader(b))
}

// tiffOrientation reads the orientation tag from IFD0 of the TIFF structure
// at the start of r. It reads the 8-byte header, the entry count and the
// entries themselves, nothing else, so it suits TIFF files whose IFD0 sits
// at the end of a large file.
func tiffOrientation(r io.ReaderAt) int {
	var hdr [8]byte
	if _, err := r.ReadAt(hdr[:], 0); err != nil {
		return 1
	}
	var bo binary.ByteOrder
	switch {
	case hdr[0] == 'I' && hdr[1] == 'I':
		bo = binary.LittleEndian
	case hdr[0] == 'M' && hdr[1] == 'M':
		bo = binary.BigEndian
	default:
		return 1
	}
	if bo.Uint16(hdr[2:4]) != 42 {
		return 1
	}
	off := int64(bo.Uint32(hdr[4:8]))
	if off < 8 {
		return 1
	}
	var cnt [2]byte
	if _, err := r.ReadAt(cnt[:], off); err != nil {
		return 1
	}
	n := int(bo.Uint16(cnt[:]))
	if n > maxIFDEntries {
		n = maxIFDEntries
	}
	entries := make([]byte, 12*n)
	got, _ := r.ReadAt(entries, off+2)
	entries = entries[:got-got%12]
	for i := 0; i+12 <= len(entries); i += 12 {
		e := entries[i : i+12]
		if bo.Uint16(e[0:2]) != tagOrientation {
			continue
		}
		typ, count := bo.Uint16(e[2:4]), bo.Uint32(e[4:8])
		if count < 1 {
			return 1
		}
		var v uint32
		switch typ {
		case 3: // SHORT, the type the standard prescribes
			v = uint32(bo.Uint16(e[8:10]))
		case 4: // LONG, written by a few tools
			v = bo.Uint32(e[8:12])
		default:
			return 1
		}
		if v < 1 || v > 8 {
			return 1
		}
		return int(v)
	}
	return 1
}

// readOrientation finds the EXIF orientation of an image of the given format
// held in r (positioned anywhere; it seeks as needed). Formats without EXIF
// support report 1.
func readOrientation(r io.ReadSeeker, format string) int {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return 1
	}
	switch format {
	case "jpeg":
		return jpegOrientation(bufio.NewReader(r))
	case "png":
		return pngOrientation(r)
	case "webp":
		return webpOrientation(r)
	case "tiff":
		return tiffOrientation(&seekReaderAt{r: r})
	}
	return 1
}

// jpegOrientation scans the JPEG marker segments before the first SOS for
// an APP1 segment holding EXIF data.
func jpegOrientation(r *bufio.Reader) int {
	var soi [2]byte
	if _, err := io.ReadFull(r, soi[:]); err != nil || soi != [2]byte{0xFF, 0xD8} {
		return 1
	}
	for i := 0; i < maxJPEGSegments; i++ {
		// Find the marker, skipping fill bytes (0xFF repeated).
		c, err := r.ReadByte()
		if err != nil || c != 0xFF {
			return 1
		}
		for c == 0xFF {
			if c, err = r.ReadByte(); err != nil {
				return 1
			}
		}
		marker := c
		switch {
		case marker == 0xD9 || marker == 0xDA: // EOI, SOS: no EXIF before the image data
			return 1
		case marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7): // no length
			continue
		}
		var lb [2]byte
		if _, err := io.ReadFull(r, lb[:]); err != nil {
			return 1
		}
		n := int(binary.BigEndian.Uint16(lb[:])) - 2
		if n < 0 {
			return 1
		}
		if marker == 0xE1 && n >= 6 {
			seg := make([]byte, n)
			if _, err := io.ReadFull(r, seg); err != nil {
				return 1
			}
			if bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
				return exifOrientation(seg[6:])
			}
			continue // an XMP APP1; the EXIF one may follow
		}
		if _, err := r.Discard(n); err != nil {
			return 1
		}
	}
	return 1
}

// pngOrientation walks PNG chunks up to the first IDAT looking for eXIf.
func pngOrientation(r io.ReadSeeker) int {
	var sig [8]byte
	if _, err := io.ReadFull(r, sig[:]); err != nil || string(sig[:]) != pngMagic {
		return 1
	}
	var hdr [8]byte
	for i := 0; i < maxPNGChunks; i++ {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return 1
		}
		n := int64(binary.BigEndian.Uint32(hdr[0:4]))
		switch string(hdr[4:8]) {
		case "IDAT", "IEND":
			return 1
		case "eXIf":
			if n > maxExifBlockSize {
				return 1
			}
			b := make([]byte, n)
			if _, err := io.ReadFull(r, b); err != nil {
				return 1
			}
			return exifOrientation(b)
		}
		if _, err := r.Seek(n+4, io.SeekCurrent); err != nil { // data and CRC
			return 1
		}
	}
	return 1
}

// webpOrientation walks the chunks of an extended (VP8X) WebP file looking
// for EXIF.
func webpOrientation(r io.ReadSeeker) int {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil || string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WEBP" {
		return 1
	}
	var ch [8]byte
	for i := 0; i < maxWebPChunks; i++ {
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return 1
		}
		n := int64(binary.LittleEndian.Uint32(ch[4:8]))
		switch string(ch[0:4]) {
		case "VP8 ", "VP8L":
			if i == 0 {
				return 1 // simple format: no metadata chunks
			}
		case "EXIF":
			if n > maxExifBlockSize {
				return 1
			}
			b := make([]byte, n)
			if _, err := io.ReadFull(r, b); err != nil {
				return 1
			}
			return exifOrientation(b)
		}
		if _, err := r.Seek(n+n&1, io.SeekCurrent); err != nil { // chunks are padded to even size
			return 1
		}
	}
	return 1
}

// seekReaderAt adapts an io.ReadSeeker to io.ReaderAt for the few small
// reads tiffOrientation makes. It is not safe for concurrent use.
type seekReaderAt struct{ r io.ReadSeeker }

func (s *seekReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if _, err := s.r.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	return io.ReadFull(s.r, p)
}
