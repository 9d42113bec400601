package pdq

import (
	"encoding/hex"
	"fmt"
	"math/bits"
)

// Bits is the number of bits in a PDQ hash.
const Bits = 256

// Hash is a 256-bit PDQ hash. The layout follows the reference hex format:
// the 64 hex digits, most significant 16-bit word (word 15) first, are the
// four uint64s in order, so h[0] holds words 15..12.
type Hash [4]uint64

// Bit reports reference bit i (0..255): bit i%16 of 16-bit word i/16.
func (h Hash) Bit(i int) bool {
	u, shift := bitPos(i)
	return h[u]>>shift&1 == 1
}

// SetBit sets reference bit i (0..255).
func (h *Hash) SetBit(i int) {
	u, shift := bitPos(i)
	h[u] |= 1 << shift
}

func bitPos(i int) (int, uint) {
	w := i / 16   // 16-bit word index, 0..15
	pos := 15 - w // position of that word in the hex string
	u := pos / 4  // which uint64
	shift := uint((3-pos%4)*16 + i%16)
	return u, shift
}

// Distance is the Hamming distance between two hashes (0..256).
func Distance(a, b Hash) int {
	return bits.OnesCount64(a[0]^b[0]) + bits.OnesCount64(a[1]^b[1]) +
		bits.OnesCount64(a[2]^b[2]) + bits.OnesCount64(a[3]^b[3])
}

// String returns the 64-digit reference hex form.
func (h Hash) String() string {
	var b [32]byte
	for i, u := range h {
		for j := 0; j < 8; j++ {
			b[i*8+j] = byte(u >> (56 - 8*j))
		}
	}
	return hex.EncodeToString(b[:])
}

// IsZero reports whether every bit is clear.
func (h Hash) IsZero() bool { return h == Hash{} }

// Parse reads the 64-digit reference hex form.
func Parse(s string) (Hash, error) {
	var h Hash
	if len(s) != 64 {
		return h, fmt.Errorf("pdq: hash %q: want 64 hex digits, got %d", truncate(s), len(s))
	}
	var b [32]byte
	if _, err := hex.Decode(b[:], []byte(s)); err != nil {
		return h, fmt.Errorf("pdq: hash %q: %v", truncate(s), err)
	}
	for i := range h {
		for j := 0; j < 8; j++ {
			h[i] = h[i]<<8 | uint64(b[i*8+j])
		}
	}
	return h, nil
}

// MarshalText implements encoding.TextMarshaler (hex form).
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler (hex form).
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
