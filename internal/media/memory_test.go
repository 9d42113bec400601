package media

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"runtime"
	"strings"
	"testing"
	"time"
)

// jpegHeader is the start of a JPEG up to its frame header: enough for
// DecodeConfig and for pricing, nothing to decode.
func jpegHeader(sof byte, w, h int, sampling ...byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8})
	seg := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), byte(len(sampling))}
	for i, s := range sampling {
		seg = append(seg, byte(i+1), s, 0)
	}
	b.Write([]byte{0xFF, sof, 0, byte(len(seg) + 2)})
	b.Write(seg)
	b.Write([]byte{0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0}) // a scan header: DecodeConfig reads up to it
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

// pngHeader is a PNG signature and IHDR chunk.
func pngHeader(w, h int, depth, colorType byte) []byte {
	var b bytes.Buffer
	b.WriteString(pngMagic)
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = depth, colorType
	chunk := append([]byte("IHDR"), ihdr...)
	binary.Write(&b, binary.BigEndian, uint32(13))
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// gifHeader is a GIF with a w×h logical screen and two 1×1 frames.
func gifHeader(w, h int) []byte {
	var b bytes.Buffer
	b.WriteString("GIF89a")
	binary.Write(&b, binary.LittleEndian, uint16(w))
	binary.Write(&b, binary.LittleEndian, uint16(h))
	b.Write([]byte{0x80, 0, 0, 0, 0, 0, 255, 255, 255}) // 2-colour global table
	for range 2 {
		b.Write([]byte{0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 0x01, 0})
	}
	b.WriteByte(0x3B)
	return b.Bytes()
}

// TestDecodeMemoryIsPricedFromTheHeader: small files whose decoding takes
// gigabytes (a progressive 10000×10000 JPEG holds its coefficients, a
// 16-bit PNG 8 bytes a pixel, a GIF on a 10000² canvas several canvases)
// are refused as too large from their header, before any pixel is
// decoded; ordinary large photos are priced within the limit.
func TestDecodeMemoryIsPricedFromTheHeader(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		refused bool
		min     int64 // the cost is at least this
	}{
		{"progressive 10000² JPEG 4:2:0", jpegHeader(0xC2, 10000, 10000, 0x22, 0x11, 0x11), true, 700 << 20},
		{"baseline 10000² JPEG 4:2:0", jpegHeader(0xC0, 10000, 10000, 0x22, 0x11, 0x11), false, 150e6},
		{"baseline 10000² JPEG 4:4:4", jpegHeader(0xC0, 10000, 10000, 0x11, 0x11, 0x11), true, 300e6},
		{"progressive 4000×3000 JPEG", jpegHeader(0xC2, 4000, 3000, 0x22, 0x11, 0x11), false, 80e6},
		{"16-bit RGB PNG 10000²", pngHeader(10000, 10000, 16, 2), true, 1e9},
		{"16-bit grey PNG 8000²", pngHeader(8000, 8000, 16, 0), false, 190e6},
		{"8-bit RGB PNG 6000×4000", pngHeader(6000, 4000, 8, 2), false, 96e6},
		{"GIF on a 10000² canvas", gifHeader(10000, 10000), true, 800e6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Sniff(tt.data)
			m.Animated = tt.name[:3] == "GIF"
			cost, err := EstimateDecode(bytes.NewReader(tt.data), m)
			if err != nil {
				t.Fatal(err)
			}
			if cost.Bytes < tt.min {
				t.Errorf("priced at %d MB, want at least %d MB", cost.Bytes>>20, tt.min>>20)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, _, err = DecodeImage(bytes.NewReader(tt.data), DefaultLimits())
			runtime.ReadMemStats(&after)
			if tt.refused && (!errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "limits.max_decode_memory") && !strings.Contains(err.Error(), "canvas")) {
				t.Errorf("not refused as too large: %v", err)
			}
			if !tt.refused && errors.Is(err, ErrTooLarge) {
				t.Errorf("refused: %v", err)
			}
			if n := after.TotalAlloc - before.TotalAlloc; tt.refused && n > 8<<20 {
				t.Errorf("refusing allocated %d MB", n>>20)
			}
		})
	}
}

func TestBudgetMakesLargeDecodesWait(t *testing.T) {
	b := NewBudget(100)
	r1, err := b.Acquire(context.Background(), 60)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan func(), 1)
	go func() {
		r, _ := b.Acquire(context.Background(), 60)
		got <- r
	}()
	select {
	case <-got:
		t.Fatal("a second 60 of 100 did not wait")
	case <-time.After(50 * time.Millisecond):
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := b.Acquire(ctx, 50); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a waiting acquire whose context ends: %v", err)
	}
	r1()
	r2 := <-got
	if b.Used() != 60 {
		t.Errorf("used %d", b.Used())
	}
	// More than the whole budget runs alone.
	r2()
	r3, _ := b.Acquire(context.Background(), 500)
	if b.Used() != 100 {
		t.Errorf("an oversized cost takes the whole budget: used %d", b.Used())
	}
	r3()
	r3() // releasing twice is harmless
	if b.Used() != 0 {
		t.Errorf("used %d after release", b.Used())
	}
}
