package orb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Encoding of Features for storage, version 1:
//
//	byte 0     version (1)
//	bytes 1-2  width, bytes 3-4 height (uint16, little endian)
//	bytes 5-6  pyramid scale factor × 1000
//	bytes 7-8  number of features n
//	n × 38     x, y (uint16, 1/4 pixel), level (uint8), angle (uint8,
//	           1/256 turn), descriptor (4 × uint64, little endian)
//
// The Harris response is not kept: it only ranks features at detection.
const (
	codecVersion  = 1
	codecHeader   = 9
	codecPerEntry = 38
)

// EncodedSize is the number of bytes Encode uses for n features.
func EncodedSize(n int) int { return codecHeader + n*codecPerEntry }

// Encode serialises f (at most 65535 features, pictures up to 16383
// pixels a side).
func Encode(f *Features, scaleFactor float64) []byte {
	n := min(f.Len(), math.MaxUint16)
	b := make([]byte, EncodedSize(n))
	b[0] = codecVersion
	binary.LittleEndian.PutUint16(b[1:], uint16(min(f.W, math.MaxUint16)))
	binary.LittleEndian.PutUint16(b[3:], uint16(min(f.H, math.MaxUint16)))
	binary.LittleEndian.PutUint16(b[5:], uint16(math.Round(scaleFactor*1000)))
	binary.LittleEndian.PutUint16(b[7:], uint16(n))
	p := b[codecHeader:]
	for i := 0; i < n; i++ {
		k := f.Keypoints[i]
		binary.LittleEndian.PutUint16(p[0:], quarter(k.X))
		binary.LittleEndian.PutUint16(p[2:], quarter(k.Y))
		p[4] = k.Level
		a := math.Mod(float64(k.Angle)/(2*math.Pi), 1)
		if a < 0 {
			a++
		}
		p[5] = uint8(int(math.Round(a*256)) & 255)
		for w := 0; w < 4; w++ {
			binary.LittleEndian.PutUint64(p[6+8*w:], f.Descriptors[i][w])
		}
		p = p[codecPerEntry:]
	}
	return b
}

func quarter(v float32) uint16 {
	return uint16(min(math.MaxUint16, max(0, math.Round(float64(v)*4))))
}

// ErrCorrupt is returned by Decode for data that Encode did not write.
var ErrCorrupt = errors.New("local features: corrupt data")

// Decode reads features written by Encode.
func Decode(b []byte) (*Features, error) {
	if len(b) < codecHeader {
		return nil, ErrCorrupt
	}
	if b[0] != codecVersion {
		return nil, fmt.Errorf("%w: version %d", ErrCorrupt, b[0])
	}
	w := int(binary.LittleEndian.Uint16(b[1:]))
	h := int(binary.LittleEndian.Uint16(b[3:]))
	sf := float64(binary.LittleEndian.Uint16(b[5:])) / 1000
	n := int(binary.LittleEndian.Uint16(b[7:]))
	if len(b) != EncodedSize(n) || sf < 1 || sf > 4 || w == 0 || h == 0 {
		return nil, ErrCorrupt
	}
	f := &Features{W: w, H: h, Keypoints: make([]Keypoint, n), Descriptors: make([]Descriptor, n)}
	p := b[codecHeader:]
	for i := 0; i < n; i++ {
		lv := p[4]
		if lv > 31 {
			return nil, ErrCorrupt
		}
		a := float64(p[5]) / 256 * 2 * math.Pi
		if a > math.Pi {
			a -= 2 * math.Pi
		}
		f.Keypoints[i] = Keypoint{
			X:     float32(binary.LittleEndian.Uint16(p[0:])) / 4,
			Y:     float32(binary.LittleEndian.Uint16(p[2:])) / 4,
			Level: lv,
			Scale: float32(math.Pow(sf, float64(lv))),
			Angle: float32(a),
		}
		for j := 0; j < 4; j++ {
			f.Descriptors[i][j] = binary.LittleEndian.Uint64(p[6+8*j:])
		}
		p = p[codecPerEntry:]
	}
	return f, nil
}
