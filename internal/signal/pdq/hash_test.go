package pdq

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

func randomHash(r *rand.Rand) Hash {
	return Hash{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()}
}

func TestHexRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		h := randomHash(r)
		s := h.String()
		if len(s) != 64 || strings.ToLower(s) != s {
			t.Fatalf("String() = %q, want 64 lower-case hex digits", s)
		}
		back, err := Parse(s)
		if err != nil || back != h {
			t.Fatalf("Parse(%q) = %v, %v; want %v", s, back, err, h)
		}
		upper, err := Parse(strings.ToUpper(s))
		if err != nil || upper != h {
			t.Fatalf("Parse(upper %q) = %v, %v", s, upper, err)
		}
	}
	// A reference hash survives unchanged.
	const ref = "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22"
	h, err := Parse(ref)
	if err != nil || h.String() != ref {
		t.Fatalf("round trip of %s gave %v, %v", ref, h, err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{
		"",
		"d8f8",
		strings.Repeat("0", 63),
		strings.Repeat("0", 65),
		strings.Repeat("g", 64),
		strings.Repeat("0", 62) + " 0",
		strings.Repeat("é", 32),
	} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) succeeded, want error", s)
		}
	}
}

func TestTextMarshalling(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	type doc struct {
		H Hash `json:"h"`
	}
	in := doc{randomHash(r)}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"h":"` + in.H.String() + `"}`; string(b) != want {
		t.Fatalf("json = %s, want %s", b, want)
	}
	var out doc
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Fatalf("unmarshal = %v, %v; want %v", out, err, in)
	}
	if err := json.Unmarshal([]byte(`{"h":"zz"}`), &out); err == nil {
		t.Fatal("bad hex unmarshalled without error")
	}
}

func TestDistance(t *testing.T) {
	zero := Hash{}
	ones := Hash{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)}
	tests := []struct {
		a, b Hash
		want int
	}{
		{zero, zero, 0},
		{ones, ones, 0},
		{zero, ones, 256},
		{Hash{1}, zero, 1},
		{Hash{0, 0, 0, 0xff}, Hash{0, 0, 0, 0x0f}, 4},
		{Hash{1 << 63, 1, 1 << 20, 3}, Hash{0, 0, 0, 0}, 5},
	}
	for _, tc := range tests {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%v, %v) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := Distance(tc.b, tc.a); got != tc.want {
			t.Errorf("Distance not symmetric for %v, %v", tc.a, tc.b)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 100; i++ {
		a, b := randomHash(r), randomHash(r)
		n := 0
		for k := 0; k < Bits; k++ {
			if a.Bit(k) != b.Bit(k) {
				n++
			}
		}
		if got := Distance(a, b); got != n {
			t.Fatalf("Distance = %d, bit count %d", got, n)
		}
	}
}

// TestBitHexOrder checks Bit/SetBit against the reference layout: bit k is
// bit k%16 of 16-bit word k/16, and the hex string prints word 15 first,
// each word as 4 hex digits.
func TestBitHexOrder(t *testing.T) {
	for k := 0; k < Bits; k++ {
		var h Hash
		h.SetBit(k)
		for j := 0; j < Bits; j++ {
			if h.Bit(j) != (j == k) {
				t.Fatalf("after SetBit(%d), Bit(%d) = %v", k, j, h.Bit(j))
			}
		}
		word, bit := k/16, k%16
		s := h.String()
		for w := 0; w < 16; w++ {
			got := s[(15-w)*4 : (15-w)*4+4]
			want := "0000"
			if w == word {
				want = strings.Repeat("0", 4-len(hex16(1<<bit))) + hex16(1<<bit)
			}
			if got != want {
				t.Fatalf("SetBit(%d): word %d prints %q, want %q (hash %s)", k, w, got, want, s)
			}
		}
	}
	var h Hash
	h.SetBit(0)
	if h.String() != strings.Repeat("0", 63)+"1" {
		t.Errorf("bit 0 = %s", h)
	}
	h = Hash{}
	h.SetBit(255)
	if h.String() != "8"+strings.Repeat("0", 63) {
		t.Errorf("bit 255 = %s", h)
	}
	if !h.Bit(255) || h.IsZero() || !(Hash{}).IsZero() {
		t.Error("IsZero/Bit inconsistent")
	}
}

func hex16(v int) string {
	const digits = "0123456789abcdef"
	s := ""
	for v > 0 {
		s = string(digits[v&15]) + s
		v >>= 4
	}
	return s
}
