package media

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"testing"
)

func TestExifOrientation(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	long := func(o uint32) []byte { // orientation written as LONG
		b := []byte("II\x2a\x00\x08\x00\x00\x00\x01\x00\x12\x01\x04\x00\x01\x00\x00\x00")
		b = le.AppendUint32(b, o)
		return le.AppendUint32(b, 0)
	}
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"II 1", tiffIFD(1, le), 1},
		{"II 6", tiffIFD(6, le), 6},
		{"MM 8", tiffIFD(8, be), 8},
		{"MM 3", tiffIFD(3, be), 3},
		{"Exif prefix", append([]byte("Exif\x00\x00"), tiffIFD(5, le)...), 5},
		{"LONG type", long(7), 7},
		{"value 0", tiffIFD(0, le), 1},
		{"value 9", tiffIFD(9, le), 1},
		{"empty", nil, 1},
		{"bad magic", []byte("IX\x2a\x00\x08\x00\x00\x00"), 1},
		{"bad version", []byte("II\x2b\x00\x08\x00\x00\x00"), 1},
		{"offset past end", []byte("II\x2a\x00\xff\xff\xff\x7f"), 1},
		{"offset into header", []byte("II\x2a\x00\x02\x00\x00\x00"), 1},
		{"truncated entries", tiffIFD(6, le)[:20], 1},
		{"wrong type", func() []byte { b := tiffIFD(6, le); b[8+2+2*12+2] = 7; return b }(), 1},
		{"huge entry count", []byte("II\x2a\x00\x08\x00\x00\x00\xff\xff"), 1},
	}
	for _, tt := range tests {
		if got := exifOrientation(tt.data); got != tt.want {
			t.Errorf("%s: orientation %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestJPEGOrientationScan checks the JPEG segment walk: EXIF after other
// segments is found, EXIF after SOS is not looked for, and damaged
// segment lengths end the walk quietly.
func TestJPEGOrientationScan(t *testing.T) {
	jpg := encodeJPEG(t, blockPattern(), 80)
	withExif := jpegWithExif(jpg, 6, binary.LittleEndian)
	afterSOS := append(append([]byte{}, jpg...), jpegWithExif([]byte{0xFF, 0xD8}, 6, binary.LittleEndian)[2:]...)
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"exif", withExif, 6},
		{"none", jpg, 1},
		{"fill bytes before marker", append([]byte{0xFF, 0xD8, 0xFF, 0xFF}, withExif[3:]...), 6},
		{"segment cut short", withExif[:40], 1},
		{"not a jpeg", []byte("hello"), 1},
		{"exif behind image data", afterSOS, 1},
	}
	for _, tt := range tests {
		if got := jpegOrientation(bufio.NewReader(bytes.NewReader(tt.data))); got != tt.want {
			t.Errorf("%s: orientation %d, want %d", tt.name, got, tt.want)
		}
	}
}

func FuzzOrientation(f *testing.F) {
	for o := 0; o <= 9; o++ {
		f.Add(tiffIFD(o, binary.LittleEndian))
		f.Add(tiffIFD(o, binary.BigEndian))
	}
	f.Add([]byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if o := exifOrientation(data); o < 1 || o > 8 {
			t.Fatalf("orientation %d", o)
		}
		// The same bytes as the payload of each container.
		for _, format := range []string{"jpeg", "png", "webp", "tiff"} {
			var wrapped []byte
			switch format {
			case "jpeg":
				wrapped = jpegWithExifPayload(data)
			case "png":
				wrapped = append([]byte(pngMagic), pngChunk("eXIf", data)...)
			case "webp":
				wrapped = append([]byte("RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00EXIF"), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
				wrapped = append(wrapped, data...)
			case "tiff":
				wrapped = data
			}
			if o := readOrientation(bytes.NewReader(wrapped), format); o < 1 || o > 8 {
				t.Fatalf("%s: orientation %d", format, o)
			}
			// And the raw bytes read as if they were that container.
			if o := readOrientation(bytes.NewReader(data), format); o < 1 || o > 8 {
				t.Fatalf("%s raw: orientation %d", format, o)
			}
		}
	})
}

func jpegWithExifPayload(tiff []byte) []byte {
	if len(tiff) > 60000 {
		tiff = tiff[:60000]
	}
	b := []byte{0xFF, 0xD8, 0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(b[4:], uint16(len(tiff)+8))
	b = append(b, "Exif\x00\x00"...)
	return append(b, tiff...)
}
