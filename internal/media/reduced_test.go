package media

import (
	"encoding/csv"
	"errors"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/provcheck/provcheck/internal/signal/pdq"
)

// maxBitsJPEG is the distance the PDQ reference tests accept for a JPEG
// decoded by another decoder than theirs.
const maxBitsJPEG = 16

// The reference JPEG vectors, decoded the way fingerprinting decodes them,
// stay within the reference's JPEG tolerance; the large exif-rotn-3.jpg,
// decoded reduced (and turned by its EXIF orientation), stays within it of
// its full-size decode.
func TestReducedDecodePDQReference(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "pdq-reference"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "expected-jpeg-decode.csv"))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("PDQ reference set not available at %s", dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		img, info, err := DecodeImageFileReduced(filepath.Join(dir, "jpeg", r[1]), Limits{})
		if err != nil {
			t.Fatalf("%s: %v", r[1], err)
		}
		if info.Scale > 1 {
			if b := img.Bounds(); (info.Width+info.Scale-1)/info.Scale != b.Dx() || (info.Height+info.Scale-1)/info.Scale != b.Dy() {
				t.Errorf("%s: %v decoded for %d×%d at 1/%d", r[1], b, info.Width, info.Height, info.Scale)
			}
		}
		want, err := pdq.Parse(r[0])
		if err != nil {
			t.Fatal(err)
		}
		got, _ := pdq.FromImage(img)
		d := pdq.Distance(got, want)
		if d > maxBitsJPEG {
			t.Errorf("%s (1/%d): distance %d to the reference > %d", r[1], info.Scale, d, maxBitsJPEG)
		}
		t.Logf("%s: 1/%d, %d×%d, distance %d", r[1], info.Scale, info.Width, info.Height, d)
	}
	big := filepath.Join(dir, "jpeg", "exif-rotn-3.jpg")
	img, info, err := DecodeImageFileReduced(big, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	full, _, err := DecodeImageFile(big, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if info.Scale == 1 || full.Bounds().Dx() != info.Width || full.Bounds().Dy() != info.Height {
		t.Errorf("exif-rotn-3.jpg: %+v, full decode %v", info, full.Bounds())
	}
	a, _ := pdq.FromImage(img)
	b, _ := pdq.FromImage(full)
	if d := pdq.Distance(a, b); d > maxBitsJPEG {
		t.Errorf("exif-rotn-3.jpg: reduced decode (1/%d) is %d bits from the full one", info.Scale, d)
	} else {
		t.Logf("exif-rotn-3.jpg: %d×%d at 1/%d, %d bits from the full decode", info.Width, info.Height, info.Scale, d)
	}
}

// A reduced decode reports the full size, and gives the same kind of image
// as the full decode would (a Gray for a greyscale JPEG).
func TestReducedDecodeSizes(t *testing.T) {
	for _, tc := range []struct{ w, h, scale int }{{100, 60, 1}, {1000, 700, 1}, {1280, 720, 2}, {2100, 1100, 2}, {4200, 2100, 4}} {
		data := encodeJPEG(t, image.NewGray(image.Rect(0, 0, tc.w, tc.h)), 80)
		img, info, err := DecodeImageBytesReduced(data, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if info.Width != tc.w || info.Height != tc.h || info.Scale != tc.scale {
			t.Errorf("%d×%d: info %+v, want scale %d", tc.w, tc.h, info, tc.scale)
		}
		if _, ok := img.(*image.Gray); !ok {
			t.Errorf("%d×%d: %T", tc.w, tc.h, img)
		}
	}
}

// TestReducedScaleMinLong: a reduced decode keeps the shorter side at
// least ReducedSide, and the longer side at least the size asked for.
func TestReducedScaleMinLong(t *testing.T) {
	for _, tt := range []struct{ w, h, minLong, want int }{
		{2252, 1526, 0, 4},   // 563×381
		{2252, 1526, 640, 2}, // 1126×763
		{1280, 720, 0, 2},
		{1280, 720, 640, 2}, // 640×360: no larger for the longer side
		{4000, 3000, 0, 8},  // 500×375
		{4000, 3000, 640, 4},
		{900, 600, 640, 1},
		{720, 5000, 640, 2}, // the shorter side decides
	} {
		if got := reducedScale(tt.w, tt.h, tt.minLong); got != tt.want {
			t.Errorf("reducedScale(%d, %d, %d) = %d, want %d", tt.w, tt.h, tt.minLong, got, tt.want)
		}
	}
}
