package pdq

import (
	"encoding/csv"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Tolerances of the reference conformance rules: identical pixels may differ
// by a couple of bits for floating-point order; a different JPEG decoder by
// up to 16 bits (the reference Python tests' threshold).
const (
	maxBitsSamePixels = 2
	maxQualityDiff    = 1
	maxBitsJPEG       = 16
)

func TestConformanceTestdata(t *testing.T) {
	checkConformance(t, "testdata")
}

// TestConformanceShared runs the full reference set, kept next to the
// repository at <repo>/../shared/pdq-reference.
func TestConformanceShared(t *testing.T) {
	dir, err := sharedReferenceDir()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("full PDQ reference set required in CI: %v", err)
		}
		t.Skipf("full PDQ reference set not available (%v); the testdata subset still runs", err)
	}
	checkConformance(t, dir)
}

// sharedReferenceDir walks up from the package directory to the repository
// root (the directory holding go.mod) and returns ../shared/pdq-reference
// from there, if it exists.
func sharedReferenceDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			ref := filepath.Join(filepath.Dir(d), "shared", "pdq-reference")
			if fi, err := os.Stat(ref); err != nil || !fi.IsDir() {
				return "", fmt.Errorf("%s is not a directory", ref)
			}
			return ref, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod above %s", wd)
		}
		d = parent
	}
}

func checkConformance(t *testing.T, dir string) {
	t.Run("images", func(t *testing.T) { checkImages(t, dir) })
	t.Run("dihedral", func(t *testing.T) { checkDihedral(t, dir) })
	t.Run("jpeg", func(t *testing.T) { checkJPEG(t, dir) })
}

func checkImages(t *testing.T, dir string) {
	want := map[string][]string{}
	for _, r := range readCSV(t, filepath.Join(dir, "expected.csv"), 3) {
		want[r[2]] = r
	}
	files, err := filepath.Glob(filepath.Join(dir, "images", "*.png"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no PNGs in %s/images (err %v)", dir, err)
	}
	h := NewHasher()
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			r, ok := want[name]
			if !ok {
				t.Fatalf("%s has no row in expected.csv", name)
			}
			wantHash, wantQ := parseHash(t, r[0]), atoi(t, r[1])
			img := decodeFile(t, f, png.Decode)
			got, q := h.FromImage(img)
			if d := Distance(got, wantHash); d > maxBitsSamePixels {
				t.Errorf("hash %v, want %v (distance %d)", got, wantHash, d)
			}
			if absInt(q-wantQ) > maxQualityDiff {
				t.Errorf("quality %d, want %d", q, wantQ)
			}
			// The luminance entry point agrees with the image one.
			lh, lq := h.FromLuma(refLuma(img), img.Bounds().Dx(), img.Bounds().Dy())
			if lh != got || lq != q {
				t.Errorf("FromLuma = %v q%d, FromImage = %v q%d", lh, lq, got, q)
			}
		})
	}
}

func checkDihedral(t *testing.T, dir string) {
	rows := readCSV(t, filepath.Join(dir, "expected-dihedral.csv"), 10)
	h := NewHasher()
	for _, r := range rows {
		name := r[9]
		t.Run(name, func(t *testing.T) {
			img := decodeFile(t, filepath.Join(dir, "images", name), png.Decode)
			got, q := h.DihedralFromImage(img)
			for k := range got {
				want := parseHash(t, r[k])
				if d := Distance(got[k], want); d > maxBitsSamePixels {
					t.Errorf("dihedral %d: %v, want %v (distance %d)", k, got[k], want, d)
				}
			}
			if wantQ := atoi(t, r[8]); absInt(q-wantQ) > maxQualityDiff {
				t.Errorf("quality %d, want %d", q, wantQ)
			}
			lh, lq := h.DihedralFromLuma(refLuma(img), img.Bounds().Dx(), img.Bounds().Dy())
			if lh != got || lq != q {
				t.Errorf("DihedralFromLuma differs from DihedralFromImage")
			}
		})
	}
}

func checkJPEG(t *testing.T, dir string) {
	rows := readCSV(t, filepath.Join(dir, "expected-jpeg-decode.csv"), 2)
	for _, r := range rows {
		name := r[1]
		t.Run(name, func(t *testing.T) {
			img := decodeFile(t, filepath.Join(dir, "jpeg", name), jpeg.Decode)
			got, _ := FromImage(img)
			want := parseHash(t, r[0])
			if d := Distance(got, want); d > maxBitsJPEG {
				t.Errorf("hash %v, want %v (distance %d > %d)", got, want, d, maxBitsJPEG)
			}
		})
	}
}

// refLuma computes the reference luminance of img independently of the
// package's fast paths: float32 0.299R + 0.587G + 0.114B on the 8-bit
// straight colour, row-major.
func refLuma(img image.Image) []float32 {
	b := img.Bounds()
	out := make([]float32, 0, b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			if a != 0xffff {
				panic("refLuma: test images are opaque")
			}
			rf, gf, bf := float32(r>>8), float32(g>>8), float32(bl>>8)
			var cr, cg, cb float32 = 0.299, 0.587, 0.114
			out = append(out, float32(cr*rf)+float32(cg*gf)+float32(cb*bf))
		}
	}
	return out
}

func readCSV(t *testing.T, path string, fields int) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = fields
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no rows", path)
	}
	return rows
}

func decodeFile(t *testing.T, path string, decode func(io.Reader) (image.Image, error)) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func parseHash(t *testing.T, s string) Hash {
	t.Helper()
	h, err := Parse(strings.TrimSpace(s))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
