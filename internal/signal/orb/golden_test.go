package orb

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/detect_golden.txt from the current detector")

const goldenFile = "testdata/detect_golden.txt"

// digest is the SHA-256 of every field of f, bit for bit: the size, then
// per feature X, Y, Scale, Angle and Response (float32 bits), Level and
// the descriptor. Unlike Encode it rounds nothing.
func digest(f *Features) string {
	h := sha256.New()
	var b [8]byte
	put32 := func(v uint32) {
		binary.LittleEndian.PutUint32(b[:4], v)
		h.Write(b[:4])
	}
	put32(uint32(f.W))
	put32(uint32(f.H))
	put32(uint32(len(f.Keypoints)))
	put32(uint32(len(f.Descriptors)))
	for i, k := range f.Keypoints {
		for _, v := range []float32{k.X, k.Y, k.Scale, k.Angle, k.Response} {
			put32(math.Float32bits(v))
		}
		h.Write([]byte{k.Level})
		for _, w := range f.Descriptors[i] {
			binary.LittleEndian.PutUint64(b[:], w)
			h.Write(b[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// goldenCases are the pictures and options whose features
// testdata/detect_golden.txt pins: sizes of stills and video frames, odd
// sizes, a picture too small for most levels, thin ones, dim and flat ones
// (the retry at the low threshold runs), a crop, fine noise (the retry on
// the coarse levels runs), and the Coarse, small-budget, no-grid and
// no-retry paths.
func goldenCases() []struct {
	name string
	g    *Gray
	o    Options
} {
	def := DefaultOptions()
	coarse := def
	coarse.MaxFeatures, coarse.Coarse = 300, 4
	few := def
	few.MaxFeatures = 60
	nogrid := def
	nogrid.Grid = 0
	noretry := def
	noretry.LowThreshold = 0
	dim := func(g *Gray) *Gray {
		for i, v := range g.Pix {
			g.Pix[i] = 20 + v/8
		}
		return g
	}
	flat := &Gray{W: 300, H: 200, Pix: make([]uint8, 300*200)}
	rng := rand.New(rand.NewPCG(14, 15))
	for i := range flat.Pix {
		flat.Pix[i] = uint8(100 + rng.IntN(4) + 12*rng.IntN(2)*rng.IntN(2))
	}
	// Fine noise: many corners on the fine levels, none on the coarse
	// ones, so Coarse detects again from level Coarse on.
	noise := &Gray{W: 400, H: 300, Pix: make([]uint8, 400*300)}
	for i := range noise.Pix {
		noise.Pix[i] = uint8(90 + rng.IntN(40))
	}
	type c = struct {
		name string
		g    *Gray
		o    Options
	}
	var out []c
	pics := []struct {
		name string
		g    *Gray
	}{
		{"640x360", scene(7, 640, 360)},
		{"320x180", scene(7, 320, 180)},
		{"1100x620", scene(8, 1100, 620)},
		{"801x451", scene(9, 801, 451)},
		{"333x217", scene(10, 333, 217)},
		{"200x300", scene(11, 200, 300)},
		{"80x60", scene(12, 80, 60)},
		{"2000x30", scene(3, 2000, 30)},
		{"1200x40", scene(3, 1200, 40)},
		{"dim480x270", dim(scene(4, 480, 270))},
		{"dim321x181", dim(scene(13, 321, 181))},
		{"flat300x200", flat},
		{"crop454x256", crop(scene(7, 640, 360), 37, 21, 454, 256)},
		{"noise400x300", noise},
	}
	for _, p := range pics {
		out = append(out, c{p.name + "/default", p.g, def})
		out = append(out, c{p.name + "/coarse", p.g, coarse})
		out = append(out, c{p.name + "/few", p.g, few})
	}
	for _, p := range pics[:3] {
		out = append(out, c{p.name + "/nogrid", p.g, nogrid})
	}
	for _, p := range pics[9:11] {
		out = append(out, c{p.name + "/noretry", p.g, noretry})
	}
	return out
}

// TestDetectGolden: Detect's output, every bit of it, is the one pinned in
// testdata/detect_golden.txt (go test -run TestDetectGolden -update
// rewrites the file).
func TestDetectGolden(t *testing.T) {
	cases := goldenCases()
	got := make(map[string]string, len(cases))
	var lines []string
	for _, tc := range cases {
		f := Detect(tc.g, tc.o)
		d := digest(f)
		got[tc.name] = d
		lines = append(lines, fmt.Sprintf("%s %d %s", tc.name, f.Len(), d))
	}
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenFile, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	fh, err := os.Open(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 3 {
			t.Fatalf("bad line %q", sc.Text())
		}
		want[fs[0]] = fs[2]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(cases) {
		t.Errorf("%d digests in %s, %d cases", len(want), goldenFile, len(cases))
	}
	for i, tc := range cases {
		if w, ok := want[tc.name]; !ok {
			t.Errorf("%s: no digest", tc.name)
		} else if got[tc.name] != w {
			t.Errorf("%s: %s, want %s", tc.name, lines[i], w)
		}
	}
}
