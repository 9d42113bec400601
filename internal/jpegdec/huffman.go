package jpegdec

import "encoding/binary"

// lutBits is the number of bits looked up at once; longer codes (rare in
// real files) take the slow path.
const lutBits = 9

// huffTable is one Huffman table prepared for decoding.
type huffTable struct {
	// lut maps the next lutBits bits to length<<8 | symbol, 0 when the
	// code is longer than lutBits.
	lut [1 << lutBits]uint16
	// fastAC, for AC tables, maps the next lutBits bits to a whole
	// run/value pair when the code and its extra bits fit in lutBits:
	// value<<16 | run<<8 | total length; 0 otherwise.
	fastAC [1 << lutBits]int32
	// Canonical decoding for long codes: maxCode[l] is the largest code of
	// length l (-1 when none), valPtr[l] the index in vals of the first
	// code of length l minus that code.
	maxCode [18]int32
	valPtr  [17]int32
	vals    []uint8
	defined bool
}

// build prepares t from the DHT counts (codes of each length 1..16) and
// symbols. ac says whether fastAC is filled.
func (t *huffTable) build(counts [16]int, vals []uint8, ac bool) error {
	*t = huffTable{vals: append([]uint8(nil), vals...), defined: true}
	code := int32(0)
	k := int32(0)
	for l := 1; l <= 16; l++ {
		n := int32(counts[l-1])
		if code+n > 1<<l {
			// More codes of this length than it has room for (checked
			// before they are filed into the lookup table).
			return FormatError("bad Huffman table")
		}
		t.valPtr[l] = k - code
		if n == 0 {
			t.maxCode[l] = -1
		} else {
			t.maxCode[l] = code + n - 1
		}
		for i := int32(0); i < n; i++ {
			if l <= lutBits {
				shift := uint(lutBits - l)
				base := (code + i) << shift
				for j := int32(0); j < 1<<shift; j++ {
					t.lut[base+j] = uint16(l)<<8 | uint16(vals[k+i])
				}
			}
		}
		k += n
		code = (code + n) << 1
	}
	t.maxCode[17] = 1 << 30 // sentinel: never reached for valid codes
	if !ac {
		return nil
	}
	for i := range t.lut {
		e := t.lut[i]
		l := int(e >> 8)
		if l == 0 {
			continue
		}
		rs := e & 0xff
		run, s := int(rs>>4), int(rs&15)
		if s == 0 || l+s > lutBits {
			continue
		}
		bits := (i >> (lutBits - l - s)) & (1<<s - 1)
		v := extend(int32(bits), s)
		t.fastAC[i] = v<<16 | int32(run)<<8 | int32(l+s)
	}
	return nil
}

// extend turns s received bits into the signed value they code.
func extend(v int32, s int) int32 {
	if v < 1<<(s-1) {
		return v - (1 << s) + 1
	}
	return v
}

// bitReader reads the entropy-coded segment of a scan, removing byte
// stuffing. Bits are kept left-aligned in acc. At a marker, or at the end
// of the data, zero bits are supplied; pad counts them so that a scan which
// consumed bits that were never in the file is reported as truncated.
type bitReader struct {
	data   []byte
	pos    int
	acc    uint64
	n      uint // valid bits in acc (real or padding)
	pad    uint // of the n bits, how many are padding
	marker bool // stopped at a marker (or the end of data)
}

func (b *bitReader) reset(data []byte, pos int) {
	*b = bitReader{data: data, pos: pos}
}

// fill tops acc up to at least 57 bits.
func (b *bitReader) fill() {
	// The bytes it takes at once when none of them is 0xff (no stuffing,
	// no marker) and 8 are left to read: the same bits as one at a time.
	if !b.marker && b.n <= 56 && b.pos+8 <= len(b.data) {
		w := binary.BigEndian.Uint64(b.data[b.pos:])
		k := (64 - b.n) / 8
		take := ^uint64(0) << (64 - 8*k) // the first k bytes
		// A byte of ^w is 0 where w's is 0xff (the test may also flag a
		// byte above one that is: then fillBytes takes them).
		x := ^w
		if (x-0x0101010101010101)&^x&0x8080808080808080&take == 0 {
			b.acc |= (w & take) >> b.n
			b.pos += int(k)
			b.n += 8 * k
			return
		}
	}
	b.fillBytes()
}

// fillBytes is fill one byte at a time: at stuffing, markers and the end
// of the data.
func (b *bitReader) fillBytes() {
	for b.n <= 56 {
		var c byte
		if !b.marker {
			if b.pos >= len(b.data) {
				b.marker = true
			} else {
				c = b.data[b.pos]
				if c != 0xff {
					b.pos++
				} else if b.pos+1 < len(b.data) && b.data[b.pos+1] == 0 {
					b.pos += 2
				} else {
					b.marker = true
					c = 0
				}
			}
		}
		if b.marker {
			b.pad += 8
		}
		b.acc |= uint64(c) << (56 - b.n)
		b.n += 8
	}
}

// overrun reports whether padding bits have been consumed.
func (b *bitReader) overrun() bool { return b.n < b.pad }

func (b *bitReader) bits(s int) int32 {
	if s == 0 {
		return 0
	}
	if b.n < uint(s) {
		b.fill()
	}
	v := int32(b.acc >> (64 - uint(s)))
	b.acc <<= uint(s)
	b.n -= uint(s)
	return v
}

// long reads m bits (m ≤ 64), most significant first.
func (b *bitReader) long(m int) uint64 {
	var v uint64
	for m > 0 {
		s := min(m, 32)
		v = v<<uint(s) | uint64(uint32(b.bits(s)))
		m -= s
	}
	return v
}

func (b *bitReader) bit() bool {
	if b.n < 1 {
		b.fill()
	}
	v := b.acc>>63 != 0
	b.acc <<= 1
	b.n--
	return v
}

// receiveExtend reads s bits and extends them to a signed value.
func (b *bitReader) receiveExtend(s int) int32 {
	if s == 0 {
		return 0
	}
	return extend(b.bits(s), s)
}

// decode reads one Huffman-coded symbol.
func (b *bitReader) decode(t *huffTable) (uint8, error) {
	if b.n < 16 {
		b.fill()
	}
	e := t.lut[b.acc>>(64-lutBits)]
	if l := uint(e >> 8); l != 0 {
		b.acc <<= l
		b.n -= l
		return uint8(e), nil
	}
	code := int32(b.acc >> (64 - lutBits))
	l := lutBits
	for ; l < 16 && code > t.maxCode[l]; l++ {
		code = code<<1 | int32(b.acc>>(63-uint(l))&1)
	}
	if code > t.maxCode[l] {
		return 0, FormatError("bad Huffman code")
	}
	b.acc <<= uint(l)
	b.n -= uint(l)
	i := t.valPtr[l] + code
	if i < 0 || int(i) >= len(t.vals) {
		return 0, FormatError("bad Huffman code")
	}
	return t.vals[i], nil
}
